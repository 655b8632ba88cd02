from _nemo_common import DistributedManager  # noqa: F401

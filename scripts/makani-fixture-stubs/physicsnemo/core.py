from _nemo_common import ModelRegistry  # noqa: F401

from _nemo_common import ModelMetaData  # noqa: F401

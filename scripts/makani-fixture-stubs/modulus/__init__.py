"""Stub (see ../_nemo_common.py): only names makani imports at module level."""
from _nemo_common import Module, ModelMetaData  # noqa: F401
from . import distributed  # noqa: F401

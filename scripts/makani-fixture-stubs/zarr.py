"""Stub for zarr, imported at module level by makani's data loaders (reading
training data); the fixture reads no zarr store."""


def __getattr__(name):
    raise RuntimeError(f"stub zarr: zarr.{name} is not available in the fixture")

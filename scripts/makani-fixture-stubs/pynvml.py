"""Stub for pynvml (NVIDIA GPU monitoring), imported at module level by the HENS
fork's trainer; the fixture runs on CPU and never queries a GPU."""


def __getattr__(name):
    raise RuntimeError(f"stub pynvml: pynvml.{name} is not available in the fixture")

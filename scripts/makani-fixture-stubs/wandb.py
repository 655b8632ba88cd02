"""Stub for wandb (experiment logging). makani imports it at module level in its
training/metrics code; the fixture never logs, so any attribute access raises."""


def __getattr__(name):
    raise RuntimeError(f"stub wandb: wandb.{name} is not available in the fixture")

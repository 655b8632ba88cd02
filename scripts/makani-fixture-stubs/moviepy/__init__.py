"""Stub for moviepy, imported at module level by makani.utils.visualize (training
videos only); the fixture never renders video."""


class ImageSequenceClip:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("stub moviepy: not available in the fixture")

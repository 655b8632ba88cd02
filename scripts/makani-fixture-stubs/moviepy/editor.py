from moviepy import ImageSequenceClip  # noqa: F401

"""Pictures for call tests without a camera: a real media player filming one
colour through libavfilter, and a check of what colour a picture shows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaPlayer

from desktop.media.video import Picture

RGB = {"red": (255, 0, 0), "blue": (0, 0, 255)}


def colour_camera(colour: str, seconds: float | None = None) -> Callable[[], MediaStreamTrack]:
    """A camera factory filming ``colour`` in 1280x720 (``seconds`` long, or endless)."""
    source = f"color=c={colour}:s=1280x720:r=15" + (f":d={seconds}" if seconds else "")

    def open_it() -> MediaStreamTrack:
        video = MediaPlayer(source, format="lavfi").video
        assert video is not None
        return video

    return open_it


def looks(picture: Picture, colour: str) -> bool:
    """Each channel's mean within 40 of the colour's (the codec is lossy)."""
    means = picture.reshape(-1, 3).mean(axis=0)
    return bool(np.all(np.abs(means - np.array(RGB[colour])) < 40))

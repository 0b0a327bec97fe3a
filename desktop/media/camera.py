"""The camera: listed through libavdevice, opened through aiortc's media player.

Each platform has its own capture framework: Video4Linux2 on Linux, AVFoundation
on macOS, DirectShow on Windows. :func:`list_cameras` asks it which cameras there
are; :func:`open_camera` starts one and returns its video track. Opening can take
a moment (the device wakes up): call it off the media loop. A camera that is
missing or busy raises a :class:`MediaError`; nothing else escapes.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

import av
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaPlayer

from .errors import MediaError, MediaErrorCode

logger = logging.getLogger(__name__)

FRAME_RATE = "15"
"""Asked of the camera: a call's tiles need no more, and every frame is scaled
and encoded (once for all peers) and decoded by each of them."""


@dataclass(frozen=True)
class Platform:
    """How a platform's capture framework is named and what it is asked."""

    format: str
    """The libavdevice input format."""
    options: tuple[tuple[str, str], ...]

    def device(self, name: str) -> str:
        """What to open for the camera the framework lists as ``name``."""
        return f"video={name}" if self.format == "dshow" else name


PLATFORMS = {
    "linux": Platform("video4linux2,v4l2", (("framerate", FRAME_RATE),)),
    "darwin": Platform("avfoundation", (("framerate", "30"), ("video_size", "640x480"))),
    "win32": Platform("dshow", (("video_size", "640x480"),)),
}


@dataclass(frozen=True)
class Camera:
    """One camera: what to open with which input format, and its name for people."""

    format: str
    device: str
    name: str
    options: tuple[tuple[str, str], ...] = ()


def list_cameras(platform: Platform | None = None) -> list[Camera]:
    """The cameras the capture framework knows of (none when it cannot tell)."""
    platform = platform or PLATFORMS.get(sys.platform)
    if platform is None:
        return []
    try:
        found = av.enumerate_input_devices(platform.format)
    except (av.FFmpegError, OSError, ValueError) as error:
        logger.info("camera.list_failed format=%s error=%s", platform.format, error)
        return []
    return [
        Camera(
            platform.format,
            platform.device(info.name),
            info.description or info.name,
            platform.options,
        )
        for info in found
        if "video" in (info.media_types or ("video",))
    ]


def open_camera(camera: Camera) -> MediaStreamTrack:
    """Start ``camera``; its frames come from the returned track. Stopping the
    track closes the camera (it waits for the capture thread: off the loop too)."""
    try:
        player = MediaPlayer(camera.device, format=camera.format, options=dict(camera.options))
    except (av.FFmpegError, OSError, ValueError) as error:
        missing = isinstance(error, FileNotFoundError)
        raise MediaError(
            MediaErrorCode.CAMERA_MISSING if missing else MediaErrorCode.CAMERA_FAILED,
            f"The camera “{camera.name}” could not be opened: {_reason(error)}.",
        ) from error
    if player.video is None:
        raise MediaError(
            MediaErrorCode.CAMERA_FAILED, f"The camera “{camera.name}” gives no picture."
        )
    return player.video


def _reason(error: Exception) -> str:
    reason = getattr(error, "strerror", None) or str(error)
    return str(reason).rstrip(".")

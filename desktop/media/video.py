"""Pictures in a call: our camera out to every peer, theirs in to the tiles.

Out: :class:`CameraFeed` reads the camera's track, scales each frame once to at
most :data:`SEND_WIDTH` and hands it to the video fanout (each peer's sender
encodes it) and, small, to the preview. Frames are stamped by a
:class:`FrameClock` that lives as long as the engine: a camera turned off and on
again continues one stream, whose timestamps the encoders need to keep rising.

In: :func:`watch` reads a peer's received video track (aiortc decodes it) and
shows each frame as a :data:`Picture`; a peer whose camera is off sends nothing,
so after :data:`STILL_SECONDS` without a frame their picture is taken down.

Pictures are RGB arrays (height, width, 3 of uint8) no wider than
:data:`TILE_WIDTH`: the UI turns them into images as they are.

Scaling and converting run on a worker thread: the media loop also carries the
call's audio, which must not wait a millisecond or two behind every frame.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from .tracks import VideoFanout

Picture = npt.NDArray[np.uint8]
"""One frame for a tile: RGB, shaped (height, width, 3)."""

Show = Callable[[Picture | None], None]
"""Shows a picture, or takes it down (``None``)."""

SEND_WIDTH = 640
"""Frames wider than this are scaled down before they are sent (360p at 16:9)."""

TILE_WIDTH = 320
"""Pictures for tiles are scaled down to this width."""

STILL_SECONDS = 1.0
"""A peer that sent no frame for this long has turned their camera off."""

VIDEO_CLOCK = 90_000
"""The RTP clock rate of video."""


def scaled(frame: VideoFrame, width: int, format: str | None = None) -> VideoFrame:
    """``frame`` no wider than ``width`` (even sizes, the aspect kept), in
    ``format`` when one is given; never scaled up."""
    if frame.width <= width and format in (None, frame.format.name):
        return frame
    new_width = min(width, frame.width) // 2 * 2
    new_height = max(2, round(frame.height * new_width / frame.width) // 2 * 2)
    return frame.reformat(width=new_width, height=new_height, format=format)


def picture(frame: VideoFrame) -> Picture:
    """``frame`` as RGB for a tile."""
    return np.asarray(scaled(frame, TILE_WIDTH, "rgb24").to_ndarray(), dtype=np.uint8)


def _for_peers_and_preview(frame: VideoFrame) -> tuple[VideoFrame, Picture]:
    return scaled(frame, SEND_WIDTH), picture(frame)


class FrameClock:
    """Stamps frames with rising timestamps on the video clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last = -1

    def stamp(self, frame: VideoFrame) -> None:
        self._last = max(self._last + 1, round(self._clock() * VIDEO_CLOCK))
        frame.pts = self._last
        frame.time_base = Fraction(1, VIDEO_CLOCK)


class CameraFeed:
    """Our camera's frames to every peer and to the preview, until stopped.

    ``on_end`` is called when the camera stops by itself (unplugged, failed).
    """

    def __init__(
        self,
        source: MediaStreamTrack,
        fanout: VideoFanout,
        preview: Show,
        clock: FrameClock,
        on_end: Callable[[], None],
    ) -> None:
        self.source = source
        self._fanout = fanout
        self._preview = preview
        self._clock = clock
        self._on_end = on_end
        self._task: asyncio.Task[None] = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop sending and close the camera (off the loop: that waits for its
        capture thread)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await asyncio.to_thread(self.source.stop)

    async def _run(self) -> None:
        try:
            while True:
                frame = await self.source.recv()
                assert isinstance(frame, VideoFrame)
                sent, preview = await asyncio.to_thread(_for_peers_and_preview, frame)
                self._clock.stamp(sent)
                self._fanout.send(sent)
                self._preview(preview)
        except MediaStreamError:
            self._on_end()
        finally:
            self._preview(None)


async def watch(track: MediaStreamTrack, show: Show) -> None:
    """Show every frame ``track`` brings; take the picture down while none come,
    and when the track ends or the watch is cancelled."""
    showing = False
    try:
        while True:
            try:
                async with asyncio.timeout(STILL_SECONDS):
                    frame: Any = await track.recv()
            except TimeoutError:
                if showing:
                    show(None)
                    showing = False
                continue
            show(await asyncio.to_thread(picture, frame))
            showing = True
    except MediaStreamError:
        pass
    finally:
        if showing:
            show(None)

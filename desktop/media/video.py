"""Pictures in a call: our camera out to every peer, theirs in to the tiles.

Out: :class:`CameraFeed` reads the camera's track, scales each frame once to at
most :data:`SEND_WIDTH`, encodes it once (:class:`VideoEncoder`, VP8) and hands
the packet to the video fanout, which gives it to every peer's sender, and a small
picture to the preview. Encoding for each peer apart, as aiortc's senders do,
costs a VP8 encode per peer and frame: most of a core for a room of five.
Frames are stamped by a :class:`FrameClock` that lives as long as the engine: a
camera turned off and on again continues one stream, whose timestamps the
encoder needs to keep rising.

In: :func:`watch` reads a peer's received video track (aiortc decodes it) and
shows each frame as a :data:`Picture`; a peer whose camera is off sends nothing,
so after :data:`STILL_SECONDS` without a frame their picture is taken down.

Pictures are RGB arrays (height, width, 3 of uint8) no wider than
:data:`TILE_WIDTH`: the UI turns them into images as they are.

Scaling, encoding and converting run on a worker thread: the media loop also
carries the call's audio, which must not wait milliseconds behind every frame.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame
from av.packet import Packet
from av.stream import Stream
from av.video.frame import PictureType

from .tracks import KeyframeRequest, VideoFanout

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

VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK)

VIDEO_BIT_RATE = 600_000
"""What our camera is sent at, to every peer alike (bits per second)."""

KEYFRAME_EVERY = 300
"""Pictures between keyframes nobody asked for (10–20 s at the 15–30 per second
cameras are asked for)."""


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


class VideoEncoder:
    """VP8 for every peer at once: each frame is encoded once, and every peer's
    aiortc sender only packetizes the packet.

    A keyframe comes when ``keyframe`` asks for one (a new peer, a lost picture),
    at a new picture size, and every :data:`KEYFRAME_EVERY` pictures. One bit rate
    for everybody: a peer on a slow link cannot get less without the others
    getting less too (that would take several encodings, as simulcast does).
    """

    def __init__(self, keyframe: KeyframeRequest, bit_rate: int = VIDEO_BIT_RATE) -> None:
        self._keyframe = keyframe
        self._bit_rate = bit_rate
        self._codec: av.VideoCodecContext | None = None

    def encode(self, frame: VideoFrame) -> list[Packet[Stream]]:
        """The packets of one stamped frame (one, or none while libvpx buffers)."""
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        codec = self._codec
        fresh = codec is None or (codec.width, codec.height) != (frame.width, frame.height)
        if fresh:
            codec = self._codec = self._open(frame.width, frame.height)
        assert codec is not None
        # A camera's decoded frames say they are whole pictures (I), which libvpx
        # would take as a keyframe request every time: only ours count.
        keyframe = self._keyframe.take() or fresh
        frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        packets = codec.encode(frame)
        for packet in packets:
            packet.time_base = VIDEO_TIME_BASE
        return packets

    def _open(self, width: int, height: int) -> av.VideoCodecContext:
        codec = av.CodecContext.create("libvpx", "w")
        assert isinstance(codec, av.VideoCodecContext)
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuv420p"
        codec.time_base = VIDEO_TIME_BASE
        codec.bit_rate = self._bit_rate
        codec.gop_size = KEYFRAME_EVERY
        # Fast enough for a live picture, with no frames held back; blocks that
        # barely changed are skipped; one thread (libvpx's own threads cost more
        # than they save at this size, measured with bench/video_encode.py).
        codec.options = {
            "deadline": "realtime",
            "cpu-used": "8",
            "lag-in-frames": "0",
            "static-thresh": "1",
        }
        codec.thread_count = 1
        return codec


class FrameClock:
    """Stamps frames with rising timestamps on the video clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last = -1

    def stamp(self, frame: VideoFrame) -> None:
        self._last = max(self._last + 1, round(self._clock() * VIDEO_CLOCK))
        frame.pts = self._last
        frame.time_base = VIDEO_TIME_BASE


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
        self._encoder = VideoEncoder(fanout.keyframe)
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

    def _for_peers_and_preview(self, frame: VideoFrame) -> tuple[list[Packet[Stream]], Picture]:
        return self._encoder.encode(scaled(frame, SEND_WIDTH)), picture(frame)

    async def _run(self) -> None:
        try:
            while True:
                frame = await self.source.recv()
                assert isinstance(frame, VideoFrame)
                self._clock.stamp(frame)
                packets, preview = await asyncio.to_thread(self._for_peers_and_preview, frame)
                for packet in packets:
                    self._fanout.send(packet)
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

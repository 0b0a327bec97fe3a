"""Where our audio meets aiortc: encoded packets out, RTP payloads in.

Sending: the call encodes each 20 ms frame once and hands the same ``av.Packet``
to a :class:`PacketTrack` per peer. A track whose ``recv()`` returns packets makes
aiortc's sender skip its own encoder, so a mesh of N encodes once, not once per peer.

Receiving: aiortc puts every RTP packet into its receiver's jitter buffer, which
waits for four frames and stays later after a loss. :func:`tap_receiver` puts an
:class:`RtpTap` in its place that hands each packet to our playout buffer and never
returns a frame, so aiortc's decoder sits idle. The receiver keeps its statistics,
RTCP and everything else. This relies on one private attribute of aiortc's
``RTCRtpReceiver``; :func:`tap_receiver` checks that it is there and
``tests/media/test_tracks.py`` fails when an aiortc release renames it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket

QUEUED_PACKETS = 5
"""Packets a peer's track keeps when its sender falls behind; older ones go."""

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"


class PacketTrack(MediaStreamTrack):
    """The audio one peer is sent: packets encoded once for the whole call."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._packets: deque[av.Packet[Any]] = deque(maxlen=QUEUED_PACKETS)
        self._ready = asyncio.Event()

    def put(self, packet: av.Packet[Any]) -> None:
        self._packets.append(packet)
        self._ready.set()

    async def recv(self) -> av.Packet[Any]:
        while not self._packets:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._packets.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()


class AudioFanout:
    """Hands each encoded packet to every peer's track."""

    def __init__(self) -> None:
        self._tracks: dict[str, PacketTrack] = {}

    def track_for(self, peer: str) -> PacketTrack:
        track = self._tracks.get(peer)
        if track is None or track.readyState != "live":
            track = self._tracks[peer] = PacketTrack()
        return track

    def drop(self, peer: str) -> None:
        track = self._tracks.pop(peer, None)
        if track is not None:
            track.stop()

    def send(self, packet: av.Packet[Any]) -> None:
        for track in self._tracks.values():
            track.put(packet)


PacketHandler = Callable[[RtpPacket], None]


class RtpTap:
    """Stands where aiortc's jitter buffer stood: each packet goes to ``handle``."""

    def __init__(self, handle: PacketHandler) -> None:
        self._handle = handle

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        """aiortc's jitter-buffer interface: (send a picture-loss indication?, frame)."""
        self._handle(packet)
        return False, None


def tap_receiver(receiver: RTCRtpReceiver, handle: PacketHandler) -> None:
    if not hasattr(receiver, _JITTER_BUFFER):
        raise RuntimeError("this aiortc release has no receiver jitter buffer to tap")
    setattr(receiver, _JITTER_BUFFER, RtpTap(handle))

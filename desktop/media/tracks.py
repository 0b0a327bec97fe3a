"""Where our media meets aiortc: what we send into its senders, RTP payloads in.

Sending: the call encodes each 20 ms audio frame once and hands the same
``av.Packet`` to the :class:`AudioFanout`, which sends it to every peer over our
own packet path (:mod:`.rtp`); aiortc's audio sender only ever waits on an idle
track. Camera pictures, encoded once (VP8), go through a :class:`FeedTrack` per
peer: a track whose ``recv()`` returns packets makes aiortc's sender skip its own
encoder. A picture depends on the ones before it, so none may go missing: a peer
that is new, whose track overflowed or who lost a picture gets a keyframe next
(:class:`KeyframeRequest`).

A feed track never ends by itself, whether anything is put into it or not: an
aiortc sender whose track ends stops for the rest of the connection, and a camera
turned off must not do that.

A peer's picture-loss report reaches aiortc's sender, which would tell its own
encoder; :func:`forward_keyframe_requests` tells the shared one instead (another
private name of aiortc's, checked the same way as the one below).

Receiving: our own path takes the audio packets before aiortc sees them. Should
one reach aiortc all the same (it came before that path opened), aiortc would put
it into its receiver's jitter buffer, which waits for four frames and stays later
after a loss. :func:`tap_receiver` puts an :class:`RtpTap` in its place that hands
each packet to our playout buffer and never returns a frame, so aiortc's decoder
sits idle. This relies on one private attribute of aiortc's ``RTCRtpReceiver``;
:func:`tap_receiver` checks that it is there and ``tests/media/test_tracks.py``
fails when an aiortc release renames it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Protocol

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from av.packet import Packet
from av.stream import Stream

from .rtp import PacketHandler, ntp_now

QUEUED_PICTURES = 15
"""Encoded pictures a peer's video track holds (half a second at 30 per second);
one more, and the backlog goes and a keyframe is asked for."""

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_SEND_KEYFRAME = "_send_keyframe"


class FeedTrack(MediaStreamTrack):
    """What one peer is sent: ``recv()`` returns what was put, oldest first, and
    waits while nothing is there; of a backlog only the newest ``keep`` remain."""

    def __init__(self, kind: str, keep: int) -> None:
        super().__init__()
        self.kind = kind
        self._items: deque[Any] = deque(maxlen=keep)
        self._ready = asyncio.Event()

    @property
    def queued(self) -> int:
        return len(self._items)

    def put(self, item: Any) -> None:
        self._items.append(item)
        self._ready.set()

    def clear(self) -> None:
        self._items.clear()

    async def recv(self) -> Any:
        while not self._items:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()


class Fanout:
    """A track per peer, for aiortc's sender to that peer."""

    kind = "audio"
    keep = 1

    def __init__(self) -> None:
        self._tracks: dict[str, FeedTrack] = {}

    def track_for(self, peer: str) -> FeedTrack:
        track = self._tracks.get(peer)
        if track is None or track.readyState != "live":
            track = self._tracks[peer] = FeedTrack(self.kind, self.keep)
        return track

    def drop(self, peer: str) -> None:
        track = self._tracks.pop(peer, None)
        if track is not None:
            track.stop()


class PacketSender(Protocol):
    """Sends one peer an encoded frame: ``timestamp`` counts samples, ``ntp`` is
    the wall clock as an NTP timestamp (:class:`.rtp.AudioSender`)."""

    def send(self, payload: bytes, timestamp: int, ntp: int) -> None: ...


class AudioFanout(Fanout):
    """Our encoded audio (``av.Packet``), to every peer whose sender is attached;
    their tracks, which aiortc's senders wait on, stay empty."""

    def __init__(self) -> None:
        super().__init__()
        self._senders: dict[str, PacketSender] = {}

    def attach(self, peer: str, sender: PacketSender) -> None:
        self._senders[peer] = sender

    def drop(self, peer: str) -> None:
        super().drop(peer)
        self._senders.pop(peer, None)

    def send(self, item: Packet[Stream]) -> None:
        payload, timestamp, ntp = bytes(item), item.pts or 0, ntp_now()
        for sender in self._senders.values():
            sender.send(payload, timestamp, ntp)


class KeyframeRequest:
    """Whether the next picture must be a keyframe: asked for by whoever needs a
    whole picture (on the media loop), taken by the encoder (on its worker).

    Each side moves only its own counter, so a request made while the encoder
    takes the previous one is not lost."""

    def __init__(self) -> None:
        self._asked = 1  # the very first picture is a keyframe
        self._taken = 0

    def ask(self) -> None:
        self._asked += 1

    def take(self) -> bool:
        asked = self._asked
        wanted, self._taken = asked != self._taken, asked
        return wanted


class VideoFanout(Fanout):
    """Our camera's encoded pictures (``av.Packet``), to every peer.

    A peer's new track asks for a keyframe, as does one whose backlog overflowed:
    that backlog goes and the peer waits for the keyframe instead of decoding a
    picture whose predecessors it never got."""

    kind = "video"
    keep = QUEUED_PICTURES

    def __init__(self) -> None:
        super().__init__()
        self.keyframe = KeyframeRequest()

    def track_for(self, peer: str) -> FeedTrack:
        known = self._tracks.get(peer)
        track = super().track_for(peer)
        if track is not known:
            self.keyframe.ask()
        return track

    def send(self, item: Any) -> None:
        for track in self._tracks.values():
            if track.queued < self.keep:
                track.put(item)
            else:
                track.clear()
                self.keyframe.ask()


class RtpTap:
    """Stands where aiortc's jitter buffer stood: each packet goes to ``handle``."""

    def __init__(self, handle: PacketHandler) -> None:
        self._handle = handle

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        """aiortc's jitter-buffer interface: (send a picture-loss indication?, frame)."""
        self._handle(packet.sequence_number, packet.timestamp, packet.payload)
        return False, None


def tap_receiver(receiver: RTCRtpReceiver, handle: PacketHandler) -> None:
    if not hasattr(receiver, _JITTER_BUFFER):
        raise RuntimeError("this aiortc release has no receiver jitter buffer to tap")
    setattr(receiver, _JITTER_BUFFER, RtpTap(handle))


def forward_keyframe_requests(sender: RTCRtpSender, request: KeyframeRequest) -> None:
    """A peer that lost a picture asks for a keyframe (RTCP PLI or FIR); aiortc's
    sender tells its own encoder, which ours bypasses, so the shared encoder's
    ``request`` is told instead."""
    if not callable(getattr(sender, _SEND_KEYFRAME, None)):
        raise RuntimeError("this aiortc release has no sender keyframe request to forward")
    setattr(sender, _SEND_KEYFRAME, request.ask)

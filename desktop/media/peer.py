"""One connection of the mesh: us and one other person in the call.

Of two peers, the one with the smaller user id makes the offer (see
``docs/protocol.md``). aiortc does not trickle candidates, so an offer or answer
is sent once its candidates are gathered. Audio only goes one way when one side
is Just Listening: they offer or answer ``recvonly`` and open no microphone.

Every connection also carries video both ways from the start, whether cameras are
on or not: a camera turned on later needs no new offer. (A browser that offers
audio only gets none.)

Once negotiated, the audio packets go our own way (:mod:`.rtp`); aiortc keeps
the rest of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from enum import StrEnum

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)

from desktop.core import UserId

from .rtp import AudioSender, PacketHandler, audio_section, listen_for_audio
from .tracks import AudioFanout, VideoFanout, forward_keyframe_requests, tap_receiver
from .video import Show, watch


class PeerState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    CLOSED = "closed"


_STATES = {
    "new": PeerState.CONNECTING,
    "connecting": PeerState.CONNECTING,
    "connected": PeerState.CONNECTED,
    "failed": PeerState.FAILED,
    "closed": PeerState.CLOSED,
}


OPUS_FMTP = "minptime=10;useinbandfec=1"
"""What browsers declare for Opus; without ``useinbandfec=1`` they send no FEC."""

_OPUS = re.compile(r"^a=rtpmap:(\d+) opus/48000/2\r?$", re.IGNORECASE | re.MULTILINE)


def with_opus_fec(sdp: str) -> str:
    """``sdp`` declaring that we decode Opus in-band FEC (aiortc's own SDP has no
    Opus fmtp line, and its codec preferences cannot add parameters)."""
    for payload_type in _OPUS.findall(sdp):
        if f"a=fmtp:{payload_type} " in sdp:
            continue
        line = f"a=rtpmap:{payload_type} opus/48000/2\r\n"
        sdp = sdp.replace(line, f"{line}a=fmtp:{payload_type} {OPUS_FMTP}\r\n", 1)
    return sdp


def makes_offer(me: UserId, other: UserId) -> bool:
    """The rule both sides apply: the smaller id (code point order) offers."""
    return me < other


class Peer:
    """Our connection to ``remote``: their audio to ``on_packet``, ours from
    ``fanout``; their pictures to ``show``, ours from ``video``."""

    def __init__(
        self,
        remote: UserId,
        *,
        fanout: AudioFanout | None,
        on_packet: PacketHandler,
        on_state: Callable[[PeerState], None],
        video: VideoFanout | None = None,
        show: Show | None = None,
        ice_servers: tuple[RTCIceServer, ...] = (),
    ) -> None:
        self.remote = remote
        self.state = PeerState.CONNECTING
        self._fanout = fanout
        self._on_packet = on_packet
        self._on_state = on_state
        self._camera = video.track_for(remote) if video is not None else None
        self._video = video
        self._show = show
        self._watching: asyncio.Task[None] | None = None
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=list(ice_servers)))
        self._pc.on("connectionstatechange", self._on_connection_state_change)
        self._pc.on("track", self._on_track)

    async def offer(self) -> str:
        direction = "sendrecv" if self._fanout is not None else "recvonly"
        track = self._fanout.track_for(self.remote) if self._fanout is not None else "audio"
        self._tap(self._pc.addTransceiver(track, direction=direction))
        camera = self._camera if self._camera is not None else "video"
        self._forward_keyframe_requests(
            self._pc.addTransceiver(camera, direction="sendrecv").sender
        )
        await self._pc.setLocalDescription(await self._pc.createOffer())
        return with_opus_fec(self._pc.localDescription.sdp)

    async def answer(self, offer: str) -> str:
        await self._pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        offered = {transceiver.kind for transceiver in self._pc.getTransceivers()}
        for transceiver in self._pc.getTransceivers():
            if transceiver.kind == "audio":
                self._tap(transceiver)
        if self._fanout is not None:
            self._pc.addTrack(self._fanout.track_for(self.remote))
        if self._camera is not None and "video" in offered:
            self._forward_keyframe_requests(self._pc.addTrack(self._camera))
        await self._pc.setLocalDescription(await self._pc.createAnswer())
        self._open_audio_path()
        return with_opus_fec(self._pc.localDescription.sdp)

    async def accept(self, answer: str) -> None:
        await self._pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        self._open_audio_path()

    async def close(self) -> None:
        for fanout in (self._fanout, self._video):
            if fanout is not None:
                fanout.drop(self.remote)
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        await self._pc.close()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self._show is not None and self._watching is None:
            self._watching = asyncio.ensure_future(watch(track, self._show))

    def _forward_keyframe_requests(self, sender: RTCRtpSender) -> None:
        if self._video is not None:
            forward_keyframe_requests(sender, self._video.keyframe)

    def _tap(self, transceiver: RTCRtpTransceiver) -> None:
        tap_receiver(transceiver.receiver, self._on_packet)

    def _open_audio_path(self) -> None:
        """Audio both ways, as negotiated, on our own packet path."""
        for transceiver in self._pc.getTransceivers():
            if transceiver.kind != "audio" or transceiver.mid is None:
                continue
            direction = transceiver.currentDirection or ""
            local = audio_section(self._pc.localDescription.sdp, transceiver.mid)
            if "recv" in direction:
                listen_for_audio(transceiver.receiver, local, self._on_packet)
            if "send" in direction and self._fanout is not None:
                remote = audio_section(self._pc.remoteDescription.sdp, transceiver.mid)
                self._fanout.attach(self.remote, AudioSender(transceiver.sender, local, remote))

    def _on_connection_state_change(self) -> None:
        state = _STATES.get(self._pc.connectionState, PeerState.CONNECTING)
        if state is not self.state:
            self.state = state
            self._on_state(state)

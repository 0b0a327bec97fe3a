"""Our own audio packet path: headers both ways, and two real aiortc connections
whose audio goes our way while aiortc keeps its counts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCRtpSender
from aiortc.clock import current_ntp_time
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket
from hypothesis import given
from hypothesis import strategies as st

from desktop.core import UserId
from desktop.media.ice import loopback_only
from desktop.media.opus import OpusEncoder
from desktop.media.pcm import FRAME_SAMPLES
from desktop.media.peer import Peer, PeerState
from desktop.media.rtp import (
    MID_URI,
    AudioSender,
    audio_section,
    listen_for_audio,
    mid_extension,
    ntp_now,
    parse_rtp,
    rtp_header,
)
from desktop.media.tracks import AudioFanout

MID_ID = 3


def with_mid() -> HeaderExtensionsMap:
    """aiortc's header extensions, the MID negotiated as ``MID_ID``."""
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(headerExtensions=[RTCRtpHeaderExtensionParameters(MID_ID, MID_URI)])
    )
    return extensions


def test_aiortc_reads_the_packets_we_build_mid_and_all() -> None:
    header = rtp_header(
        111, 65535, 4_000_000_000, 0xDEADBEEF, marker=True, extension=mid_extension(MID_ID, "0")
    )

    packet = RtpPacket.parse(header + b"opus", with_mid())

    assert (packet.payload_type, packet.sequence_number) == (111, 65535)
    assert (packet.timestamp, packet.ssrc, packet.marker) == (4_000_000_000, 0xDEADBEEF, 1)
    assert packet.extensions.mid == "0"
    assert packet.payload == b"opus"


def test_we_read_what_aiortc_builds_with_contributors_extensions_and_padding() -> None:
    packet = RtpPacket(payload_type=111, sequence_number=9, timestamp=960, ssrc=42)
    packet.csrc = [1, 2]
    packet.extensions.mid = "audio"
    packet.padding_size = 3
    packet.payload = b"\x01\x02\x03"

    assert parse_rtp(packet.serialize(with_mid())) == (9, 960, 42, b"\x01\x02\x03")


@pytest.mark.parametrize(
    ("why", "data"),
    [
        ("shorter than a header", b"\x80\x6f\x00\x01"),
        ("RTP version 1", bytes([0x40, 111]) + bytes(10) + b"opus"),
        ("contributors beyond its end", bytes([0x8F, 111]) + bytes(10) + b"opus"),
        ("an extension beyond its end", bytes([0x90, 111]) + bytes(10) + b"\xbe\xde\x00\x09"),
        ("more padding than payload", bytes([0xA0, 111]) + bytes(10) + b"op\x09"),
    ],
)
def test_a_malformed_packet_is_refused(why: str, data: bytes) -> None:
    assert parse_rtp(data) is None, why


@given(st.binary(max_size=64))
def test_reading_never_fails_on_any_bytes(data: bytes) -> None:
    parsed = parse_rtp(data)
    if parsed is not None:
        assert len(parsed[3]) <= len(data) - 12


def test_a_mid_that_fits_no_one_byte_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="no one-byte header extension"):
        mid_extension(15, "0")  # 15 is reserved
    with pytest.raises(ValueError, match="no one-byte header extension"):
        mid_extension(1, "")


def test_our_ntp_clock_agrees_with_aiortcs() -> None:
    ten_ms = (1 << 32) // 100
    assert abs(ntp_now() - current_ntp_time()) < ten_ms


class NotAiortc:
    """Stands for an aiortc object whose private parts moved."""

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)


AUDIO = audio_section(
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=ssrc:42 cname:x\r\n",
    "0",
)


def test_a_release_whose_private_parts_moved_is_refused_by_name() -> None:
    moved = NotAiortc(transport=NotAiortc(transport=NotAiortc(), state="connected"))
    with pytest.raises(RuntimeError, match=r"no NotAiortc\._connection for our audio path"):
        AudioSender(moved, AUDIO, AUDIO)  # type: ignore[arg-type]  # on purpose
    with pytest.raises(RuntimeError, match=r"no NotAiortc\._connection for our audio path"):
        listen_for_audio(moved, AUDIO, lambda *packet: None)  # type: ignore[arg-type]  # on purpose


# Two real connections on 127.0.0.1


class Side:
    """One end of a connection: a peer, our audio to it, what we heard of it."""

    def __init__(self, other: str) -> None:
        self.fanout = AudioFanout()
        self.heard: list[tuple[int, int, bytes]] = []
        self.connected = asyncio.Event()
        self.peer = Peer(
            UserId(other),
            fanout=self.fanout,
            on_packet=lambda *packet: self.heard.append(packet),
            on_state=self._on_state,
        )

    def _on_state(self, state: PeerState) -> None:
        if state is PeerState.CONNECTED:
            self.connected.set()

    def transceiver(self) -> Any:
        return next(t for t in self.peer._pc.getTransceivers() if t.kind == "audio")

    async def stats(self, kind: str) -> Any:
        report = await self.peer._pc.getStats()
        return next(stat for stat in report.values() if stat.type == kind)


@pytest.fixture
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


async def connected() -> tuple[Side, Side]:
    ann, ben = Side("ben"), Side("ann")
    await ann.peer.accept(await ben.peer.answer(await ann.peer.offer()))
    async with asyncio.timeout(10):
        await ann.connected.wait()
        await ben.connected.wait()
    return ann, ben


async def until(condition: Any) -> None:
    """Polls ``condition`` on the loop: packets arrive from the socket, not from us."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.01)


def spoken(frames: int) -> list[Any]:
    encoder = OpusEncoder()
    tone = (0.2 * np.sin(np.arange(FRAME_SAMPLES) / 10)).astype(np.float32)
    return [encoder.encode(tone) for _ in range(frames)]


@pytest.mark.asyncio
@pytest.mark.usefixtures("loopback")
async def test_audio_goes_our_way_both_ways_in_order_and_aiortc_counts_it() -> None:
    ann, ben = await connected()  # ann offered, ben answered
    packets = spoken(20)
    try:
        for packet in packets:
            ann.fanout.send(packet)
            ben.fanout.send(packet)
        await until(lambda: len(ann.heard) == len(ben.heard) == len(packets))

        for side in (ann, ben):
            sequences = [sequence for sequence, _, _ in side.heard]
            timestamps = [timestamp for _, timestamp, _ in side.heard]
            assert [(s - sequences[0]) % 65536 for s in sequences] == list(range(20))
            assert [(t - timestamps[0]) % 2**32 for t in timestamps] == [
                960 * index for index in range(20)
            ]
            assert [payload for _, _, payload in side.heard] == [bytes(p) for p in packets]

            # aiortc's reports count them, though its own path carried none of them.
            sent = await side.stats("outbound-rtp")
            received = await side.stats("inbound-rtp")
            assert (sent.packetsSent, received.packetsReceived) == (20, 20)
            transport = await side.stats("transport")
            assert transport.packetsSent < 20
            assert transport.packetsReceived < 20
    finally:
        await ann.peer.close()
        await ben.peer.close()


@pytest.mark.asyncio
@pytest.mark.usefixtures("loopback")
async def test_a_peer_whose_audio_has_no_opus_is_refused() -> None:
    browser = RTCPeerConnection()
    transceiver = browser.addTransceiver("audio")
    pcmu = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.name == "PCMU"]
    transceiver.setCodecPreferences(pcmu)
    await browser.setLocalDescription(await browser.createOffer())
    ours = Side("browser")
    try:
        with pytest.raises(ValueError, match="no Opus"):
            await ours.peer.answer(browser.localDescription.sdp)
    finally:
        await ours.peer.close()
        await browser.close()


@pytest.mark.asyncio
@pytest.mark.usefixtures("loopback")
async def test_a_damaged_packet_is_dropped_and_the_next_one_heard() -> None:
    ann, ben = await connected()
    try:
        connection = ben.transceiver().receiver.transport.transport._connection
        codecs = audio_section(ben.peer._pc.localDescription.sdp, "0").rtp.codecs
        opus = next(codec.payloadType for codec in codecs if codec.name == "opus")
        assert opus is not None
        connection.data_received(
            rtp_header(opus, 1, 2, 3, marker=False, extension=b"") + bytes(40), 1
        )
        [packet] = spoken(1)
        ann.fanout.send(packet)
        await until(lambda: ben.heard)

        assert [payload for _, _, payload in ben.heard] == [bytes(packet)]
    finally:
        await ann.peer.close()
        await ben.peer.close()

"""Our own path for audio packets, beside aiortc's.

aiortc negotiates every connection (SDP, ICE, DTLS) and keeps its RTCP going;
the audio packets themselves, fifty a second to and from every peer, skip its
per-packet machinery:

- Sending: :class:`AudioSender` builds the RTP header (payload type and MID
  header extension as negotiated, sequence numbers from a random start), protects
  the packet with the connection's SRTP session and hands it to the socket of the
  pair ICE chose: one plain call per peer and frame. aiortc would wake a task per
  peer for every frame, build a packet object, serialize it and await three layers
  down to the same socket.
- Receiving: :func:`listen_for_audio` sits where aioice hands each datagram to the
  connection. Packets of the negotiated Opus payload type are unprotected and
  parsed here and go straight to our playout buffer; everything else (STUN, DTLS,
  RTCP, video) goes on to aiortc as before. aiortc would queue each packet, wake a
  task for it, parse it into objects and route it.

Together that is about 11 % fewer instructions per client of a six-client mesh,
counted with ``perf stat``; ``bench/audio_latency.py`` measures the CPU.

aiortc's RTCP stays truthful: its sender reports count what we send, and its
receiver reports count what we receive (loss and jitter: browsers tune their Opus
FEC to the loss we report). The same counters feed ``getStats()``.

This takes private parts of aiortc and aioice, all named in this module (in
:class:`_Wire`, and aiortc's counters); each is checked when a path opens (a ``RuntimeError``
names what is missing) and ``tests/media/test_rtp.py`` fails when a release
renames one.
"""

from __future__ import annotations

import random
import struct
import time
from collections.abc import Callable
from typing import Any

import pylibsrtp
from aiortc import RTCDtlsTransport, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcrtpreceiver import StreamStatistics
from aiortc.rtp import is_rtcp
from aiortc.sdp import MediaDescription, SessionDescription

OPUS_CLOCK_RATE = 48_000
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"

_HEADER = struct.Struct("!BBHII")
_VERSION_2 = 0x80
_MARKER = 0x80
_NTP_UNIX_OFFSET = 2_208_988_800
"""Seconds from the NTP epoch (1900) to the Unix one (1970)."""

PacketHandler = Callable[[int, int, bytes], None]
"""Takes an RTP packet's sequence number, timestamp and payload."""


def ntp_now() -> int:
    """The wall clock as a 64-bit NTP timestamp, as RTCP sender reports carry it."""
    now = time.time()
    seconds = int(now)
    return (seconds + _NTP_UNIX_OFFSET) << 32 | int((now - seconds) * (1 << 32))


def rtp_header(
    payload_type: int, sequence: int, timestamp: int, ssrc: int, *, marker: bool, extension: bytes
) -> bytes:
    """The fixed header, then ``extension`` (a whole header-extension block, or
    nothing)."""
    first = _VERSION_2 | (0x10 if extension else 0)
    second = payload_type | (_MARKER if marker else 0)
    return _HEADER.pack(first, second, sequence, timestamp, ssrc) + extension


def mid_extension(extension_id: int, mid: str) -> bytes:
    """A one-byte-header extension block carrying the MID (RFC 8285, RFC 8843)."""
    value = mid.encode()
    if not 1 <= extension_id <= 14 or not 1 <= len(value) <= 16:
        raise ValueError(f"no one-byte header extension for id {extension_id}, MID {mid!r}")
    element = bytes([extension_id << 4 | len(value) - 1]) + value
    element += bytes(-len(element) % 4)
    return b"\xbe\xde" + (len(element) // 4).to_bytes(2, "big") + element


def parse_rtp(data: bytes) -> tuple[int, int, int, bytes] | None:
    """An RTP packet's (sequence number, timestamp, SSRC, payload), or None if it
    is not a well-formed one."""
    size = len(data)
    if size < _HEADER.size or data[0] >> 6 != 2:
        return None
    first = data[0]
    start = _HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:
        if size < start + 4:
            return None
        start += 4 + 4 * int.from_bytes(data[start + 2 : start + 4], "big")
    end = size - data[-1] if first & 0x20 else size
    if end < start:
        return None
    _, _, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    return sequence, timestamp, ssrc, data[start:end]


def _private(owner: object, name: str) -> Any:
    if not hasattr(owner, name):
        raise RuntimeError(
            f"this aiortc release has no {type(owner).__name__}.{name} for our audio path"
        )
    return getattr(owner, name)


class _Wire:
    """One connection's SRTP sessions and socket, as aiortc and aioice keep them."""

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._ice = _private(dtls.transport, "_connection")  # aioice's Connection
        _private(dtls, "_tx_srtp")
        _private(dtls, "_rx_srtp")
        _private(self._ice, "_nominated")
        _private(self._ice, "data_received")

    def send(self, packet: bytes) -> bool:
        """Protects and sends ``packet``; False if the connection cannot (yet)."""
        pair = self._ice._nominated.get(1)
        if self._dtls.state != "connected" or pair is None:
            return False
        try:
            protected = self._dtls._tx_srtp.protect(packet)
        except pylibsrtp.Error:
            return False
        pair.protocol.transport.sendto(protected, pair.remote_addr)
        return True

    def intercept(self, wanted: Callable[[bytes], bool], take: Callable[[bytes], None]) -> None:
        """Datagrams ``wanted`` are unprotected and go to ``take`` (those that fail
        SRTP's checks go nowhere, as in aiortc); all others go on to aiortc."""
        passed_on = self._ice.data_received
        dtls = self._dtls

        def received(data: bytes, component: int) -> None:
            srtp = dtls._rx_srtp
            if srtp is None or not wanted(data):
                passed_on(data, component)
                return
            try:
                plain = srtp.unprotect(data)
            except pylibsrtp.Error:
                return
            take(plain)

        self._ice.data_received = received


def _opus_payload_type(media: MediaDescription) -> int:
    for codec in media.rtp.codecs:
        if codec.mimeType.lower() == "audio/opus" and codec.payloadType is not None:
            return codec.payloadType
    raise ValueError("the audio section has no Opus")


def audio_section(sdp: str, mid: str) -> MediaDescription:
    """The media section of ``sdp`` whose MID is ``mid``."""
    for media in SessionDescription.parse(sdp).media:
        if media.rtp.muxId == mid:
            return media
    raise ValueError(f"no media section with MID {mid!r}")


_SENT_PACKETS = "_RTCRtpSender__packet_count"
_SENT_OCTETS = "_RTCRtpSender__octet_count"
_SENT_RTP_TIME = "_RTCRtpSender__rtp_timestamp"
_SENT_NTP_TIME = "_RTCRtpSender__ntp_timestamp"
_RECEIVED_STREAMS = "_RTCRtpReceiver__remote_streams"


class AudioSender:
    """Our audio to one peer over our own packet path.

    ``local`` is our description's audio section (our SSRC), ``remote`` theirs
    (the payload type and MID extension they receive)."""

    def __init__(
        self, sender: RTCRtpSender, local: MediaDescription, remote: MediaDescription
    ) -> None:
        if sender.transport is None or not local.ssrc or remote.rtp.muxId is None:
            raise ValueError("the audio sender is not negotiated")
        self._wire = _Wire(sender.transport)
        for name in (_SENT_PACKETS, _SENT_OCTETS, _SENT_RTP_TIME, _SENT_NTP_TIME):
            _private(sender, name)
        self._sender = sender
        self._ssrc = local.ssrc[0].ssrc
        self._payload_type = _opus_payload_type(remote)
        self._extension = b""
        for extension in remote.rtp.headerExtensions:
            if extension.uri == MID_URI:
                self._extension = mid_extension(extension.id, remote.rtp.muxId)
        self._sequence = random.getrandbits(16)
        self._timestamp_origin = random.getrandbits(32)
        self._packets = 0
        self._octets = 0

    def send(self, payload: bytes, timestamp: int, ntp: int) -> None:
        """Sends one frame: ``timestamp`` counts samples from the first frame;
        ``ntp`` is when it was captured (:func:`ntp_now`)."""
        rtp_timestamp = (self._timestamp_origin + timestamp) & 0xFFFFFFFF
        header = rtp_header(
            self._payload_type,
            self._sequence,
            rtp_timestamp,
            self._ssrc,
            marker=self._packets == 0,  # a talkspurt begins (RFC 3551)
            extension=self._extension,
        )
        if not self._wire.send(header + payload):
            return
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._packets += 1
        self._octets += len(payload)
        sender = self._sender
        setattr(sender, _SENT_PACKETS, self._packets)
        setattr(sender, _SENT_OCTETS, self._octets)
        setattr(sender, _SENT_RTP_TIME, rtp_timestamp)
        setattr(sender, _SENT_NTP_TIME, ntp)


class _Counted:
    """What aiortc's receiver statistics read of a packet."""

    __slots__ = ("sequence_number", "timestamp")

    def __init__(self) -> None:
        self.sequence_number = 0
        self.timestamp = 0


def listen_for_audio(
    receiver: RTCRtpReceiver, local: MediaDescription, handle: PacketHandler
) -> None:
    """Their Opus packets from now on go straight to ``handle``, and are counted
    for aiortc's receiver reports. ``local`` is our description's audio section
    (the payload type we receive Opus as)."""
    if receiver.transport is None:
        raise ValueError("the audio receiver is not negotiated")
    wire = _Wire(receiver.transport)
    streams: dict[int, StreamStatistics] = _private(receiver, _RECEIVED_STREAMS)
    payload_type = _opus_payload_type(local)
    counted = _Counted()

    def wanted(data: bytes) -> bool:
        return (
            len(data) > 1
            and 127 < data[0] < 192  # RTP or RTCP, not STUN or DTLS
            and data[1] & 0x7F == payload_type
            and not is_rtcp(data)
        )

    def take(plain: bytes) -> None:
        parsed = parse_rtp(plain)
        if parsed is None:
            return
        sequence, timestamp, ssrc, payload = parsed
        counted.sequence_number, counted.timestamp = sequence, timestamp
        stream = streams.get(ssrc)
        if stream is None:
            stream = streams[ssrc] = StreamStatistics(OPUS_CLOCK_RATE)
        stream.add(counted)  # type: ignore[arg-type]  # reads these two only
        handle(sequence, timestamp, payload)

    wire.intercept(wanted, take)

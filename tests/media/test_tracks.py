"""Where our media meets aiortc: feed tracks, fanouts, and the receiver tap."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket

from desktop.media.opus import OpusEncoder
from desktop.media.pcm import FRAME_SAMPLES
from desktop.media.tracks import (
    QUEUED_PICTURES,
    AudioFanout,
    FeedTrack,
    KeyframeRequest,
    RtpTap,
    VideoFanout,
    forward_keyframe_requests,
    tap_receiver,
)

pytestmark = pytest.mark.asyncio


async def test_a_feed_track_gives_what_was_put_oldest_first_keeping_the_newest() -> None:
    track = FeedTrack("audio", keep=3)
    for item in range(5):
        track.put(item)

    assert [await track.recv() for _ in range(3)] == [2, 3, 4]


async def test_a_feed_track_waits_for_the_next_item_and_never_ends_by_itself() -> None:
    track = FeedTrack("video", keep=1)
    waiting = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)  # let it wait: nothing is there yet
    assert not waiting.done()

    track.put("frame")

    assert await waiting == "frame"
    assert track.readyState == "live"


async def test_a_stopped_feed_track_ends_whoever_waits_on_it() -> None:
    track = FeedTrack("audio", keep=1)
    waiting = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)

    track.stop()

    with pytest.raises(MediaStreamError):
        await waiting


async def test_a_fanout_gives_each_peer_a_track_until_they_are_dropped() -> None:
    fanout = AudioFanout()
    ann, ben = fanout.track_for("ann"), fanout.track_for("ben")
    assert fanout.track_for("ann") is ann
    assert (ann.kind, ben.kind) == ("audio", "audio")

    fanout.drop("ben")

    assert (ann.readyState, ben.readyState) == ("live", "ended")
    assert fanout.track_for("ben") is not ben  # back in the call: a fresh track


class Recorder:
    """A peer's packet path, as the fanout sees it."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, int]] = []

    def send(self, payload: bytes, timestamp: int, ntp: int) -> None:
        self.sent.append((payload, timestamp))


async def test_audio_goes_to_every_attached_peer_until_they_are_dropped() -> None:
    fanout = AudioFanout()
    ann, ben = Recorder(), Recorder()
    fanout.attach("ann", ann)
    fanout.attach("ben", ben)
    encoder = OpusEncoder()
    one, two = (encoder.encode(np.zeros(FRAME_SAMPLES, np.float32)) for _ in range(2))

    fanout.send(one)
    fanout.drop("ben")
    fanout.send(two)

    assert ann.sent == [(bytes(one), 0), (bytes(two), FRAME_SAMPLES)]
    assert ben.sent == [(bytes(one), 0)]
    assert fanout.track_for("ann").queued == 0  # aiortc's sender only ever waits


async def test_a_new_peer_asks_for_a_keyframe() -> None:
    video = VideoFanout()
    video.keyframe.take()

    ann = video.track_for("ann")
    assert video.keyframe.take()
    assert video.track_for("ann") is ann
    assert not video.keyframe.take()  # the same peer again: nothing new to ask


async def test_a_video_backlog_is_dropped_whole_for_a_keyframe() -> None:
    """A picture depends on the ones before it: rather than skip one, the peer
    waits for a keyframe."""
    video = VideoFanout()
    ann = video.track_for("ann")
    video.keyframe.take()
    for item in range(QUEUED_PICTURES):
        video.send(item)
    assert not video.keyframe.take()

    video.send("one too many")

    assert ann.kind == "video"
    assert ann.queued == 0
    assert video.keyframe.take()
    video.send("keyframe")
    assert await ann.recv() == "keyframe"


async def test_a_keyframe_request_is_taken_once() -> None:
    request = KeyframeRequest()
    assert request.take()  # the very first picture is a keyframe
    assert not request.take()
    request.ask()
    request.ask()
    assert request.take()
    assert not request.take()


async def test_a_peers_picture_loss_report_reaches_the_shared_encoder() -> None:
    """Fails when an aiortc release renames what its sender calls on a PLI or FIR."""
    connection = RTCPeerConnection()
    sender = connection.addTransceiver("video").sender
    request = KeyframeRequest()
    request.take()

    forward_keyframe_requests(sender, request)
    sender._send_keyframe()  # what aiortc's sender does with a PLI or FIR

    assert request.take()
    await connection.close()


class NotAiortc:
    """Stands for an aiortc object whose private parts moved."""


async def test_a_sender_without_keyframe_requests_is_refused() -> None:
    with pytest.raises(RuntimeError, match="no sender keyframe request"):
        forward_keyframe_requests(NotAiortc(), KeyframeRequest())  # type: ignore[arg-type]  # on purpose


async def test_the_tap_takes_the_place_of_aiortcs_jitter_buffer() -> None:
    """Fails when an aiortc release renames the attribute the tap replaces."""
    connection = RTCPeerConnection()
    receiver = connection.addTransceiver("audio").receiver
    heard: list[int] = []

    tap_receiver(receiver, lambda sequence, timestamp, payload: heard.append(sequence))

    tap = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]  # the private one we replace
    assert isinstance(tap, RtpTap)
    assert tap.add(RtpPacket(sequence_number=7)) == (False, None)
    assert heard == [7]
    await connection.close()


async def test_a_receiver_without_a_jitter_buffer_is_refused() -> None:
    with pytest.raises(RuntimeError, match="no receiver jitter buffer"):
        tap_receiver(NotAiortc(), lambda *packet: None)  # type: ignore[arg-type]  # on purpose

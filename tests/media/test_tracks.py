"""Where our media meets aiortc: feed tracks, fanouts, and the receiver tap."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket

from desktop.media.tracks import (
    QUEUED_PACKETS,
    AudioFanout,
    FeedTrack,
    RtpTap,
    VideoFanout,
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


async def test_a_fanout_hands_each_item_to_every_peer_until_they_are_dropped() -> None:
    fanout = AudioFanout()
    ann, ben = fanout.track_for("ann"), fanout.track_for("ben")
    assert fanout.track_for("ann") is ann
    assert (ann.kind, ben.kind) == ("audio", "audio")

    fanout.send("one")
    fanout.drop("ben")
    fanout.send("two")

    assert [await ann.recv(), await ann.recv()] == ["one", "two"]
    assert ben.readyState == "ended"
    assert fanout.track_for("ben") is not ben  # back in the call: a fresh track


async def test_audio_keeps_a_few_packets_and_video_only_the_newest_frame() -> None:
    audio, video = AudioFanout().track_for("ann"), VideoFanout().track_for("ann")
    for item in range(QUEUED_PACKETS + 2):
        audio.put(item)
        video.put(item)

    assert video.kind == "video"
    assert await video.recv() == QUEUED_PACKETS + 1
    assert await audio.recv() == 2


async def test_the_tap_takes_the_place_of_aiortcs_jitter_buffer() -> None:
    """Fails when an aiortc release renames the attribute the tap replaces."""
    connection = RTCPeerConnection()
    receiver = connection.addTransceiver("audio").receiver
    heard: list[int] = []

    tap_receiver(receiver, lambda packet: heard.append(packet.sequence_number))

    tap = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]  # the private one we replace
    assert isinstance(tap, RtpTap)
    assert tap.add(RtpPacket(sequence_number=7)) == (False, None)
    assert heard == [7]
    await connection.close()


async def test_a_receiver_without_a_jitter_buffer_is_refused() -> None:
    class Elsewhere:
        pass

    with pytest.raises(RuntimeError, match="no receiver jitter buffer"):
        tap_receiver(Elsewhere(), lambda packet: None)  # type: ignore[arg-type]  # on purpose

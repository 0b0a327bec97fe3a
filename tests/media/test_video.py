"""Cameras in a call: two engines over real aiortc connections on 127.0.0.1,
each camera a real media player reading a colour from libavfilter. Each side
sees the other's colour and its own preview; a camera turned off, failing or
ending by itself is told, and the call's sound goes on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from fractions import Fraction

import pytest
from aiortc import MediaStreamTrack
from audiokit import Recorder, Tone, virtual_devices
from av import VideoFrame
from rtckit import Connections, Switchboard
from videokit import colour_camera, looks

from desktop.core import UserId
from desktop.media.camera import Camera, Platform, list_cameras, open_camera
from desktop.media.engine import MediaEngine
from desktop.media.errors import MediaError, MediaErrorCode
from desktop.media.events import CameraChanged, PictureChanged
from desktop.media.ice import loopback_only
from desktop.media.peer import PeerState
from desktop.media.tracks import KeyframeRequest, VideoFanout
from desktop.media.video import (
    SEND_WIDTH,
    TILE_WIDTH,
    CameraFeed,
    FrameClock,
    Picture,
    VideoEncoder,
    scaled,
)

ANN, BEN, CAT = UserId("ann"), UserId("ben"), UserId("cat")


def broken_camera() -> MediaStreamTrack:
    raise MediaError(MediaErrorCode.CAMERA_MISSING, "No camera is connected.")


class Person:
    def __init__(
        self, user: UserId, board: Switchboard, camera: Callable[[], MediaStreamTrack]
    ) -> None:
        self.user = user
        self.connections = Connections()
        devices = virtual_devices(Tone(440.0, 0.1), Recorder())
        self.engine = MediaEngine(
            audio=devices, tell=self.connections.tell, echo_cancellation=False, camera=camera
        )
        board.engines[user] = self.engine

    def latest(self, user: UserId | None) -> Picture | None:
        """The last picture told of ``user`` (None: our preview)."""
        pictures = [e for e in self.connections.events if isinstance(e, PictureChanged)]
        mine = [event.picture for event in pictures if event.user == user]
        return mine[-1] if mine else None

    def sees(self, user: UserId | None, colour: str) -> Callable[[], bool]:
        return lambda: (picture := self.latest(user)) is not None and looks(picture, colour)

    def sees_nothing_of(self, user: UserId | None) -> Callable[[], bool]:
        def gone() -> bool:
            told = [e for e in self.connections.events if isinstance(e, PictureChanged)]
            return bool(told) and any(e.user == user for e in told) and self.latest(user) is None

        return gone

    def camera_changes(self) -> list[CameraChanged]:
        return [e for e in self.connections.events if isinstance(e, CameraChanged)]


@pytest.fixture
def board() -> Iterator[Switchboard]:
    with loopback_only():
        yield Switchboard()


@pytest.fixture
def pair(board: Switchboard) -> Iterator[tuple[Person, Person]]:
    ann = Person(ANN, board, colour_camera("red"))
    ben = Person(BEN, board, colour_camera("blue"))
    yield ann, ben
    for person in (ann, ben):
        person.engine.stop()


def connect(
    board: Switchboard, people: tuple[Person, ...], already: tuple[Person, ...] = ()
) -> None:
    """``people`` join the call ``already`` has; then everyone is connected to everyone."""
    everyone = already + people
    users = [person.user for person in everyone]
    for person in people:
        person.engine.start()
        line = board.line(person.user)
        person.engine.join(person.user, [], sends_audio=True, signaling=line).result(timeout=10)
    for person in everyone:
        person.engine.set_members(users).result(timeout=10)
    for person in everyone:
        others = [user for user in users if user != person.user]
        person.connections.wait_for(person.connections.connected(*others))


def test_each_side_sees_the_others_camera_and_its_own_preview(
    board: Switchboard, pair: tuple[Person, Person]
) -> None:
    ann, ben = pair
    connect(board, pair)
    for person in pair:
        person.engine.set_camera(True).result(timeout=10)

    ann.connections.wait_for(ann.sees(BEN, "blue"))
    ann.connections.wait_for(ann.sees(None, "red"))
    ben.connections.wait_for(ben.sees(ANN, "red"))
    ben.connections.wait_for(ben.sees(None, "blue"))
    assert ann.camera_changes() == [CameraChanged(on=True)]
    tile = ben.latest(ANN)
    assert tile is not None
    assert tile.shape == (TILE_WIDTH * 9 // 16, TILE_WIDTH, 3)  # scaled, aspect kept
    assert SEND_WIDTH < 1280


def test_one_camera_is_seen_by_everyone_in_the_call(board: Switchboard) -> None:
    """The frame is scaled and encoded once; each peer's sender packetizes it."""
    people = (
        Person(ANN, board, colour_camera("red")),
        Person(BEN, board, broken_camera),
        Person(CAT, board, broken_camera),
    )
    ann, ben, cat = people
    try:
        connect(board, people)
        ann.engine.set_camera(True).result(timeout=10)

        ben.connections.wait_for(ben.sees(ANN, "red"))
        cat.connections.wait_for(cat.sees(ANN, "red"))
    finally:
        for person in people:
            person.engine.stop()


def test_someone_joining_while_a_camera_is_on_sees_its_picture(board: Switchboard) -> None:
    """The newcomer's decoder needs a whole picture first: its new track, and its
    report of pictures it cannot decode (PLI), ask the shared encoder for a
    keyframe, which comes without waiting for the next periodic one."""
    ann = Person(ANN, board, colour_camera("red"))
    ben = Person(BEN, board, broken_camera)
    cat = Person(CAT, board, broken_camera)
    try:
        connect(board, (ann, ben))
        ann.engine.set_camera(True).result(timeout=10)
        ben.connections.wait_for(ben.sees(ANN, "red"))

        connect(board, (cat,), already=(ann, ben))

        cat.connections.wait_for(cat.sees(ANN, "red"), timeout=5.0)
    finally:
        for person in (ann, ben, cat):
            person.engine.stop()


def test_a_camera_turned_off_takes_its_picture_down_and_can_come_back(
    board: Switchboard, pair: tuple[Person, Person]
) -> None:
    ann, ben = pair
    connect(board, pair)
    ann.engine.set_camera(True).result(timeout=10)
    ben.connections.wait_for(ben.sees(ANN, "red"))

    ann.engine.set_camera(False).result(timeout=10)

    ben.connections.wait_for(ben.sees_nothing_of(ANN))
    ann.connections.wait_for(ann.sees_nothing_of(None))
    assert ann.camera_changes() == [CameraChanged(on=True), CameraChanged(on=False)]
    assert ann.connections.states[BEN] is PeerState.CONNECTED  # the call goes on

    # The same connection carries the picture again: no new offer is needed.
    ann.engine.set_camera(True).result(timeout=10)
    ben.connections.wait_for(ben.sees(ANN, "red"))


def test_a_missing_camera_is_told_and_the_call_goes_on(board: Switchboard) -> None:
    ann = Person(ANN, board, broken_camera)
    ben = Person(BEN, board, colour_camera("blue"))
    try:
        connect(board, (ann, ben))
        ann.engine.set_camera(True).result(timeout=10)

        [changed] = ann.camera_changes()
        assert not changed.on
        assert changed.error is not None
        assert changed.error.code is MediaErrorCode.CAMERA_MISSING
        ben.engine.set_camera(True).result(timeout=10)
        ann.connections.wait_for(ann.sees(BEN, "blue"))
        assert ann.connections.states[BEN] is PeerState.CONNECTED
    finally:
        for person in (ann, ben):
            person.engine.stop()


def test_a_camera_that_stops_by_itself_is_told_as_failed(board: Switchboard) -> None:
    ann = Person(ANN, board, colour_camera("red", seconds=0.5))
    ben = Person(BEN, board, colour_camera("blue"))
    try:
        connect(board, (ann, ben))
        ann.engine.set_camera(True).result(timeout=10)

        ann.connections.wait_for(lambda: len(ann.camera_changes()) == 2)
        on, off = ann.camera_changes()
        assert on == CameraChanged(on=True)
        assert not off.on
        assert off.error is not None
        assert off.error.code is MediaErrorCode.CAMERA_FAILED
        ben.connections.wait_for(ben.sees_nothing_of(ANN))
    finally:
        for person in (ann, ben):
            person.engine.stop()


def test_a_camera_that_is_not_there_gives_a_clear_error() -> None:
    missing = Camera("video4linux2,v4l2", "/dev/video-nowhere", "Front camera")

    with pytest.raises(MediaError) as raised:
        open_camera(missing)

    assert raised.value.code is MediaErrorCode.CAMERA_MISSING
    assert "Front camera" in raised.value.message
    assert "No such file or directory" in raised.value.message


def test_cameras_are_listed_by_the_platforms_framework() -> None:
    unknown = Platform("no-such-framework", ())
    assert list_cameras(unknown) == []
    # This machine has no camera: the framework answers, with nothing.
    assert list_cameras(Platform("video4linux2,v4l2", ())) == []


def test_frames_are_scaled_down_only_keeping_their_aspect() -> None:
    wide = VideoFrame(1280, 720, "yuv420p")
    small = VideoFrame(320, 240, "yuv420p")

    assert (scaled(wide, SEND_WIDTH).width, scaled(wide, SEND_WIDTH).height) == (640, 360)
    assert scaled(small, SEND_WIDTH) is small
    tile = scaled(small, TILE_WIDTH, "rgb24")
    assert (tile.width, tile.height, tile.format.name) == (320, 240, "rgb24")


def test_frame_stamps_keep_rising_whatever_the_clock_does() -> None:
    """A camera turned off and on again continues the stream its encoders know."""
    times = iter([5.0, 5.0, 4.0, 6.0])
    stamp = FrameClock(lambda: next(times))
    frames = [VideoFrame(16, 16, "yuv420p") for _ in range(4)]
    for frame in frames:
        stamp.stamp(frame)

    stamps = [frame.pts for frame in frames]
    assert stamps == [450_000, 450_001, 450_002, 540_000]
    assert frames[0].time_base == Fraction(1, 90_000)


def stamped_frames(
    clock: FrameClock, count: int, width: int = 320, height: int = 240
) -> list[VideoFrame]:
    frames = []
    for _ in range(count):
        frame = VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:  # mid grey, as a camera might see
            plane.update(bytes([128]) * plane.buffer_size)
        clock.stamp(frame)
        frames.append(frame)
    return frames


def keyframes(encoder: VideoEncoder, frames: list[VideoFrame]) -> list[bool]:
    packets = [packet for frame in frames for packet in encoder.encode(frame)]
    assert all(packet.time_base == Fraction(1, 90_000) for packet in packets)
    return [packet.is_keyframe for packet in packets]


def a_frame_a_second() -> FrameClock:
    return FrameClock(iter(range(1000)).__next__)


def test_the_encoder_makes_a_keyframe_first_then_when_asked() -> None:
    request = KeyframeRequest()
    encoder = VideoEncoder(request)
    clock = a_frame_a_second()

    assert keyframes(encoder, stamped_frames(clock, 3)) == [True, False, False]
    request.ask()  # a new peer, or one that lost a picture
    assert keyframes(encoder, stamped_frames(clock, 2)) == [True, False]


def test_a_new_picture_size_starts_with_a_keyframe() -> None:
    encoder = VideoEncoder(KeyframeRequest())
    clock = a_frame_a_second()
    keyframes(encoder, stamped_frames(clock, 2))

    smaller = stamped_frames(clock, 2, width=160, height=120)
    assert keyframes(encoder, smaller) == [True, False]


def test_a_packet_keeps_its_frames_stamp() -> None:
    frames = stamped_frames(a_frame_a_second(), 3)
    encoder = VideoEncoder(KeyframeRequest())
    packets = [packet for frame in frames for packet in encoder.encode(frame)]

    assert [packet.pts for packet in packets] == [frame.pts for frame in frames]


@pytest.mark.asyncio
async def test_each_frame_is_encoded_once_for_every_peer() -> None:
    """Every peer's track gets the very same packet: one encode, however many peers."""
    fanout = VideoFanout()
    ann, ben = fanout.track_for("ann"), fanout.track_for("ben")
    feed = CameraFeed(
        colour_camera("red")(),
        fanout,
        preview=lambda picture: None,
        clock=FrameClock(time.perf_counter),
        on_end=lambda: None,
    )
    try:
        sent = [await ann.recv() for _ in range(3)]
        also = [await ben.recv() for _ in range(3)]
    finally:
        await feed.stop()

    assert all(first is second for first, second in zip(sent, also, strict=True))
    assert [packet.is_keyframe for packet in sent] == [True, False, False]

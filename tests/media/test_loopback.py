"""Two and three engines in one process, over real aiortc connections on
127.0.0.1: each one's mixed output holds exactly the other people's tones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from audiokit import Recorder, Tone, level_at, virtual_devices
from rtckit import Connections, Switchboard

from desktop.core import UserId
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.ice import loopback_only
from desktop.media.loop import LoopFactory, new_media_loop
from desktop.media.sound_io import VirtualSoundIO

AMPLITUDE = 0.25
TONES = {UserId("ann"): 440.0, UserId("ben"): 660.0, UserId("cat"): 990.0}


class Person:
    def __init__(
        self, user: UserId, board: Switchboard, loop: LoopFactory = new_media_loop
    ) -> None:
        self.user = user
        self.connections = Connections()
        self.recorder = Recorder()
        self.opened = 0
        self._devices = virtual_devices(Tone(TONES[user], AMPLITUDE), self.recorder)
        self.engine = MediaEngine(
            audio=self._open_devices,
            tell=self.connections.tell,
            echo_cancellation=False,
            loop=loop,
        )
        board.engines[user] = self.engine

    def _open_devices(self, plan: AudioPlan) -> VirtualSoundIO:
        self.opened += 1
        return self._devices(plan)


@pytest.fixture
def board() -> Iterator[Switchboard]:
    with loopback_only():
        yield Switchboard()


def call(
    board: Switchboard, users: list[UserId], loop: LoopFactory = new_media_loop
) -> list[Person]:
    people = [Person(user, board, loop) for user in users]
    for person in people:
        person.engine.start()
    # As through the server: everyone is in the call before anyone hears of the others.
    for person in people:
        line = board.line(person.user)
        person.engine.join(person.user, [], sends_audio=True, signaling=line).result(timeout=10)
    for person in people:
        person.engine.set_members(users).result(timeout=10)
    return people


@pytest.mark.parametrize("count", [2, 3])
# uvloop where it is installed; asyncio's own loop is what runs where it is not.
@pytest.mark.parametrize(
    "loop", [new_media_loop, asyncio.new_event_loop], ids=["media-loop", "asyncio-loop"]
)
def test_each_engine_hears_exactly_the_others(
    board: Switchboard, count: int, loop: LoopFactory
) -> None:
    users = list(TONES)[:count]
    people = call(board, users, loop)
    try:
        for person in people:
            others = [user for user in users if user != person.user]
            person.connections.wait_for(person.connections.connected(*others))
        heard = {person.user: person.recorder.record(1.0) for person in people}
    finally:
        for person in people:
            person.engine.stop()
    for listener, samples in heard.items():
        for user, frequency in TONES.items():
            level = level_at(samples, frequency)
            if user == listener or user not in users:
                assert level < 0.01, f"{listener} hears {user} at {level:.3f}"
            else:
                # Opus at 32 kbit/s keeps a pure tone's level within about 1 dB.
                assert 0.8 * AMPLITUDE < level < 1.2 * AMPLITUDE, (listener, user, level)


def test_devices_opened_again_mid_call_keep_the_call_going(board: Switchboard) -> None:
    users = list(TONES)[:2]
    people = call(board, users)
    ann, ben = people
    try:
        ben.connections.wait_for(ben.connections.connected(ann.user))
        ben.engine.reopen_devices().result(timeout=10)
        heard = ben.recorder.record(1.0)
    finally:
        for person in people:
            person.engine.stop()
    assert ben.opened == 2
    assert level_at(heard, TONES[ann.user]) > 0.8 * AMPLITUDE

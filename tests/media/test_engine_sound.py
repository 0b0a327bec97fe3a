"""The engine and its sound devices: a failure is told and the call goes on; once
no device runs, the engine opens them again by itself until they are back.

Virtual devices that can be pulled out first, then the real thing: PortAudio on
a private PulseAudio server whose only machine is unplugged and plugged in again.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from rtckit import Connections, Line, Switchboard
from soundkit import SoundServer, portaudio_on, wait_until

from desktop.core import UserId
from desktop.media import devices
from desktop.media import engine as engine_module
from desktop.media.engine import AudioIO, AudioPlan, MediaEngine
from desktop.media.errors import MediaErrorCode
from desktop.media.events import AudioProblem, AudioRestored
from desktop.media.pcm import Samples
from desktop.media.sound_io import SoundIO, VirtualSoundIO

ME = UserId("ann")


def alone() -> Line:
    """Signalling for a call with nobody else in it."""
    return Switchboard().line(ME)


def wait_for(told: Connections, kind: type, count: int = 1) -> None:
    """Until the engine told ``count`` events of ``kind``."""
    told.wait_for(lambda: told.count(kind) >= count, timeout=10)


class Socket:
    """A headset's plug: its virtual microphone and speaker fail while they are out."""

    def __init__(self) -> None:
        self.microphone = self.speaker = True
        self.opened: list[VirtualSoundIO] = []
        self.opened_at: list[float] = []
        self.rescans_with_devices_open: list[int] = []

    @property
    def plugged(self) -> bool:
        return self.microphone and self.speaker

    @plugged.setter
    def plugged(self, plugged: bool) -> None:
        self.microphone = self.speaker = plugged

    def source(self, block: Samples) -> None:
        if not self.microphone:
            raise OSError("microphone unplugged")
        block[:] = 0.0

    def sink(self, block: Samples) -> None:
        if not self.speaker:
            raise OSError("speaker unplugged")

    def open(self, plan: AudioPlan) -> AudioIO:
        sound = VirtualSoundIO(
            plan.render,
            capture=plan.capture,
            source=self.source,
            sink=self.sink,
            on_error=plan.on_error,
        )
        self.opened.append(sound)
        self.opened_at.append(time.monotonic())
        return sound

    def rescan(self) -> None:
        running = sum(sound.running_streams for sound in self.opened)
        self.rescans_with_devices_open.append(running)


WAITS = (0.05, 0.2)


@pytest.fixture(autouse=True)
def quick_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "RECOVER_SECONDS", WAITS)


@pytest.fixture
def virtual_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Virtual devices flow at once: a try whose devices do not is over soon."""
    monkeypatch.setattr(engine_module, "FLOWING_SECONDS", 0.3)


@pytest.fixture
def socket() -> Socket:
    return Socket()


@pytest.fixture
def told() -> Connections:
    return Connections()


@pytest.fixture
def engine(socket: Socket, told: Connections, virtual_pace: None) -> Iterator[MediaEngine]:
    engine = MediaEngine(
        audio=socket.open, tell=told.tell, echo_cancellation=False, rescan=socket.rescan
    )
    engine.start()
    engine.join(ME, [], sends_audio=True, signaling=alone()).result(timeout=10)
    yield engine
    engine.stop()


def test_a_headset_plugged_in_again_is_reopened_by_itself(
    engine: MediaEngine, socket: Socket, told: Connections
) -> None:
    socket.plugged = False
    wait_for(told, AudioProblem, 2)  # its microphone and its speaker
    socket.plugged = True

    wait_for(told, AudioRestored)

    sound = socket.opened[-1]
    assert sound.running_streams == 2
    blocks = sound.output_blocks
    wait_until(lambda: sound.output_blocks > blocks + 5, "the speaker to play again")
    assert socket.rescans_with_devices_open == [0] * len(socket.rescans_with_devices_open)
    assert len(socket.rescans_with_devices_open) >= 2  # at the join, and for the reopening


def test_devices_still_out_are_tried_again_less_and_less_often(
    engine: MediaEngine, socket: Socket, told: Connections, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "FLOWING_SECONDS", 0.001)  # no try lasts
    socket.plugged = False

    wait_for(told, AudioProblem, 10)  # two per try: the first failure and four tries

    assert told.count(AudioRestored) == 0
    problems = [event for event in told.events if isinstance(event, AudioProblem)]
    assert all(problem.error.code is MediaErrorCode.DEVICE_FAILED for problem in problems)
    # Before each try after the first: twice the wait before it, up to the longest.
    first, longest = WAITS
    waits = [min(first * 2**tries, longest) for tries in (1, 2, 3)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(socket.opened_at[1:5])]
    assert all(gap >= wait - 0.005 for gap, wait in zip(gaps, waits, strict=True)), gaps


def test_a_speaker_still_playing_is_not_cut_off_to_look_for_the_microphone(
    engine: MediaEngine, socket: Socket, told: Connections
) -> None:
    sound = socket.opened[-1]

    socket.microphone = False
    wait_for(told, AudioProblem)
    blocks = sound.output_blocks
    # Long enough for several tries, had the speaker not been playing.
    wait_until(lambda: sound.output_blocks > blocks + 30, "the speaker to play on")

    assert socket.opened == [sound]
    assert sound.running_streams == 1


def test_leaving_the_call_stops_looking_for_its_devices(
    engine: MediaEngine, socket: Socket, told: Connections
) -> None:
    socket.plugged = False
    wait_for(told, AudioProblem, 2)
    engine.leave().result(timeout=10)
    opened = len(socket.opened)
    socket.plugged = True

    # A join afterwards is the only thing that opens devices again.
    engine.join(ME, [], sends_audio=False, signaling=alone()).result(timeout=10)

    assert len(socket.opened) == opened + 1
    assert told.count(AudioRestored) == 0


# The real thing


def test_a_real_machine_unplugged_and_plugged_in_again_has_its_sound_back(
    lone_machine: SoundServer,
) -> None:
    machine = lone_machine.machines[0]
    told = Connections()
    opened: list[SoundIO] = []

    def open_devices(plan: AudioPlan) -> SoundIO:
        sound = SoundIO(
            plan.render,
            capture=plan.capture,
            input_device=machine.mic_device,
            output_device=machine.speaker_device,
            on_error=plan.on_error,
        )
        opened.append(sound)
        return sound

    with portaudio_on(lone_machine):
        engine = MediaEngine(
            audio=open_devices, tell=told.tell, echo_cancellation=False, rescan=devices.rescan
        )
        engine.start()
        try:
            engine.join(ME, [], sends_audio=True, signaling=alone()).result(timeout=10)
            assert opened[-1].wait_running(10)

            lone_machine.unplug(machine)
            wait_for(told, AudioProblem, 2)
            lone_machine.plug_in(machine)
            wait_for(told, AudioRestored)

            assert opened[-1].running_streams == 2
            assert opened[-1].wait_running(10)
        finally:
            engine.stop()

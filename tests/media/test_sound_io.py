"""The call's sound path: real devices on a virtual sound server, and a virtual clock."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from soundkit import (
    Machine,
    SoundServer,
    aligned_correlation,
    dominant_frequency,
    read_wav,
    rms_dbfs,
    speech_wav,
    tone,
    wait_until,
    write_wav,
)

from desktop.media.errors import MediaError, MediaErrorCode
from desktop.media.pcm import BLOCK_SAMPLES, SAMPLE_RATE, PcmRing, Samples
from desktop.media.sound_io import BLOCK_SECONDS, SoundIO, VirtualSoundIO, chime

START = 10.0
"""Seconds a device may take to deliver its first block."""


class Tone:
    """A sine that continues from block to block: a render function, or a source."""

    def __init__(self, frequency: float, amplitude: float) -> None:
        self._step = 2 * np.pi * frequency / SAMPLE_RATE
        self._amplitude = amplitude
        self._phase = 0

    def __call__(self, out: Samples) -> None:
        phases = (self._phase + np.arange(len(out))) * self._step
        out[:] = self._amplitude * np.sin(phases)
        self._phase += len(out)


class Errors:
    """Collects what ``on_error`` is told, from any thread."""

    def __init__(self) -> None:
        self.seen: list[MediaError] = []
        self._changed = threading.Condition()

    def __call__(self, error: MediaError) -> None:
        with self._changed:
            self.seen.append(error)
            self._changed.notify_all()

    def wait_for(self, count: int) -> list[MediaError]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.seen) >= count, START), self.seen
            return list(self.seen)


def silence(out: Samples) -> None:
    out.fill(0.0)


@pytest.fixture
def started() -> Iterator[list[SoundIO | VirtualSoundIO]]:
    """Sound paths a test starts; each is stopped at the end, even on failure."""
    running: list[SoundIO | VirtualSoundIO] = []
    yield running
    for sound_io in running:
        sound_io.stop()


def start(sound_io: SoundIO, started: list[SoundIO | VirtualSoundIO]) -> SoundIO:
    started.append(sound_io)
    sound_io.start()
    assert sound_io.wait_running(START)
    return sound_io


def both_ways(machine: Machine, errors: Errors) -> SoundIO:
    """A tone out of ``machine``'s speaker and its microphone in, failures to ``errors``."""
    return SoundIO(
        Tone(700, 0.3),
        input_device=machine.mic_device,
        output_device=machine.speaker_device,
        on_error=errors,
    )


def captured(ring: PcmRing) -> Samples:
    out = np.zeros(ring.available, dtype=np.float32)
    ring.read_into(out)
    return out


def loud_part(samples: Samples, threshold: float) -> Samples:
    """The samples between the first and the last louder than ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    assert len(loud), "nothing loud was captured"
    return samples[loud[0] : loud[-1] + 1]


# Real devices on the virtual sound server


def test_microphone_captures_what_is_played_into_it(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO], tmp_path: Path
) -> None:
    machine = sound.machines[0]
    ring = PcmRing(4 * SAMPLE_RATE)
    sound_io = start(SoundIO(silence, capture=ring, input_device=machine.mic_device), started)
    assert sound.streams_of(os.getpid(), "source-outputs") == 1
    ring.discard(ring.available)

    sound.play(write_wav(tone(1000, 1.0, 0.25), tmp_path / "tone.wav"), machine.injection)
    wait_until(lambda: ring.available >= 1.2 * SAMPLE_RATE, "the tone to be captured")

    heard = loud_part(captured(ring), 0.1)
    middle = heard[len(heard) // 4 : 3 * len(heard) // 4]
    assert len(heard) == pytest.approx(SAMPLE_RATE, abs=0.01 * SAMPLE_RATE)
    assert dominant_frequency(middle) == pytest.approx(1000, abs=2)
    assert rms_dbfs(middle) == pytest.approx(20 * np.log10(0.25 / np.sqrt(2)), abs=0.2)
    assert sound_io.overflows == 0


def test_speaker_plays_what_is_rendered(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO]
) -> None:
    machine = sound.machines[0]
    with sound.recorder(machine.speaker_monitor) as recorder:
        start(
            SoundIO(Tone(700, 0.3), receive_only=True, output_device=machine.speaker_device),
            started,
        )
        heard = recorder.take(SAMPLE_RATE)[SAMPLE_RATE // 2 :]

    assert dominant_frequency(heard) == pytest.approx(700, abs=2)
    assert rms_dbfs(heard) == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=0.2)


def test_receive_only_opens_no_microphone(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO]
) -> None:
    machine = sound.machines[0]
    sound_io = start(
        SoundIO(silence, receive_only=True, output_device=machine.speaker_device), started
    )

    assert sound_io.receive_only
    assert sound_io.capture is None
    assert sound_io.running_streams == 1
    assert sound.streams_of(os.getpid(), "source-outputs") == 0
    assert sound.streams_of(os.getpid(), "sink-inputs") == 1
    assert sound_io.input_level.peak_dbfs == -100.0


def test_speech_arrives_intact(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO], tmp_path: Path
) -> None:
    speaker, other = sound.machines
    wav = speech_wav("Breakout rooms start in one minute.", tmp_path / "speech.wav")
    spoken = read_wav(wav)
    ring, elsewhere = PcmRing(8 * SAMPLE_RATE), PcmRing(8 * SAMPLE_RATE)
    start(SoundIO(silence, capture=ring, input_device=speaker.mic_device), started)
    start(SoundIO(silence, capture=elsewhere, input_device=other.mic_device), started)
    ring.discard(ring.available)

    sound.play(wav, speaker.injection)
    wait_until(lambda: ring.available >= len(spoken) + SAMPLE_RATE // 5, "the speech")

    # The path is 48 kHz float throughout and comes out bit-exact (1.0000); 0.99
    # still fails on a single lost or repeated block.
    correlation, offset = aligned_correlation(captured(ring), spoken)
    assert correlation >= 0.99, f"correlation {correlation:.4f} at offset {offset}"
    assert rms_dbfs(captured(elsewhere)) < -90  # the other machine's microphone heard nothing


def test_a_missing_device_at_start_is_reported_and_left_out(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO]
) -> None:
    errors = Errors()
    machine = sound.machines[0]
    sound_io = SoundIO(
        Tone(700, 0.3),
        input_device="roomcast_mic9",
        output_device=machine.speaker_device,
        on_error=errors,
    )
    start(sound_io, started)

    [error] = errors.wait_for(1)
    assert error.code is MediaErrorCode.DEVICE_MISSING
    assert error.message == "The microphone “roomcast_mic9” is not connected."
    assert sound_io.receive_only
    assert sound_io.running_streams == 1
    blocks = sound_io.output_blocks
    wait_until(lambda: sound_io.output_blocks > blocks + 10, "the speaker to go on")


def test_an_unplugged_machine_fails_both_ways_without_crashing(
    lone_machine: SoundServer, started: list[SoundIO | VirtualSoundIO]
) -> None:
    machine = lone_machine.machines[0]
    errors = Errors()
    sound_io = start(both_ways(machine, errors), started)
    assert sound_io.running_streams == 2

    lone_machine.unplug(machine)

    seen = errors.wait_for(2)
    assert [error.code for error in seen] == [MediaErrorCode.DEVICE_FAILED] * 2
    assert sorted(error.message.split("“")[0] for error in seen) == [
        "The microphone ",
        "The speaker ",
    ]
    wait_until(lambda: sound_io.running_streams == 0, "both streams to end")
    assert sound_io.receive_only
    sound_io.stop()
    assert len(errors.seen) == 2  # stopping a failed stream is no new failure


def test_a_failed_microphone_leaves_the_speaker_playing(
    sound: SoundServer, started: list[SoundIO | VirtualSoundIO]
) -> None:
    machine = sound.machines[1]
    errors = Errors()
    sound_io = start(both_ways(machine, errors), started)

    assert sound.end_streams_of(os.getpid(), "source-outputs") == 1
    [error] = errors.wait_for(1)

    assert error.code is MediaErrorCode.DEVICE_FAILED
    assert "listening only" in error.message
    wait_until(lambda: sound_io.running_streams == 1, "the microphone's stream to end")
    assert sound_io.receive_only
    heard = sound.record(machine.speaker_monitor, 0.5)
    assert dominant_frequency(heard) == pytest.approx(700, abs=4)


# The virtual clock


def test_virtual_device_runs_no_faster_than_real_time() -> None:
    sound_io = VirtualSoundIO(silence, source=Tone(1000, 0.5))
    began = time.perf_counter()
    sound_io.start()
    try:
        wait_until(lambda: sound_io.input_blocks >= 50, "50 blocks")
        elapsed = time.perf_counter() - began
        blocks = sound_io.input_blocks
    finally:
        sound_io.stop()

    assert blocks <= elapsed / BLOCK_SECONDS + 1
    assert sound_io.output_blocks == sound_io.input_blocks
    assert sound_io.capture is not None
    assert sound_io.capture.available == min(blocks * BLOCK_SAMPLES, sound_io.capture.capacity)


def test_virtual_device_catches_up_after_a_stall() -> None:
    stalled = threading.Event()

    def stall_once(out: Samples) -> None:
        if not stalled.is_set():
            stalled.set()
            time.sleep(1.0)  # the stall being simulated, not synchronisation
        out.fill(0.0)

    sound_io = VirtualSoundIO(silence, source=stall_once, max_catch_up=5.0)
    began = time.perf_counter()
    sound_io.start()
    try:
        wait_until(lambda: sound_io.input_blocks >= 120, "120 blocks")
        due = (time.perf_counter() - began) / BLOCK_SECONDS
        blocks = sound_io.input_blocks
    finally:
        sound_io.stop()

    # Without catching up it would be about 100 blocks behind.
    assert due - 30 <= blocks <= due + 1
    assert sound_io.underruns == 0
    assert sound_io.lateness().max_ms >= 900


def test_virtual_device_drops_what_is_too_late_to_catch_up() -> None:
    stalled = threading.Event()

    def stall_once(out: Samples) -> None:
        if not stalled.is_set():
            stalled.set()
            time.sleep(0.5)  # the stall being simulated, not synchronisation
        out.fill(0.0)

    sound_io = VirtualSoundIO(silence, source=stall_once, max_catch_up=0.1)
    sound_io.start()
    try:
        wait_until(lambda: sound_io.input_blocks >= 30, "30 blocks")
    finally:
        sound_io.stop()

    assert 30 <= sound_io.underruns <= 41
    assert sound_io.lateness().max_ms <= 200 + 50


def test_virtual_device_keeps_time_while_another_thread_holds_the_gil() -> None:
    done = threading.Event()

    def busy() -> None:
        total = 0
        while not done.is_set():
            for number in range(10_000):
                total += number * number

    hog = threading.Thread(target=busy)
    sound_io = VirtualSoundIO(silence, source=Tone(1000, 0.5))
    hog.start()
    began = time.perf_counter()
    sound_io.start()
    try:
        wait_until(lambda: sound_io.input_blocks >= 200, "200 blocks")
        due = (time.perf_counter() - began) / BLOCK_SECONDS
        blocks = sound_io.input_blocks
    finally:
        sound_io.stop()
        done.set()
        hog.join()

    lateness = sound_io.lateness()
    print(f"lateness with a busy thread: {lateness}")
    assert due - 30 <= blocks <= due + 1
    assert sound_io.underruns == 0


def test_input_level_follows_the_microphone() -> None:
    sound_io = VirtualSoundIO(silence, source=Tone(1000, 0.5))
    assert sound_io.input_level.rms_dbfs == -100.0
    sound_io.start()
    try:
        wait_until(lambda: sound_io.input_blocks >= 100, "one second of sound")
        level = sound_io.input_level
    finally:
        sound_io.stop()

    assert level.peak_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.05)
    assert level.rms_dbfs == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.1)


def test_test_sound_is_mixed_into_the_output() -> None:
    heard: list[Samples] = []
    sound_io = VirtualSoundIO(silence, receive_only=True, sink=lambda out: heard.append(out.copy()))
    sound_io.start()
    try:
        wait_until(lambda: len(heard) >= 5, "the speaker to run")
        sound_io.play_test_sound()
        sound_io.play_test_sound()  # ignored while the first is playing
        wait_until(lambda: len(heard) >= 5 + 60, "the chime to be played")
    finally:
        sound_io.stop()

    played = np.concatenate(heard)
    expected = chime()
    start_at = int(np.flatnonzero(played)[0] - np.flatnonzero(expected)[0])
    assert np.array_equal(played[start_at : start_at + len(expected)], expected)
    assert not played[start_at + len(expected) :].any()
    first, second = expected[: SAMPLE_RATE // 8], expected[SAMPLE_RATE // 4 :]
    assert dominant_frequency(first) == pytest.approx(880, abs=10)
    assert dominant_frequency(second) == pytest.approx(1318.5, abs=10)


def test_a_failing_virtual_microphone_leaves_the_speaker_running() -> None:
    errors = Errors()
    calls = 0

    def breaks_after_ten(out: Samples) -> None:
        nonlocal calls
        calls += 1
        if calls > 10:
            raise OSError("unplugged")
        out.fill(0.1)

    sound_io = VirtualSoundIO(Tone(700, 0.3), source=breaks_after_ten, on_error=errors)
    sound_io.start()
    try:
        [error] = errors.wait_for(1)
        after = sound_io.output_blocks
        wait_until(lambda: sound_io.output_blocks >= after + 10, "the speaker to go on")
        assert sound_io.running_streams == 1
    finally:
        sound_io.stop()

    assert error.code is MediaErrorCode.DEVICE_FAILED
    assert sound_io.receive_only
    assert sound_io.input_blocks == 10
    assert sound_io.input_level.peak_dbfs == -100.0


def test_a_failing_render_plays_silence_and_is_counted(caplog: pytest.LogCaptureFixture) -> None:
    heard: list[Samples] = []

    def broken(out: Samples) -> None:
        out.fill(0.5)
        raise ValueError("mixer bug")

    sound_io = VirtualSoundIO(broken, receive_only=True, sink=lambda out: heard.append(out.copy()))
    sound_io.start()
    try:
        wait_until(lambda: len(heard) >= 5, "five blocks")
    finally:
        sound_io.stop()

    assert not np.concatenate(heard).any()
    assert sound_io.render_errors == sound_io.output_blocks
    assert [record.message for record in caplog.records] == [
        "rendering the call's sound failed; playing silence"
    ]


def test_played_sees_each_block_as_it_goes_out() -> None:
    heard: list[Samples] = []
    played: list[Samples] = []
    sound_io = VirtualSoundIO(
        Tone(700, 0.3),
        receive_only=True,
        sink=lambda out: heard.append(out.copy()),
        played=lambda out: played.append(out.copy()),
    )
    sound_io.start()
    try:
        sound_io.play_test_sound()
        wait_until(lambda: len(heard) >= 20, "twenty blocks")
    finally:
        sound_io.stop()

    assert len(played) == len(heard)
    assert np.array_equal(np.concatenate(played), np.concatenate(heard))
    assert np.abs(np.concatenate(heard)).max() > 0.3  # the chime is in it too

"""Speech through a whole call on real sound devices: spoken into one machine's
microphone (PulseAudio, through PortAudio), encoded, sent over aiortc on
127.0.0.1, played out of the other machine's speaker, recorded there and
compared with what was said."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from rtckit import Connections, Switchboard
from soundkit import (
    Machine,
    SoundServer,
    aligned_correlation,
    read_wav,
    speech_wav,
    virtual_sound,
)

from desktop.core import UserId
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.ice import loopback_only
from desktop.media.pcm import SAMPLE_RATE, Samples
from desktop.media.sound_io import SoundIO

WAVEFORM = 0.9
"""The best normalised correlation of a half second of what was said with what the
other machine played, each half second aligned on its own. Opus at 32 kbit/s keeps
voiced speech's waveform close: 0.95–0.97 here. Only the best counts: on a busy
machine the playout buffer may cut a few milliseconds inside some of them to catch
up (with a crossfade, as it should), which drops a waveform match to 0.5–0.6."""
ENVELOPE = 0.8
"""The median correlation of a half second's loudness over time (10 ms steps) with
what was heard there: 0.99 and more where nothing was cut, 0.89–0.96 where the
playout buffer cut a few milliseconds to catch up. A lost or concealed stretch
(30 ms gone in one place already reads 0.73) happens on a starved machine: the
speaker's callback came too late for the device (an underrun) or packets did; it
damages the half second it falls in, so the median, not the worst, must hold. A
missing, doubled or noisy voice pulls every half second down."""
SEGMENT = SAMPLE_RATE // 2
SLACK = SAMPLE_RATE // 10
"""How far (100 ms) a segment may sit from where the whole utterance lines up."""
SPEECH_RMS = 0.01


@pytest.fixture
def sound() -> Iterator[SoundServer]:
    with virtual_sound(machines=2) as server, loopback_only():
        yield server


def devices_of(machine: Machine, opened: list[SoundIO]) -> Callable[[AudioPlan], SoundIO]:
    def open_devices(plan: AudioPlan) -> SoundIO:
        sound_io = SoundIO(
            plan.render,
            capture=plan.capture,
            receive_only=plan.capture is None,
            input_device=machine.mic_device,
            output_device=machine.speaker_device,
            on_error=plan.on_error,
        )
        opened.append(sound_io)
        return sound_io

    return open_devices


def test_speech_said_on_one_machine_is_heard_on_the_other(
    sound: SoundServer, tmp_path: Path
) -> None:
    board = Switchboard()
    users = [UserId("ann"), UserId("ben")]
    connections = {user: Connections() for user in users}
    opened: list[SoundIO] = []
    for user, machine in zip(users, sound.machines, strict=True):
        board.engines[user] = MediaEngine(
            audio=devices_of(machine, opened),
            tell=connections[user].tell,
            echo_cancellation=False,  # compared sample for sample below
        )
    wav = speech_wav("Breakout rooms start in one minute.", tmp_path / "speech.wav")
    spoken = read_wav(wav)
    try:
        for user, engine in board.engines.items():
            engine.start()
            engine.join(user, [], sends_audio=True, signaling=board.line(user)).result(10)
        for engine in board.engines.values():
            engine.set_members(users).result(10)
        listener = connections[UserId("ben")]
        listener.wait_for(listener.connected(UserId("ann")))
        ann, ben = sound.machines
        with sound.recorder(ben.speaker_monitor) as recorder:
            recorder.take(SAMPLE_RATE)  # a second of the call going before anyone speaks
            start = recorder.mark()
            sound.play(wav, ann.injection)  # returns once it has all been played
            recorder.take(SAMPLE_RATE)  # and the call's last second after that
            heard = recorder.since(start)
        playout = board.engines[UserId("ben")].playout_stats().result(10)
    finally:
        for engine in board.engines.values():
            engine.stop()
    segments = segment_matches(heard, spoken)
    assert len(segments) >= 3, "too little speech"
    waveforms = [waveform for waveform, _ in segments]
    loudness = [shape for _, shape in segments]
    # What to look at when it fails: each device's lost blocks and how the
    # listener played the speaker's packets out.
    devices = [(io.overflows, io.underruns) for io in opened]
    diagnosis = f"devices (overflows, underruns): {devices}; playout: {playout}"
    assert max(waveforms) >= WAVEFORM, f"waveform correlations: {waveforms}; {diagnosis}"
    assert np.median(loudness) >= ENVELOPE, f"loudness correlations: {loudness}; {diagnosis}"


def envelope(samples: Samples) -> Samples:
    """RMS per 10 ms."""
    usable = len(samples) // 480 * 480
    blocks: Samples = samples[:usable].reshape(-1, 480)
    loudness: Samples = np.sqrt(np.mean(blocks**2, axis=1))
    return loudness


def segment_matches(heard: Samples, spoken: Samples) -> list[tuple[float, float]]:
    """For each half second of speech, aligned on its own (the playout buffer may
    cut a few milliseconds between them, which would blur one alignment for the
    whole): how well its waveform and its loudness over time match what was heard."""
    _, offset = aligned_correlation(heard, spoken)
    result = []
    for start in range(0, len(spoken) - SEGMENT, SEGMENT):
        part = spoken[start : start + SEGMENT]
        if np.sqrt(np.mean(part**2)) < SPEECH_RMS:
            continue  # a pause
        near = heard[max(0, offset + start - SLACK) : offset + start + SEGMENT + SLACK]
        waveform, at = aligned_correlation(near, part)
        shape = np.corrcoef(envelope(part), envelope(near[at : at + SEGMENT]))[0, 1]
        result.append((round(waveform, 3), round(float(shape), 3)))
    return result

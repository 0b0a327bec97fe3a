"""Sound for call tests without a sound card: tones for microphones, recorders
for speakers, and the level of a tone in what was heard."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import numpy as np

from desktop.media.engine import AudioPlan
from desktop.media.pcm import SAMPLE_RATE, Samples
from desktop.media.sound_io import Render, VirtualSoundIO


class Tone:
    """A microphone that hears one sine, block after block, phase-continuous."""

    def __init__(self, frequency: float, amplitude: float) -> None:
        self._step = 2 * np.pi * frequency / SAMPLE_RATE
        self._amplitude = amplitude
        self._phase = 0.0

    def __call__(self, block: Samples) -> None:
        phases = self._phase + self._step * np.arange(len(block))
        block[:] = self._amplitude * np.sin(phases)
        self._phase = float(phases[-1] + self._step) % (2 * np.pi)


class Recorder:
    """A speaker that keeps what it plays while a recording is asked for."""

    def __init__(self) -> None:
        self._samples: Samples = np.zeros(0, dtype=np.float32)
        self._kept = 0
        self._wanted = threading.Event()
        self._full = threading.Event()

    def __call__(self, block: Samples) -> None:
        if not self._wanted.is_set() or self._full.is_set():
            return
        count = min(len(block), len(self._samples) - self._kept)
        self._samples[self._kept : self._kept + count] = block[:count]
        self._kept += count
        if self._kept == len(self._samples):
            self._full.set()

    def record(self, seconds: float, timeout: float = 20.0) -> Samples:
        """The next ``seconds`` of what is played (blocks the calling thread)."""
        self._samples = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
        self._kept = 0
        self._full.clear()
        self._wanted.set()
        try:
            if not self._full.wait(timeout):
                raise TimeoutError(f"only {self._kept} samples played in {timeout} s")
        finally:
            self._wanted.clear()
        return self._samples


def virtual_devices(microphone: Render, speaker: Render) -> Callable[[AudioPlan], VirtualSoundIO]:
    """An engine's audio factory: ``microphone`` fills each captured block (a
    :class:`Tone`), ``speaker`` takes each played one (a :class:`Recorder`)."""

    def open_devices(plan: AudioPlan) -> VirtualSoundIO:
        return VirtualSoundIO(
            plan.render,
            capture=plan.capture,
            receive_only=plan.capture is None,
            on_error=plan.on_error,
            source=microphone,
            sink=speaker,
            played=plan.played,
        )

    return open_devices


def level_at(samples: Samples, frequency: float) -> float:
    """The amplitude of the sine at ``frequency`` in ``samples``: the median over
    100 ms windows, so that the playout buffer's splices (a dropped or concealed
    frame shifts a tone's phase) do not count as a quieter tone."""
    window_samples = SAMPLE_RATE // 10
    windows = samples[: len(samples) // window_samples * window_samples]
    return float(
        np.median([_level(part, frequency) for part in windows.reshape(-1, window_samples)])
    )


def _level(samples: Samples, frequency: float) -> float:
    window = np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * window)) * 2 / window.sum()
    bins = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    return float(spectrum[np.abs(bins - frequency) <= 10].max())


async def sounding(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until ``condition`` holds, for conditions on sound, which change with
    every block and send no event: checked every 20 ms."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None

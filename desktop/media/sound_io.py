"""A call's sound: the microphone into the capture ring, the mixer out to the speaker.

Both directions work in 10 ms blocks of mono float32 at 48 kHz. The callbacks run
on the device's thread and only copy between preallocated arrays: the microphone
block into the capture ring (the engine reads 20 ms frames from it), the block the
``render`` function fills (the mixer) out to the device. They count the device's
overflows and underruns and never raise.

A device that is missing at the start, or fails during the call, is reported to
``on_error`` as a :class:`MediaError` and the call goes on without it: without a
microphone it only listens, without a speaker it stays silent.

:class:`SoundIO` drives the callbacks from PortAudio; :class:`VirtualSoundIO` drives
the same callbacks from its own clock, for machines (and tests) with no sound server.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import devices
from .devices import DeviceKind
from .errors import MediaError, MediaErrorCode
from .pcm import BLOCK_SAMPLES, SAMPLE_RATE, PcmRing, Samples

log = logging.getLogger(__name__)

BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE
CAPTURE_SECONDS = 0.5
"""What the capture ring holds when the caller gives none."""

LEVEL_FLOOR_DBFS = -100.0
"""The level reported for silence (and when no microphone is open)."""

_RMS_SMOOTHING = math.exp(-BLOCK_SECONDS / 0.1)  # 100 ms time constant
_PEAK_FALL = 10 ** (-20.0 * BLOCK_SECONDS / 20)  # a held peak falls 20 dB per second

Render = Callable[[Samples], None]
"""Fills one output block in place (the mixer)."""

ErrorHandler = Callable[[MediaError], None]
"""Told about a device problem, on the device's thread: hand it over, do not block."""


@dataclass(frozen=True)
class Level:
    """How loud the microphone is: a held peak and a smoothed RMS, in dBFS."""

    peak_dbfs: float
    rms_dbfs: float


def chime(rate: int = SAMPLE_RATE) -> Samples:
    """The test sound: two soft bell tones a fifth apart, 0.45 s in all."""
    t = np.arange(int(0.45 * rate)) / rate
    sound = np.zeros_like(t)
    for start, frequency in ((0.0, 880.0), (0.15, 1318.5)):
        after = np.clip(t - start, 0.0, None)
        envelope = (t >= start) * np.minimum(after / 0.005, 1.0) * np.exp(-after / 0.08)
        sound += 0.25 * envelope * np.sin(2 * np.pi * frequency * after)
    return sound.astype(np.float32)


class AudioPath:
    """What both device callbacks do, whatever drives them.

    ``capture`` receives the microphone (None: receive only, no microphone is
    opened); ``played`` sees every block as it goes out (the echo canceller's
    reference) and must only copy.
    """

    def __init__(
        self,
        render: Render,
        capture: PcmRing | None,
        on_error: ErrorHandler | None,
        played: Render | None,
    ) -> None:
        self.capture = capture
        self.overflows = 0
        """Microphone blocks the device reported as lost or late."""
        self.underruns = 0
        """Speaker blocks the device reported as missing."""
        self.render_errors = 0
        self.input_blocks = 0
        self.output_blocks = 0
        self._render = render
        self._played = played
        self._on_error = on_error
        self._out: Samples = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
        self._sound = chime()
        self._test_sound = PcmRing(len(self._sound))
        self._test_block: Samples = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
        self._peak = 0.0
        self._mean_square = 0.0
        self._input_running = threading.Event()
        self._output_running = threading.Event()
        self._last_output = math.inf

    @property
    def receive_only(self) -> bool:
        return self.capture is None

    @property
    def input_level(self) -> Level:
        return Level(_dbfs(self._peak), _dbfs(math.sqrt(self._mean_square)))

    def play_test_sound(self) -> None:
        """Mix the chime into the output once (ignored while it is still playing).

        Call it from one thread at a time: it is the test sound's only writer.
        """
        if self._test_sound.available == 0:
            self._test_sound.write(self._sound)

    def wait_running(self, timeout: float) -> bool:
        """Wait until sound flows every way that was opened; False on timeout.

        That is the microphone's first block and the first speaker block asked for
        at the device's pace. A fresh device can take a second or two to get there.
        """
        deadline = time.monotonic() + timeout
        waits = [self._output_running] + ([] if self.receive_only else [self._input_running])
        return all(event.wait(max(0.0, deadline - time.monotonic())) for event in waits)

    def take_input(self, block: Samples) -> None:
        """One microphone block: into the capture ring, and into the level meter."""
        if self.capture is not None:
            self.capture.write(block)
        peak = float(max(block.max(), -block.min()))
        self._peak = max(peak, self._peak * _PEAK_FALL)
        block_mean_square = float(np.dot(block, block)) / len(block)
        self._mean_square = self._mean_square * _RMS_SMOOTHING + block_mean_square * (
            1.0 - _RMS_SMOOTHING
        )
        self.input_blocks += 1
        if not self._input_running.is_set():
            self._input_running.set()

    def give_output(self, out: Samples) -> None:
        """Fill one speaker block: the mixer's output plus any test sound, clipped."""
        try:
            self._render(out)
        except Exception:
            out.fill(0.0)
            self.render_errors += 1
            if self.render_errors == 1:
                log.exception("rendering the call's sound failed; playing silence")
        test = self._test_block[: len(out)]
        count = self._test_sound.read_into(test)
        if count:
            out[:count] += test[:count]
        np.clip(out, -1.0, 1.0, out=out)
        if self._played is not None:
            try:
                self._played(out)
            except Exception:
                self._played = None
                log.exception("handing on the played sound failed; no longer handing it on")
        self.output_blocks += 1
        if not self._output_running.is_set():
            self._note_output_pace()

    def input_lost(self) -> None:
        """The microphone is gone: nothing more is captured, and the meter falls silent."""
        self.capture = None
        self._peak = self._mean_square = 0.0

    def _note_output_pace(self) -> None:
        """The speaker runs once it asks for blocks at its own pace: a device first
        asks for several at once to fill its buffer, then may wait a while."""
        now = time.monotonic()
        if now - self._last_output >= BLOCK_SECONDS / 2:
            self._output_running.set()
        self._last_output = now

    def report(self, error: MediaError) -> None:
        """Tell ``on_error``; a failing handler must not take the device thread down."""
        if self._on_error is None:
            return
        try:
            self._on_error(error)
        except Exception:
            log.exception("the sound device's error handler failed")


class SoundIO(AudioPath):
    """The call's sound devices through PortAudio.

    ``input_device``/``output_device`` are device names (None: the system default).
    ``receive_only`` opens no microphone at all. Without a ``capture`` ring one of
    ``CAPTURE_SECONDS`` is made.
    """

    def __init__(
        self,
        render: Render,
        *,
        capture: PcmRing | None = None,
        receive_only: bool = False,
        input_device: str | None = None,
        output_device: str | None = None,
        on_error: ErrorHandler | None = None,
        played: Render | None = None,
    ) -> None:
        if receive_only:
            capture = None
        elif capture is None:
            capture = PcmRing(int(CAPTURE_SECONDS * SAMPLE_RATE))
        super().__init__(render, capture, on_error, played)
        self.input_device = input_device
        self.output_device = output_device
        self._input: Any = None
        self._output: Any = None
        self._stopping = False
        self._failed: set[DeviceKind] = set()

    @property
    def running_streams(self) -> int:
        """How many device streams are running now (0, 1 or 2); one whose device
        failed no longer counts, though PortAudio may take a moment to agree."""
        streams = ((DeviceKind.INPUT, self._input), (DeviceKind.OUTPUT, self._output))
        return sum(
            stream is not None and stream.active and kind not in self._failed
            for kind, stream in streams
        )

    def start(self) -> None:
        """Open the devices; one that cannot be opened is reported and left out."""
        self._stopping = False
        self._failed.clear()
        if self.capture is not None:
            self._input = self._open(DeviceKind.INPUT, self.input_device, self._on_input)
            if self._input is None:
                self.input_lost()
        self._output = self._open(DeviceKind.OUTPUT, self.output_device, self._on_output)

    def stop(self) -> None:
        self._stopping = True
        for stream in (self._input, self._output):
            if stream is not None:
                devices.close_quietly(stream)
        self._input = self._output = None

    def _open(self, kind: DeviceKind, name: str | None, callback: devices.StreamCallback) -> Any:
        try:
            return devices.open_stream(kind, name, callback, lambda: self._on_finished(kind))
        except MediaError as error:
            self.report(error)
            return None

    def _on_input(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        try:
            if status:
                self.overflows += 1
            self.take_input(indata[:, 0])
        except Exception:
            self.overflows += 1

    def _on_output(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        try:
            if status:
                self.underruns += 1
            out = self._out[:frames]
            self.give_output(out)
            outdata[:, 0] = out
        except Exception:
            outdata.fill(0)
            self.underruns += 1

    def _on_finished(self, kind: DeviceKind) -> None:
        """A stream ended: fine when we stopped it, a failed device otherwise."""
        if self._stopping:
            return
        self._failed.add(kind)
        if kind is DeviceKind.INPUT:
            self.input_lost()
            consequence = "the call goes on, listening only"
        else:
            consequence = "the call goes on without sound"
        name = self.input_device if kind is DeviceKind.INPUT else self.output_device
        self.report(
            MediaError(
                MediaErrorCode.DEVICE_FAILED,
                f"The {kind.noun} “{name or 'system default'}” stopped working; {consequence}.",
            )
        )


@dataclass(frozen=True)
class Lateness:
    """How late a virtual device's blocks ran after they were due, in milliseconds."""

    blocks: int
    median_ms: float
    p99_ms: float
    max_ms: float


class VirtualSoundIO(AudioPath):
    """The same callbacks driven by a real-time clock of our own, with no device.

    ``source`` fills each microphone block (a tone, a recording), ``sink`` takes each
    speaker block (a recorder, a click detector). Blocks are due every 10 ms of
    ``clock``; a late thread catches up on the blocks it missed, never runs ahead of
    real time, and records how late each block was. Up to ``max_catch_up`` seconds
    are caught up; beyond that the blocks are dropped and counted as underruns.
    A ``source`` or ``sink`` that raises counts as a failed device.
    """

    LATENESS_HISTORY = 60_000
    """Blocks whose lateness is kept (10 minutes)."""

    def __init__(
        self,
        render: Render,
        *,
        source: Render | None = None,
        sink: Render | None = None,
        capture: PcmRing | None = None,
        receive_only: bool = False,
        on_error: ErrorHandler | None = None,
        played: Render | None = None,
        clock: Callable[[], float] = time.perf_counter,
        max_catch_up: float = 0.5,
    ) -> None:
        if receive_only:
            capture = None
        elif capture is None:
            capture = PcmRing(int(CAPTURE_SECONDS * SAMPLE_RATE))
        super().__init__(render, capture, on_error, played)
        self._source = source
        self._sink = sink
        self._clock = clock
        self._max_catch_up = max_catch_up
        self._in: Samples = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
        self._lateness = np.zeros(self.LATENESS_HISTORY, dtype=np.float64)
        self._ticks = 0
        self._input_on = self._output_on = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running_streams(self) -> int:
        running = self._thread is not None and self._thread.is_alive()
        return running * (int(self._input_on) + int(self._output_on))

    def start(self) -> None:
        self._input_on = self.capture is not None
        self._output_on = True
        self._halt.clear()
        self._thread = threading.Thread(target=self._run, name="roomcast-virtual-sound")
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def lateness(self) -> Lateness:
        """How late the blocks so far ran (the most recent ``LATENESS_HISTORY``)."""
        kept = self._lateness[: min(self._ticks, self.LATENESS_HISTORY)] * 1000.0
        if not len(kept):
            return Lateness(0, 0.0, 0.0, 0.0)
        median, p99 = np.percentile(kept, [50, 99])
        return Lateness(self._ticks, float(median), float(p99), float(kept.max()))

    def _run(self) -> None:
        due = self._clock()
        while not self._halt.wait(max(0.0, due - self._clock())):
            due = self._run_due(due)

    def _run_due(self, due: float) -> float:
        """Run every block due by now, oldest first; return when the next is due."""
        now = self._clock()
        while due <= now:
            behind = int((now - due - self._max_catch_up) / BLOCK_SECONDS)
            if behind > 0:
                self.underruns += behind
                due += behind * BLOCK_SECONDS
            self._lateness[self._ticks % self.LATENESS_HISTORY] = now - due
            self._ticks += 1
            self._tick()
            due += BLOCK_SECONDS
            now = self._clock()
        return due

    def _tick(self) -> None:
        if self._input_on:
            try:
                if self._source is not None:
                    self._source(self._in)
            except Exception as error:
                self._input_on = False
                self.input_lost()
                self.report(_virtual_failure(DeviceKind.INPUT, error))
            else:
                self.take_input(self._in)
        if self._output_on:
            self.give_output(self._out)
            try:
                if self._sink is not None:
                    self._sink(self._out)
            except Exception as error:
                self._output_on = False
                self.report(_virtual_failure(DeviceKind.OUTPUT, error))


def _virtual_failure(kind: DeviceKind, error: Exception) -> MediaError:
    return MediaError(
        MediaErrorCode.DEVICE_FAILED, f"The virtual {kind.noun} stopped working: {error}."
    )


def _dbfs(amplitude: float) -> float:
    if amplitude <= 0.0:
        return LEVEL_FLOOR_DBFS
    return max(LEVEL_FLOOR_DBFS, 20.0 * math.log10(amplitude))

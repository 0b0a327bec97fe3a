"""The audio format of every call, and the ring that carries samples between threads.

Calls run at 48 kHz, mono, float32 in [-1, 1], in 20 ms codec frames; the sound
device works in 10 ms blocks. A :class:`PcmRing` has one writer and one reader,
each on its own thread (the media loop and a PortAudio callback): both only copy
between preallocated arrays, and each moves only its own counter, so neither waits
for the other.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960
"""One codec frame: 20 ms."""
BLOCK_SAMPLES = 480
"""One sound-device block: 10 ms."""

Samples = npt.NDArray[np.float32]


class PcmRing:
    """A single-producer, single-consumer ring of float32 samples.

    ``write`` and ``read_into`` may run on different threads at the same time: the
    writer advances only ``_written`` after its copy, the reader only ``_read``
    (assigning an int is atomic in CPython). What does not fit is dropped and
    counted in ``overflows``; a read that finds too little copies what is there.
    """

    def __init__(self, capacity: int) -> None:
        self._buffer: Samples = np.zeros(capacity, dtype=np.float32)
        self._capacity = capacity
        self._written = 0
        self._read = 0
        self.overflows = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def available(self) -> int:
        """Samples written and not yet read."""
        return self._written - self._read

    @property
    def free(self) -> int:
        return self._capacity - self.available

    def write(self, samples: Samples) -> int:
        """Copy as many of ``samples`` as fit; return how many that was."""
        count = min(len(samples), self.free)
        self.overflows += len(samples) - count
        start = self._written % self._capacity
        first = min(count, self._capacity - start)
        self._buffer[start : start + first] = samples[:first]
        self._buffer[: count - first] = samples[first:count]
        self._written += count
        return count

    def read_into(self, out: Samples) -> int:
        """Copy up to ``len(out)`` samples into the front of ``out``; return how many."""
        count = min(len(out), self.available)
        start = self._read % self._capacity
        first = min(count, self._capacity - start)
        out[:first] = self._buffer[start : start + first]
        out[first:count] = self._buffer[: count - first]
        self._read += count
        return count

    def discard(self, count: int) -> int:
        """Drop up to ``count`` of the oldest samples (the reader's side)."""
        dropped = min(count, self.available)
        self._read += dropped
        return dropped

"""Echo cancellation and noise suppression for the microphone, by WebRTC's audio
processing (the ``pywebrtc-audio`` package).

Where it runs: not in the device callbacks. The speaker's callback only hands each
block it plays to :meth:`EchoCanceller.process_render`, which copies it into a ring
(the far-end reference). The media loop calls :meth:`EchoCanceller.process_capture`
when it takes a frame from the capture ring; that pairs the frame with as much of
the reference, oldest first, and runs the canceller. WebRTC finds the delay between
the two itself (the speaker's and the microphone's latency plus the room), as long as
the reference is not later than its echo: a frame that waited in the capture ring
pairs with reference that waited as long, so only drift between the two devices'
clocks needs correcting (:data:`MAX_BACKLOG_SECONDS`).

The processing delays the microphone by about 9 ms (WebRTC's band filters). When
the package is missing the canceller is a pass-through, ``enabled`` is False and
``error`` says why; the call goes on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import MediaError, MediaErrorCode
from .pcm import FRAME_SAMPLES, SAMPLE_RATE, PcmRing, Samples

try:
    import pywebrtc_audio

    _webrtc: Any = pywebrtc_audio
    _missing_reason = ""
except ImportError as error:
    _webrtc = None
    _missing_reason = str(error)

REFERENCE_SECONDS = 0.5
"""The far-end reference the ring holds before the oldest is dropped."""

MAX_BACKLOG_SECONDS = 0.06
"""Reference left over beyond this after a frame is dropped. It grows only when the
speaker's clock runs faster than the microphone's; left to grow, the reference would
come later than its echo and nothing could be cancelled."""

NOISE_SUPPRESSION_LEVEL = 2
"""WebRTC's level 0–3, nominally 6, 12, 18 or 21 dB of noise reduction (steady noise
measures 6–7 dB lower at every level)."""


class EchoCanceller:
    """Removes what the speaker played from the microphone, and steady noise with it.

    ``process_render`` may be called on the speaker's thread and ``process_capture``
    on the media loop, at the same time: they share only a single-writer ring.
    Switching ``enabled`` off makes ``process_capture`` a pass-through.
    """

    def __init__(self, enabled: bool = True, noise_suppression: bool = True) -> None:
        self.error: MediaError | None = None
        """Why the canceller cannot run, if it cannot."""
        self.reference_gaps = 0
        """Frames processed with too little reference (the speaker fell behind)."""
        self._noise_suppression = noise_suppression
        self._processor: Any = None
        self._reference = PcmRing(int(REFERENCE_SECONDS * SAMPLE_RATE))
        self._far: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        self._out: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        self._enabled = False
        self.enabled = enabled

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if value and self._processor is None:
            self._processor = self._make_processor()
        self._enabled = value and self._processor is not None

    def process_render(self, block: Samples) -> None:
        """Remember a block as it goes to the speaker. Only copies: safe in a callback."""
        if self._enabled:
            self._reference.write(block)

    def process_capture(self, frame: Samples) -> Samples:
        """The microphone ``frame`` with echo and noise removed.

        Returns ``frame`` itself when switched off, else a buffer of this canceller
        that the next call overwrites.
        """
        if not self._enabled:
            self._reference.discard(self._reference.available)
            return frame
        far = self._take_reference(len(frame))
        processed = self._processor.process(frame, far)
        out = self._out if len(frame) <= len(self._out) else np.empty_like(frame)
        out[: len(frame)] = processed
        return out[: len(frame)]

    def reset(self) -> None:
        """Forget what was learned about the room (e.g. after a device change)."""
        self._reference.discard(self._reference.available)
        if self._processor is not None:
            self._processor.reset()

    def _take_reference(self, count: int) -> Samples:
        """The oldest ``count`` reference samples, after dropping a stale backlog."""
        backlog = self._reference.available - count - int(MAX_BACKLOG_SECONDS * SAMPLE_RATE)
        if backlog > 0:
            self._reference.discard(backlog)
        far = self._far if count <= len(self._far) else np.empty(count, dtype=np.float32)
        far = far[:count]
        got = self._reference.read_into(far)
        if got < count:
            far[got:] = 0.0
            self.reference_gaps += 1
        return far

    def _make_processor(self) -> Any:
        if _webrtc is None:
            self.error = MediaError(
                MediaErrorCode.ECHO_CANCELLER_MISSING,
                "Echo cancellation is not available (the pywebrtc-audio package is "
                f"missing: {_missing_reason}); use headphones to avoid echo.",
            )
            return None
        return _webrtc.AudioProcessor(
            sample_rate=SAMPLE_RATE,
            echo_cancellation=True,
            noise_suppression=self._noise_suppression,
            high_pass_filter=True,
            ns_level=NOISE_SUPPRESSION_LEVEL,
        )

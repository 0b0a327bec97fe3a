"""Echo cancellation and noise suppression on a simulated room.

The room: what the speaker plays comes back into the microphone 60 ms later at
-10 dB (an echo), mixed with what the person near the microphone says. Blocks flow
as in a call: the speaker's callback hands over two 10 ms blocks, then the media
loop processes one 20 ms microphone frame.
"""

from __future__ import annotations

import numpy as np
import pytest
from soundkit import aligned_correlation, rms_dbfs

from desktop.media import echo
from desktop.media.echo import EchoCanceller
from desktop.media.errors import MediaErrorCode
from desktop.media.pcm import BLOCK_SAMPLES, FRAME_SAMPLES, SAMPLE_RATE, Samples

ECHO_DELAY = int(0.060 * SAMPLE_RATE)
ECHO_GAIN = 0.3
SECONDS = 12
NEAR_FROM = 8
"""The near-end person talks from this second on; before it, only the echo is there."""


def speech_like(seed: int, seconds: int) -> Samples:
    """Noise shaped like a voice's spectrum (formants near 500, 1500 and 2500 Hz),
    in syllables of about 0.15 s with pauses between phrases."""
    rng = np.random.default_rng(seed)
    count = seconds * SAMPLE_RATE
    frequencies = np.fft.rfftfreq(count, 1 / SAMPLE_RATE)
    shape = (frequencies > 80) * (frequencies < 7000) / np.sqrt(1 + (frequencies / 500) ** 2)
    for formant in (500, 1500, 2500):
        shape += 0.5 * np.exp(-(((frequencies - formant) / 200) ** 2))
    voice = np.fft.irfft(np.fft.rfft(rng.standard_normal(count)) * shape, count)
    t = np.arange(count) / SAMPLE_RATE
    syllables = np.maximum(0, np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6))) ** 2
    phrases = np.sin(2 * np.pi * 0.37 * t) > -0.3
    voice *= syllables * phrases
    scaled: Samples = (0.5 * voice / np.abs(voice).max()).astype(np.float32)
    return scaled


def run_call(canceller: EchoCanceller, far: Samples, near: Samples) -> tuple[Samples, Samples]:
    """Play ``far`` and capture the echo plus ``near``; returns (microphone, processed)."""
    microphone = near.copy()
    microphone[ECHO_DELAY:] += ECHO_GAIN * far[:-ECHO_DELAY]
    processed = np.zeros_like(microphone)
    for start in range(0, len(far), FRAME_SAMPLES):
        for block in range(start, start + FRAME_SAMPLES, BLOCK_SAMPLES):
            canceller.process_render(far[block : block + BLOCK_SAMPLES])
        frame = microphone[start : start + FRAME_SAMPLES]
        processed[start : start + FRAME_SAMPLES] = canceller.process_capture(frame)
    return microphone, processed


def seconds(samples: Samples, start: float, end: float) -> Samples:
    return samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]


def test_echo_is_removed_and_the_near_end_kept() -> None:
    far = speech_like(1, SECONDS)
    far[NEAR_FROM * SAMPLE_RATE :] = 0  # the far end falls silent, the near end talks
    near = speech_like(2, SECONDS) * 0.5
    near[: NEAR_FROM * SAMPLE_RATE] = 0

    microphone, processed = run_call(EchoCanceller(), far, near)

    for start in (2, 4, 6):  # after two seconds to converge
        erle = rms_dbfs(seconds(microphone, start, start + 2)) - rms_dbfs(
            seconds(processed, start, start + 2)
        )
        assert erle >= 15, f"echo return loss enhancement {erle:.1f} dB at {start}-{start + 2} s"
    kept, _ = aligned_correlation(seconds(processed, 8.5, 12), seconds(near, 8.6, 11.5))
    assert kept >= 0.9
    assert rms_dbfs(seconds(processed, 8.5, 12)) == pytest.approx(
        rms_dbfs(seconds(near, 8.5, 12)), abs=3
    )


def test_switched_off_passes_the_microphone_through() -> None:
    canceller = EchoCanceller(enabled=False)
    far = speech_like(1, 2)
    microphone, processed = run_call(canceller, far, speech_like(2, 2) * 0.5)

    assert canceller.error is None
    assert np.array_equal(processed, microphone)


def test_switching_on_and_off_during_a_call() -> None:
    canceller = EchoCanceller()
    far = speech_like(1, 4)
    run_call(canceller, far, np.zeros_like(far))
    canceller.enabled = False
    microphone, processed = run_call(canceller, far, np.zeros_like(far))
    assert np.array_equal(processed, microphone)

    canceller.enabled = True
    microphone, processed = run_call(canceller, far, np.zeros_like(far))
    assert rms_dbfs(seconds(microphone, 2, 4)) - rms_dbfs(seconds(processed, 2, 4)) >= 15


def test_noise_suppression_lowers_steady_noise() -> None:
    rng = np.random.default_rng(3)
    noise = (0.01 * rng.standard_normal(4 * SAMPLE_RATE)).astype(np.float32)  # -40 dBFS

    _, processed = run_call(EchoCanceller(), np.zeros_like(noise), noise)

    reduction = rms_dbfs(seconds(noise, 2, 4)) - rms_dbfs(seconds(processed, 2, 4))
    # WebRTC lowers steady noise by 6-7 dB whatever its level setting.
    assert reduction >= 5, f"noise lowered by only {reduction:.1f} dB"


def test_without_noise_suppression_noise_stays() -> None:
    rng = np.random.default_rng(3)
    noise = (0.01 * rng.standard_normal(4 * SAMPLE_RATE)).astype(np.float32)

    _, processed = run_call(EchoCanceller(noise_suppression=False), np.zeros_like(noise), noise)

    assert rms_dbfs(seconds(processed, 2, 4)) == pytest.approx(
        rms_dbfs(seconds(noise, 2, 4)), abs=1
    )


def test_without_the_library_the_call_goes_on_unprocessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The package is installed here; take it away as a machine without it would.
    monkeypatch.setattr(echo, "_webrtc", None)
    canceller = EchoCanceller(enabled=True)
    far = speech_like(1, 1)

    microphone, processed = run_call(canceller, far, np.zeros_like(far))

    assert not canceller.enabled
    assert canceller.error is not None
    assert canceller.error.code is MediaErrorCode.ECHO_CANCELLER_MISSING
    assert "pywebrtc-audio" in canceller.error.message
    assert np.array_equal(processed, microphone)


def test_a_late_speaker_leaves_gaps_counted() -> None:
    canceller = EchoCanceller()
    frame = np.zeros(FRAME_SAMPLES, dtype=np.float32)
    canceller.process_render(frame[:BLOCK_SAMPLES])
    canceller.process_capture(frame)
    assert canceller.reference_gaps == 1

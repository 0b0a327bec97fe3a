"""The call codec: what comes out of encode → decode, FEC and concealment."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from aiortc.codecs.opus import OpusEncoder as AiortcOpusEncoder

from desktop.media.errors import MediaError, MediaErrorCode
from desktop.media.opus import OpusDecoder, OpusEncoder, load_first, packet_has_lbrr
from desktop.media.pcm import FRAME_SAMPLES, SAMPLE_RATE, Samples

CODEC_DELAY = 312
"""Samples libopus's decoded output lags its input (the encoder's look-ahead)."""


def tones(seconds: float, *frequencies: float, amplitude: float = 0.2) -> Samples:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    mixed = sum(amplitude * np.sin(2 * np.pi * f * t) for f in frequencies)
    return np.asarray(mixed, dtype=np.float32)


def synthetic_voice(seconds: float, seed: int = 1) -> Samples:
    """Voiced, speech-like sound: a gliding 120–200 Hz harmonic series shaped by
    moving formants, in syllables of about 140 ms (libopus adds FEC only to speech)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = 155 + 30 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 2.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    first = 600 + 250 * np.sin(2 * np.pi * 0.9 * t)
    second = 1500 + 500 * np.sin(2 * np.pi * 0.6 * t + 1)
    voice = np.zeros_like(t)
    for harmonic in range(1, 30):
        f = harmonic * pitch
        envelope = (
            np.exp(-(((f - first) / 120) ** 2))
            + 0.6 * np.exp(-(((f - second) / 160) ** 2))
            + 0.3 * np.exp(-(((f - 2500) / 200) ** 2))
            + 0.02
        )
        voice += envelope / np.sqrt(harmonic) * np.sin(harmonic * phase)
    voice *= np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 0.6
    voice += 0.003 * np.random.default_rng(seed).standard_normal(len(t))
    peak = float(np.max(np.abs(voice)))
    return (0.3 * voice / peak).astype(np.float32)


def espeak_speech(tmp_path: Path) -> Samples | None:
    """Real synthetic speech at 48 kHz, or None where espeak-ng is not installed."""
    if shutil.which("espeak-ng") is None:
        return None
    path = tmp_path / "speech.wav"
    text = "Welcome to team alpha. Please join your breakout room now."
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, timeout=30)
    with wave.open(str(path)) as file:
        rate = file.getframerate()
        pcm = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2") / 32768.0
    times = np.arange(int(len(pcm) * SAMPLE_RATE / rate)) / SAMPLE_RATE
    speech = np.interp(times, np.arange(len(pcm)) / rate, pcm)
    peak = float(np.max(np.abs(speech)))
    return (0.5 * speech / peak).astype(np.float32)


def encode_all(samples: Samples) -> list[bytes]:
    encoder = OpusEncoder()
    count = len(samples) // FRAME_SAMPLES
    return [
        bytes(encoder.encode(samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]))
        for i in range(count)
    ]


def decode_all(packets: list[bytes], lost: int = -1, how: str = "") -> Samples:
    """Decode in order; frame ``lost`` is recovered by ``how`` (fec, conceal, silence)."""
    out = np.zeros(len(packets) * FRAME_SAMPLES, dtype=np.float32)
    with OpusDecoder() as decoder:
        for index, payload in enumerate(packets):
            frame = out[index * FRAME_SAMPLES : (index + 1) * FRAME_SAMPLES]
            if index != lost:
                assert decoder.decode(payload, frame) == FRAME_SAMPLES
            elif how == "fec":
                assert decoder.decode_fec(packets[index + 1], frame) == FRAME_SAMPLES
            elif how == "conceal":
                assert decoder.conceal(frame) == FRAME_SAMPLES
    return out


def spectrum_peaks(samples: Samples, count: int) -> list[float]:
    """The ``count`` strongest frequencies (Hz), at least 50 Hz apart."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    frequencies = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    peaks: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(frequencies[index] - p) > 50 for p in peaks):
            peaks.append(float(frequencies[index]))
        if len(peaks) == count:
            break
    return sorted(peaks)


def rms_db(samples: Samples) -> float:
    return 10 * float(np.log10(np.mean(np.square(samples, dtype=np.float64)) + 1e-20))


def snr_db(reference: Samples, test: Samples) -> float:
    error = np.sum(np.square(reference - test, dtype=np.float64))
    return 10 * float(np.log10(np.sum(np.square(reference, dtype=np.float64)) / (error + 1e-20)))


def test_two_tones_come_back_at_their_frequencies_and_level() -> None:
    source = tones(1.0, 440, 1000)
    decoded = decode_all(encode_all(source))

    steady_in = source[4800:43200]
    steady_out = decoded[4800 + CODEC_DELAY : 43200 + CODEC_DELAY]
    assert spectrum_peaks(steady_out, 2) == pytest.approx([440, 1000], abs=2)
    assert rms_db(steady_out) == pytest.approx(rms_db(steady_in), abs=1.0)


def test_decoded_voice_lines_up_with_the_source_after_the_codec_delay() -> None:
    source = synthetic_voice(1.0)
    decoded = decode_all(encode_all(source))
    part = source[4800:38400]
    lags = np.correlate(decoded[4800 : 38400 + 2000], part, mode="valid")
    assert int(np.argmax(lags)) == pytest.approx(CODEC_DELAY, abs=6)
    aligned = decoded[4800 + CODEC_DELAY : 38400 + CODEC_DELAY]
    assert np.corrcoef(aligned, part)[0, 1] > 0.8


@pytest.mark.parametrize("kind", ["voice", "tones"])
def test_packets_are_about_80_bytes_at_32_kbits(kind: str) -> None:
    source = synthetic_voice(2.0) if kind == "voice" else tones(2.0, 440, 1000)
    sizes = [len(payload) for payload in encode_all(source)]
    assert 40 <= np.mean(sizes) <= 120
    assert max(sizes) <= 200


def test_packets_count_samples_from_zero_for_aiortc() -> None:
    encoder = OpusEncoder()
    source = synthetic_voice(0.2)
    packets = [encoder.encode(source[i * 960 : (i + 1) * 960]) for i in range(10)]

    assert [packet.pts for packet in packets] == [i * FRAME_SAMPLES for i in range(10)]
    assert all(packet.time_base == packet.time_base.__class__(1, SAMPLE_RATE) for packet in packets)
    # What each peer's aiortc sender does with the shared packet: the same bytes and
    # timestamp every time it is read.
    packer = AiortcOpusEncoder()
    for index, packet in enumerate(packets):
        first = packer.pack(packet)
        again = packer.pack(packet)
        assert first == again == ([bytes(packet)], index * FRAME_SAMPLES)


def test_encoder_refuses_frames_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="960"):
        OpusEncoder().encode(np.zeros(480, dtype=np.float32))


def voiced_losses(packets: list[bytes], decoder: OpusDecoder, count: int) -> list[int]:
    """Frames well inside the stream whose successor carries FEC data."""
    usable = [i for i in range(10, len(packets) - 2) if decoder.has_fec(packets[i + 1])]
    return usable[:: max(1, len(usable) // count)][:count]


@pytest.mark.parametrize("source", ["synthetic", "espeak"])
def test_fec_recovers_a_lost_speech_frame(source: str, tmp_path: Path) -> None:
    speech = espeak_speech(tmp_path) if source == "espeak" else None
    # Where espeak-ng is missing, synthetic voice stands in rather than skipping.
    speech = synthetic_voice(4.0) if speech is None else speech
    packets = encode_all(speech)
    reference = decode_all(packets)
    with OpusDecoder() as decoder:
        losses = voiced_losses(packets, decoder, 12)
    assert len(losses) >= 8

    fec, silence = [], []
    for lost in losses:
        frame = slice(lost * FRAME_SAMPLES, (lost + 1) * FRAME_SAMPLES)
        fec.append(snr_db(reference[frame], decode_all(packets, lost, "fec")[frame]))
        silence.append(snr_db(reference[frame], decode_all(packets, lost, "silence")[frame]))
    # Silence scores 0 dB; FEC's low-bit-rate copy comes close to the real frame.
    assert np.median(fec) >= np.median(silence) + 8


def test_concealment_continues_the_sound() -> None:
    packets = encode_all(tones(0.6, 440))
    reference = decode_all(packets)
    concealed = decode_all(packets, 20, "conceal")
    frame = concealed[20 * FRAME_SAMPLES : 21 * FRAME_SAMPLES]
    truth = reference[20 * FRAME_SAMPLES : 21 * FRAME_SAMPLES]

    assert rms_db(frame) == pytest.approx(rms_db(truth), abs=6)
    assert spectrum_peaks(frame, 1) == pytest.approx([440], abs=60)


def test_fec_flag_tells_which_packets_can_recover_their_predecessor() -> None:
    """Ground truth: a packet carries FEC exactly when FEC decoding differs from
    concealment (libopus conceals when there is no FEC data)."""
    source = np.concatenate([synthetic_voice(1.2), np.zeros(9600, dtype=np.float32)])
    packets = encode_all(source)
    truth, flags = [], []
    with OpusDecoder() as decoder:
        for index in range(5, len(packets) - 1):
            with OpusDecoder() as fec, OpusDecoder() as plc:
                scratch = np.zeros(FRAME_SAMPLES, dtype=np.float32)
                for payload in packets[:index]:
                    fec.decode(payload, scratch)
                    plc.decode(payload, scratch)
                recovered = np.zeros(FRAME_SAMPLES, dtype=np.float32)
                concealed = np.zeros(FRAME_SAMPLES, dtype=np.float32)
                fec.decode_fec(packets[index + 1], recovered)
                plc.conceal(concealed)
            truth.append(not np.array_equal(recovered, concealed))
            flags.append(decoder.has_fec(packets[index + 1]))
            assert packet_has_lbrr(packets[index + 1]) == flags[-1]
    assert flags == truth
    assert 5 <= sum(flags) <= len(flags) - 5


def test_decoder_writes_only_the_frame_it_is_given() -> None:
    packets = encode_all(tones(0.1, 440))
    buffer = np.full(3 * FRAME_SAMPLES, 7.0, dtype=np.float32)
    with OpusDecoder() as decoder:
        for payload in packets:
            decoder.decode(payload, buffer[FRAME_SAMPLES : 2 * FRAME_SAMPLES])
    assert np.all(buffer[:FRAME_SAMPLES] == 7.0)
    assert np.all(buffer[2 * FRAME_SAMPLES :] == 7.0)
    assert rms_db(buffer[FRAME_SAMPLES : 2 * FRAME_SAMPLES]) > -20


def test_a_malformed_packet_is_a_codec_error() -> None:
    # Frame-count code 3 with a count of zero frames is invalid.
    with OpusDecoder() as decoder, pytest.raises(MediaError) as caught:
        decoder.decode(b"\x0b\x00", np.zeros(FRAME_SAMPLES, dtype=np.float32))
    assert caught.value.code is MediaErrorCode.CODEC_FAILED
    assert "corrupted" in caught.value.message


def test_a_closed_decoder_refuses_to_decode() -> None:
    decoder = OpusDecoder()
    decoder.close()
    decoder.close()
    with pytest.raises(MediaError) as caught:
        decoder.conceal(np.zeros(FRAME_SAMPLES, dtype=np.float32))
    assert caught.value.code is MediaErrorCode.CODEC_FAILED


def test_a_missing_library_is_reported_with_a_stable_code(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        load_first([str(tmp_path / "libopus.so.0")])
    assert caught.value.code is MediaErrorCode.CODEC_MISSING
    assert "Opus" in caught.value.message


def test_codec_cost_per_second_of_audio() -> None:
    speech = synthetic_voice(5.0)
    started = time.process_time()
    packets = encode_all(speech)
    encoding = (time.process_time() - started) / 5.0
    started = time.process_time()
    decode_all(packets)
    decoding = (time.process_time() - started) / 5.0
    # Measured ~0.02 and ~0.002 CPU-s; the bounds leave room for a busy machine.
    assert encoding < 0.15
    assert decoding < 0.1


@pytest.mark.parametrize(
    "buffer",
    [
        np.zeros(FRAME_SAMPLES, dtype=np.float64),
        np.zeros(FRAME_SAMPLES // 2, dtype=np.float32),
        np.zeros(2 * FRAME_SAMPLES, dtype=np.float32)[::2],
    ],
    ids=["float64", "too-short", "strided"],
)
def test_decoder_refuses_a_buffer_it_cannot_write_a_frame_into(buffer: Samples) -> None:
    packet = encode_all(synthetic_voice(0.02))[0]
    with OpusDecoder() as decoder, pytest.raises(ValueError, match="960"):
        decoder.decode(packet, buffer)


def test_decoder_refuses_a_read_only_buffer() -> None:
    packet = encode_all(synthetic_voice(0.02))[0]
    buffer = np.zeros(FRAME_SAMPLES, dtype=np.float32)
    buffer.flags.writeable = False
    with OpusDecoder() as decoder, pytest.raises(ValueError, match="writeable"):
        decoder.decode(packet, buffer)


def test_decoding_into_alternating_buffers_gives_the_stream_in_order() -> None:
    """The playout buffer swaps its two frame buffers; each decode lands where asked."""
    packets = encode_all(synthetic_voice(0.5))
    expected = decode_all(packets)
    buffers = [np.zeros(FRAME_SAMPLES, dtype=np.float32) for _ in range(2)]
    frames = []
    with OpusDecoder() as decoder:
        for index, packet in enumerate(packets):
            out = buffers[index % 2]
            decoder.decode(packet, out)
            frames.append(out.copy())
    assert np.array_equal(np.concatenate(frames), expected)

"""The playout buffer under a simulated clock: order, loss, jitter, stalls, restarts.

Each test replays a list of packet arrivals against the real codec and ring: packets
are pushed at their arrival time, the engine's 10 ms tick calls ``fill``, and a
simulated sound device drains the ring in 10 ms blocks, recording what it plays
and the buffer's queued delay after every block.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from desktop.media.opus import OpusDecoder, OpusEncoder
from desktop.media.pcm import BLOCK_SAMPLES, FRAME_SAMPLES, SAMPLE_RATE, PcmRing, Samples
from desktop.media.playout import ArrivalJitter, PlayoutBuffer, PlayoutStats, unwrap

FRAME = FRAME_SAMPLES / SAMPLE_RATE
NETWORK = 0.001
"""One-way network delay of the simulated loopback, in seconds."""
READ_PHASE = 0.003
TICK_PHASE = 0.007
CODEC_DELAY_MS = 6.5


def synthetic_voice(seconds: float) -> Samples:
    """Voiced, speech-like sound (libopus adds FEC only to speech): a gliding
    harmonic series under moving formants, in syllables with pauses between."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = 155 + 30 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 2.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    formant = 600 + 250 * np.sin(2 * np.pi * 0.9 * t)
    voice = np.zeros_like(t)
    for harmonic in range(1, 30):
        envelope = np.exp(-(((harmonic * pitch - formant) / 150) ** 2)) + 0.05
        voice += envelope / np.sqrt(harmonic) * np.sin(harmonic * phase)
    voice *= np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 0.6
    voice += 0.003 * np.random.default_rng(7).standard_normal(len(t))
    peak = float(np.max(np.abs(voice)))
    return (0.3 * voice / peak).astype(np.float32)


@dataclass(frozen=True)
class Stream:
    source: Samples
    packets: list[bytes]

    def on_time(self, index: int) -> float:
        """When packet ``index`` arrives without jitter: sent when its frame is
        complete, plus the network delay."""
        return (index + 1) * FRAME + NETWORK


@pytest.fixture(scope="module")
def stream() -> Stream:
    source = synthetic_voice(8.0)
    encoder = OpusEncoder()
    count = len(source) // FRAME_SAMPLES
    packets = [
        bytes(encoder.encode(source[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]))
        for i in range(count)
    ]
    return Stream(source, packets)


@dataclass
class Playback:
    """What the simulated device played, and the buffer's state after each block."""

    output: Samples
    times: np.ndarray
    queued_ms: np.ndarray
    target_ms: np.ndarray
    short_reads: int
    stats: PlayoutStats

    def queued(self, start: float, end: float) -> float:
        """Mean queued delay (ms) over blocks read in [start, end)."""
        chosen = (self.times >= start) & (self.times < end)
        return float(np.mean(self.queued_ms[chosen]))

    def latency_ms(self, source: Samples) -> float:
        """Source sample → played, from the best alignment of a 1 s stretch."""
        part = source[SAMPLE_RATE : 2 * SAMPLE_RATE]
        search = self.output[SAMPLE_RATE : 2 * SAMPLE_RATE + 9600]
        lag = int(np.argmax(np.correlate(search, part, mode="valid")))
        return 1000 * READ_PHASE + 1000 * lag / SAMPLE_RATE


class RecordingDecoder(OpusDecoder):
    """The real decoder, noting which payloads it decoded in which order."""

    def __init__(self) -> None:
        super().__init__()
        self.decoded: list[bytes] = []

    def decode(self, payload: bytes, out: Samples) -> int:
        self.decoded.append(payload)
        return super().decode(payload, out)


def play(
    stream: Stream,
    arrivals: Iterable[tuple[float, int]],
    *,
    numbering: Callable[[int], tuple[int, int]] = lambda index: (index, index * FRAME_SAMPLES),
    decoder: OpusDecoder | None = None,
) -> Playback:
    """Replay ``arrivals`` (time, packet index) until the last one has played."""
    arrivals = sorted(arrivals)
    end = arrivals[-1][0] + 0.005
    events: list[tuple[float, int, int]] = [(t, 1, index) for t, index in arrivals]
    for block in range(int(end / 0.010) + 1):
        events.append((READ_PHASE + block * 0.010, 0, -1))
        events.append((TICK_PHASE + block * 0.010, 2, -1))
    events.sort()
    ring = PcmRing(9600)
    buffer = PlayoutBuffer(decoder)
    block_out = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
    output, times, queued, target = [], [], [], []
    short_reads, started = 0, False
    for time, kind, index in events:
        if kind == 1:
            sequence, timestamp = numbering(index)
            buffer.push(sequence & 0xFFFF, timestamp & 0xFFFFFFFF, stream.packets[index], time)
            buffer.fill(ring, time)
        elif kind == 2:
            buffer.fill(ring, time)
        else:
            block_out[:] = 0
            got = ring.read_into(block_out)
            started = started or got > 0
            short_reads += started and got < BLOCK_SAMPLES
            output.append(block_out.copy())
            stats = buffer.stats
            times.append(time)
            queued.append(stats.queued_ms)
            target.append(stats.target_ms)
    stats = buffer.stats
    buffer.close()
    return Playback(
        np.concatenate(output),
        np.array(times),
        np.array(queued),
        np.array(target),
        short_reads,
        stats,
    )


def on_time(
    stream: Stream, skip: Callable[[int], bool] = lambda index: False
) -> list[tuple[float, int]]:
    return [(stream.on_time(i), i) for i in range(len(stream.packets)) if not skip(i)]


def test_an_in_order_stream_plays_continuously_with_little_delay(stream: Stream) -> None:
    playback = play(stream, on_time(stream))

    assert playback.short_reads == 0
    assert playback.stats.decoded == len(stream.packets)
    assert playback.stats.concealed == playback.stats.fec == playback.stats.dropped == 0
    settled = playback.queued_ms[10:]
    assert np.mean(settled) <= 20
    assert np.max(settled) <= 30
    # Source → played: 20 ms framing, the network, the codec, then the buffer.
    buffered = playback.latency_ms(stream.source) - 1000 * (FRAME + NETWORK) - CODEC_DELAY_MS
    assert 5 <= buffered <= 25


def test_reordered_packets_are_played_in_order(stream: Stream) -> None:
    arrivals = on_time(stream)
    for first in (100, 200, 300):  # each pair arrives swapped, at the second's time
        arrivals[first] = (stream.on_time(first + 1) + 0.0005, first)
    decoder = RecordingDecoder()
    playback = play(stream, arrivals, decoder=decoder)

    assert decoder.decoded == stream.packets
    assert playback.stats.late == playback.stats.fec == 0
    assert playback.short_reads == 0


def test_a_single_loss_is_recovered_by_fec_without_lasting_delay(stream: Stream) -> None:
    with OpusDecoder() as decoder:  # within a syllable: its successor carries FEC
        lost = next(i for i in range(100, 150) if decoder.has_fec(stream.packets[i + 1]))
    playback = play(stream, on_time(stream, lambda index: index == lost))
    loss = stream.on_time(lost)

    assert playback.stats.fec == 1
    # While waiting for the lost frame one frame was concealed; once the next packet
    # recovered it, a frame was dropped again to give the delay back.
    assert playback.stats.concealed == playback.stats.dropped == 1
    assert playback.stats.decoded + playback.stats.dropped == len(stream.packets) - 1
    assert playback.short_reads == 0
    before = playback.queued(loss - 1.0, loss)
    assert abs(playback.queued(loss + 0.5, loss + 1.0) - before) <= 5


def test_delay_returns_after_one_percent_random_loss(stream: Stream) -> None:
    chooser = random.Random(3)
    lost = sorted(i for i in range(10, len(stream.packets) - 10) if chooser.random() < 0.01)
    assert len(lost) >= 3
    reference = play(stream, on_time(stream))
    playback = play(stream, on_time(stream, lambda index: index in lost))

    assert playback.stats.fec + playback.stats.concealed >= len(lost)
    assert abs(playback.queued(1.0, 8.0) - reference.queued(1.0, 8.0)) <= 2.5
    for index in lost:
        loss = stream.on_time(index)
        before = playback.queued(loss - 0.5, loss)
        assert abs(playback.queued(loss + 0.8, loss + 1.0) - before) <= 10, f"after {index}"


def test_delay_returns_after_a_burst_loss(stream: Stream) -> None:
    burst = range(100, 105)
    playback = play(stream, on_time(stream, lambda index: index in burst))
    loss = stream.on_time(burst[0])

    assert playback.stats.fec + playback.stats.concealed >= len(burst)
    assert playback.stats.late == 0
    before = playback.queued(loss - 1.0, loss)
    assert abs(playback.queued(loss + 0.8, loss + 1.0) - before) <= 10
    assert abs(playback.queued(loss + 1.0, loss + 3.0) - before) <= 2.5


def test_jitter_grows_the_target_and_calm_shrinks_it(stream: Stream) -> None:
    delays = random.Random(5)
    jittery = range(100, 250)  # 2 s to 5 s: each packet 0–30 ms later
    arrivals = [
        (stream.on_time(i) + (delays.uniform(0, 0.030) if i in jittery else 0), i)
        for i in range(len(stream.packets))
    ]
    playback = play(stream, arrivals)

    def target(start: float, end: float) -> float:
        chosen = (playback.times >= start) & (playback.times < end)
        return float(np.median(playback.target_ms[chosen]))

    calm_before, jittery_target = target(1.0, 2.0), target(3.0, 5.0)
    assert jittery_target >= calm_before + 20
    assert playback.queued(3.0, 5.0) >= playback.queued(1.0, 2.0) + 10
    # Packets later than the buffer covers are concealed: rare once it has grown.
    assert playback.stats.concealed <= 4
    assert playback.stats.late <= 4
    assert playback.short_reads == 0
    # Calm again from 5 s: back to where it was within about two seconds.
    assert target(7.5, 8.0) == pytest.approx(calm_before, abs=1)
    assert abs(playback.queued(7.5, 8.0) - playback.queued(1.0, 2.0)) <= 5


def test_a_stall_followed_by_a_burst_leaves_no_delay_behind(stream: Stream) -> None:
    stalled = range(100, 115)  # 300 ms of packets held back, then all at once
    burst_time = stream.on_time(stalled[-1] + 1)
    arrivals = [(burst_time if i in stalled else stream.on_time(i), i) for i in range(400)]
    playback = play(stream, arrivals)

    assert playback.stats.dropped >= 12
    before = playback.queued(1.0, 2.0)
    assert abs(playback.queued(burst_time + 0.2, burst_time + 1.0) - before) <= 5
    assert playback.queued(burst_time + 1.0, 7.5) == pytest.approx(before, abs=2.5)


def test_sequence_and_timestamp_wrap_around_changes_nothing(stream: Stream) -> None:
    plain = play(stream, on_time(stream))
    wrapping = play(
        stream,
        on_time(stream),
        numbering=lambda index: (65535 - 100 + index, 2**32 - 960 * 50 + index * 960),
    )

    np.testing.assert_array_equal(wrapping.output, plain.output)
    assert wrapping.stats == plain.stats


def test_duplicates_are_ignored(stream: Stream) -> None:
    plain = play(stream, on_time(stream))
    doubled = on_time(stream) + [(stream.on_time(i) + 0.004, i) for i in range(0, 400, 10)]
    playback = play(stream, doubled)

    assert playback.stats.duplicates == 40
    assert playback.stats.late == 0
    np.testing.assert_array_equal(playback.output, plain.output)


def test_a_peer_that_stops_and_restarts_resumes_without_backlog(stream: Stream) -> None:
    silent = range(100, 150)  # the peer sends nothing for a second
    playback = play(stream, on_time(stream, lambda index: index in silent))
    stop, restart = stream.on_time(silent[0]), stream.on_time(silent[-1] + 1)

    # A few concealed frames, then silence rather than endless concealment.
    assert 1 <= playback.stats.concealed <= 5
    quiet = playback.output[int((stop + 0.2) * SAMPLE_RATE) : int(restart * SAMPLE_RATE)]
    assert np.all(quiet == 0)
    assert playback.queued(stop + 0.2, restart) == 0
    before = playback.queued(1.0, 2.0)
    assert playback.queued(restart + 0.1, 7.5) == pytest.approx(before, abs=2.5)
    assert playback.stats.decoded == len(stream.packets) - len(silent)


@pytest.mark.parametrize("jump", [30_000, -20_000])
def test_a_sender_that_renumbers_its_stream_is_followed(stream: Stream, jump: int) -> None:
    """Sequence numbers and timestamps jump at 4 s (a sender that restarted)."""

    def numbering(index: int) -> tuple[int, int]:
        shift = jump if index >= 200 else 0
        return index + shift, (index + shift) * FRAME_SAMPLES

    playback = play(stream, on_time(stream), numbering=numbering)
    restart = stream.on_time(200)

    # Ahead: followed at once. Behind: late until the stream stops, then restarted.
    assert playback.stats.late <= (0 if jump > 0 else 8)
    assert playback.stats.decoded >= len(stream.packets) - 8
    before = playback.queued(2.0, 4.0)
    assert playback.queued(restart + 0.5, 7.5) == pytest.approx(before, abs=2.5)


def test_late_packets_are_counted_and_dropped(stream: Stream) -> None:
    arrivals = on_time(stream)
    arrivals[200] = (stream.on_time(200) + 0.200, 200)  # long after its turn
    playback = play(stream, arrivals)

    assert playback.stats.late == 1
    # Its frame was recovered from the next packet's FEC; the frame inserted while
    # waiting for it was dropped again later.
    assert playback.stats.fec == 1
    assert playback.stats.decoded + playback.stats.dropped == len(stream.packets) - 1


def test_arrival_lateness_counts_a_burst_once() -> None:
    jitter = ArrivalJitter()
    for index in range(90):
        jitter.observe(index * FRAME, index * FRAME + 0.001)
    # A 200 ms stall: ten packets arrive together, the first 200 ms late.
    for index in range(90, 100):
        jitter.observe(index * FRAME, 100 * FRAME + 0.001)
    assert jitter.allowance() == pytest.approx(0, abs=1e-9)
    for index in range(100, 110):  # ten separate late arrivals do count
        jitter.observe(index * FRAME, index * FRAME + 0.021)
    assert jitter.allowance() == pytest.approx(0.020, abs=1e-6)


@given(st.lists(st.sampled_from([0.0, 0.0005, 0.004, 0.05, 0.25]), min_size=1, max_size=400))
@example([0.0] + [0.25] * 6 + [0.0] * 120)  # the late ones leave the window
def test_the_allowance_is_the_95th_percentile_of_the_last_hundred_events(
    delays: list[float],
) -> None:
    """Kept in order as events come, go and grow; checked against sorting them."""
    jitter = ArrivalJitter()
    events: list[float] = []
    last = -math.inf
    for index, delay in enumerate(delays):
        arrival = index * FRAME + delay
        joins = arrival - last <= ArrivalJitter.SAME_EVENT
        lateness = jitter.observe(index * FRAME, arrival)
        if joins:
            events[-1] = max(events[-1], lateness)
        else:
            events.append(lateness)
        last = arrival
        recent = sorted(events[-ArrivalJitter.EVENTS :])
        assert jitter.allowance() == recent[max(0, math.ceil(0.95 * len(recent)) - 1)]


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [(5, 65530, 65541), (65530, 65541, 65530), (0, 0, 0), (100, 131172, 131172)],
)
def test_unwrap_finds_the_nearest_extension(value: int, reference: int, expected: int) -> None:
    assert unwrap(value, reference, 16) == expected

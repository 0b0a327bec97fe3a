"""The playback mixer: sums, gains, mute, limiter, underruns, allocation, threads."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from desktop.media.mixer import KNEE, Mixer, to_dbfs
from desktop.media.pcm import BLOCK_SAMPLES, SAMPLE_RATE, Samples


def tone(frequency: float, amplitude: float, samples: int, phase: float = 0.0) -> Samples:
    t = np.arange(samples) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.float32)


def amplitude_at(samples: Samples, frequency: float) -> float:
    """Amplitude of the sine at ``frequency`` (whole cycles in ``samples`` assumed)."""
    spectrum = np.fft.rfft(samples.astype(np.float64))
    index = round(frequency * len(samples) / SAMPLE_RATE)
    return float(2 * np.abs(spectrum[index]) / len(samples))


def render_blocks(mixer: Mixer, count: int) -> Samples:
    blocks = []
    for _ in range(count):
        out = np.full(BLOCK_SAMPLES, np.nan, dtype=np.float32)
        mixer.render(out)
        blocks.append(out)
    return np.concatenate(blocks)


def test_sources_are_summed_with_their_gains() -> None:
    mixer = Mixer()
    low, high = tone(400, 0.2, 4800), tone(1000, 0.2, 4800)
    mixer.add_source("ann").write(low)
    mixer.add_source("bob").write(high)
    mixer.set_gain("ann", 0.5)
    mixer.set_gain("bob", 1.5)
    mixed = render_blocks(mixer, 10)

    np.testing.assert_allclose(mixed, 0.5 * low + 1.5 * high, atol=1e-6)
    assert amplitude_at(mixed, 400) == pytest.approx(0.1, rel=1e-3)
    assert amplitude_at(mixed, 1000) == pytest.approx(0.3, rel=1e-3)


def test_a_muted_source_is_silent_but_still_measured() -> None:
    mixer = Mixer()
    low, high = tone(400, 0.2, 4800), tone(1000, 0.2, 4800)
    mixer.add_source("ann").write(low)
    bob = mixer.add_source("bob")
    bob.write(high)
    mixer.set_muted("bob", True)
    mixed = render_blocks(mixer, 10)

    np.testing.assert_array_equal(mixed, low)
    assert bob.available == 0  # drained all the same: no delay builds up
    # A 0.2 sine has an RMS of 0.1414: -17 dBFS.
    assert mixer.levels()["bob"] == pytest.approx(-17.0, abs=0.1)


def test_output_mute_silences_everything_and_keeps_draining() -> None:
    mixer = Mixer()
    ring = mixer.add_source("ann")
    ring.write(tone(400, 0.2, 4800))
    mixer.set_output_muted(True)
    assert not np.any(render_blocks(mixer, 5))
    assert ring.available == 4800 - 5 * BLOCK_SAMPLES
    mixer.set_output_muted(False)
    np.testing.assert_array_equal(render_blocks(mixer, 5), tone(400, 0.2, 4800)[2400:])


def test_the_limiter_keeps_eight_loud_sources_within_full_scale() -> None:
    mixer = Mixer()
    for index in range(8):  # in phase: peaks add up to 4.8
        mixer.add_source(f"peer{index}").write(tone(300 + 100 * index, 0.6, 9600))
    mixed = render_blocks(mixer, 20)

    assert np.all(np.isfinite(mixed))
    assert np.max(np.abs(mixed)) <= 1.0
    # Loud but not flattened: the gain settles so peaks sit at the knee.
    assert np.max(np.abs(mixed[4800:])) == pytest.approx(KNEE, abs=0.02)
    assert amplitude_at(mixed[4800:], 300) > 0.05


def test_quiet_signals_pass_unchanged_also_after_the_limiter_recovers() -> None:
    mixer = Mixer()
    ring = mixer.add_source("ann")
    quiet = tone(440, 0.5, 4800) + tone(1300, 0.3, 4800)  # peaks below the knee
    ring.write(quiet)
    np.testing.assert_array_equal(render_blocks(mixer, 10), quiet)

    ring.write(tone(440, 3.0, 2400))  # a shout: the limiter engages
    loud = render_blocks(mixer, 5)
    assert np.max(np.abs(loud)) <= 1.0
    for _ in range(25):  # 2.5 s of speech at normal level: the gain recovers
        ring.write(quiet)
        render_blocks(mixer, 10)
    ring.write(quiet)
    np.testing.assert_array_equal(render_blocks(mixer, 10), quiet)


def test_an_underrun_plays_silence_after_what_there_was() -> None:
    mixer = Mixer()
    ring = mixer.add_source("ann")
    sound = tone(440, 0.3, 780)
    ring.write(sound[:300])
    first = render_blocks(mixer, 1)
    np.testing.assert_array_equal(first[:300], sound[:300])
    assert not np.any(first[300:])
    ring.write(sound[300:])
    np.testing.assert_array_equal(render_blocks(mixer, 1), sound[300:])


def test_long_blocks_and_strided_views_are_rendered_whole() -> None:
    mixer = Mixer(max_block=BLOCK_SAMPLES)
    sound = tone(440, 0.3, 1000)
    mixer.add_source("ann").write(sound)
    device = np.full((1000, 2), 7.0, dtype=np.float32)  # what PortAudio hands over
    mixer.render(device[:, 0])

    np.testing.assert_array_equal(device[:, 0], sound)
    assert np.all(device[:, 1] == 7.0)


def test_levels_follow_each_source_and_fall_back() -> None:
    mixer = Mixer()
    mixer.add_source("ann").write(tone(440, 0.2, 4800))
    mixer.add_source("bob")
    render_blocks(mixer, 10)
    assert mixer.levels()["ann"] == pytest.approx(-17.0, abs=0.1)
    assert mixer.levels()["bob"] == -100.0
    render_blocks(mixer, 100)  # a second of silence from ann
    assert mixer.levels()["ann"] < -50
    assert to_dbfs(1.0) == 0.0


def test_sources_can_be_edited_and_removed() -> None:
    mixer = Mixer()
    mixer.add_source("ann")
    with pytest.raises(ValueError, match="ann"):
        mixer.add_source("ann")
    mixer.remove_source("ann")
    mixer.remove_source("ann")
    mixer.set_gain("nobody", 0.5)
    mixer.set_muted("nobody", True)
    assert mixer.levels() == {}


def test_render_allocates_no_arrays() -> None:
    """numpy reports its array buffers to tracemalloc under its own domain. Blocks
    are made large (4096 samples, 16 KiB) so that any temporary array stands far
    above the interpreter's own small objects in the peak."""
    block = 4096
    mixer = Mixer(max_block=block)
    rings = [mixer.add_source(f"peer{index}") for index in range(8)]
    loud = tone(500, 0.4, block)  # eight of them engage the limiter
    quiet = tone(500, 0.01, block)
    out = np.zeros(block, dtype=np.float32)

    def feed_and_render(round_: int) -> None:
        for index, ring in enumerate(rings):
            if (round_ + index) % 5:  # now and then a source underruns
                ring.write(loud if round_ < 500 else quiet)
        mixer.render(out)

    for round_ in range(20):
        feed_and_render(round_)
    tracemalloc.start()
    try:
        numpy_only = [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
        before = tracemalloc.take_snapshot().filter_traces(numpy_only)
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        for round_ in range(1000):
            feed_and_render(round_)
        peak = tracemalloc.get_traced_memory()[1]
        after = tracemalloc.take_snapshot().filter_traces(numpy_only)
    finally:
        tracemalloc.stop()

    grown = [stat for stat in after.compare_to(before, "lineno") if stat.size_diff > 0]
    assert grown == []
    assert peak - baseline < block * 4 // 2


def test_sources_come_and_go_while_rendering() -> None:
    mixer = Mixer()
    step = np.full(4 * BLOCK_SAMPLES, 0.01, dtype=np.float32)
    rendered, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def edit() -> None:
        try:
            for index in range(600):
                key = f"peer{index % 6}"
                mixer.remove_source(key)
                mixer.add_source(key).write(step)
                mixer.set_gain(key, 1.0)
                if index % 3 == 0:  # let the mix run over this set of sources
                    rendered.clear()
                    rendered.wait(5)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            done.set()

    editor = threading.Thread(target=edit)
    editor.start()
    sums, blocks = set(), 0
    out = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
    while not done.is_set() and blocks < 1_000_000:
        mixer.render(out)
        rendered.set()
        blocks += 1
        # Each source adds 0.01 or, having underrun, nothing: every sample is a
        # whole number of sources.
        sources = out / 0.01
        assert np.all(np.abs(sources - np.round(sources)) < 1e-3)
        assert np.all((sources > -0.5) & (sources < 6.5))
        sums.update(np.unique(np.round(sources)).astype(int).tolist())
    editor.join(10)
    assert not failures
    assert len(sums) >= 3  # blocks with different numbers of sources mixed together

"""The token bucket: a burst at once, then ``rate`` a second, on an injected clock."""

from __future__ import annotations

import pytest
from netkit import ManualClock

from desktop.server.ratelimit import TokenBucket


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(500.0)


@pytest.mark.parametrize(("rate", "burst", "wait"), [(2.0, 3, 0.5), (0.5, 1, 2.0), (10.0, 5, 0.1)])
def test_a_burst_passes_and_the_next_waits_one_interval(
    clock: ManualClock, rate: float, burst: int, wait: float
) -> None:
    bucket = TokenBucket(rate, burst, clock.now)

    assert [bucket.take() for _ in range(burst)] == [0.0] * burst
    assert bucket.take() == pytest.approx(wait, abs=1e-12)


def test_a_refusal_spends_nothing(clock: ManualClock) -> None:
    bucket = TokenBucket(2.0, 1, clock.now)
    assert bucket.take() == 0.0

    assert bucket.take() == 0.5
    assert bucket.take() == 0.5
    clock.advance(0.5)
    assert bucket.take() == 0.0


def test_tokens_refill_at_the_rate(clock: ManualClock) -> None:
    bucket = TokenBucket(2.0, 3, clock.now)
    for _ in range(3):
        bucket.take()

    clock.advance(0.25)  # half a token
    assert bucket.take() == 0.25
    clock.advance(0.25)  # one whole token
    assert bucket.take() == 0.0
    assert bucket.take() == 0.5

    clock.advance(1.0)  # two tokens
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.5]


def test_refill_stops_at_the_burst(clock: ManualClock) -> None:
    bucket = TokenBucket(2.0, 3, clock.now)
    bucket.take()

    clock.advance(3600.0)

    assert [bucket.take() for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_a_new_bucket_is_full_whatever_the_clock_says(clock: ManualClock) -> None:
    clock.advance(10_000.0)
    bucket = TokenBucket(1.0, 2, clock.now)

    assert [bucket.take(), bucket.take(), bucket.take()] == [0.0, 0.0, 1.0]

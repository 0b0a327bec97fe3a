"""Reconnect delays: exponential from ``first``, capped, shortened by jitter."""

from __future__ import annotations

import random

import pytest

from desktop.client.backoff import Backoff


class FixedRandom(random.Random):
    """A ``Random`` whose ``random()`` always returns the same value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


NO_JITTER = FixedRandom(0.0)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 3.2), (6, 5.0), (7, 5.0), (30, 5.0)],
)
def test_the_default_delay_doubles_up_to_five_seconds(attempt: int, expected: float) -> None:
    assert Backoff().delay(attempt, NO_JITTER) == pytest.approx(expected, rel=1e-12)


def test_a_custom_factor_and_cap() -> None:
    backoff = Backoff(first=1.0, factor=3.0, cap=20.0, jitter=0.0)

    delays = [backoff.delay(attempt, random.Random(attempt)) for attempt in range(5)]

    assert delays == [1.0, 3.0, 9.0, 20.0, 20.0]


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 3.2), (0.5, 2.88), (0.75, 2.72)])
def test_jitter_shortens_by_up_to_its_fraction(draw: float, expected: float) -> None:
    assert Backoff().delay(5, FixedRandom(draw)) == pytest.approx(expected, rel=1e-12)


def test_jitter_stays_within_bounds_and_spreads() -> None:
    backoff = Backoff(first=1.0, factor=2.0, cap=8.0, jitter=0.25)
    rng = random.Random(1234)

    for attempt in range(8):
        base = min(8.0, 2.0**attempt)
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(0.75 * base < delay <= base for delay in delays)
        assert max(delays) - min(delays) > 0.2 * base


def test_a_seeded_random_gives_the_same_delays() -> None:
    backoff = Backoff()
    draws = random.Random(42)

    delays = [backoff.delay(attempt, random.Random(42)) for attempt in range(3)]

    first = draws.random()
    assert delays == [
        pytest.approx(base * (1 - 0.2 * first), rel=1e-12) for base in (0.1, 0.2, 0.4)
    ]


def test_the_cap_holds_after_very_many_attempts() -> None:
    assert Backoff().delay(1024, NO_JITTER) == 5.0

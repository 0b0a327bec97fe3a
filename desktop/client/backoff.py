"""How long to wait before reconnecting: exponential, capped, with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first: float = 0.1
    factor: float = 2.0
    cap: float = 5.0
    jitter: float = 0.2
    """Each delay is shortened by up to this fraction, so clients spread out."""

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before reconnect ``attempt`` (0 for the first)."""
        growth = self.factor ** min(attempt, 64)  # past that the cap holds anyway
        base = min(self.cap, self.first * growth)
        return base * (1 - self.jitter * rng.random())

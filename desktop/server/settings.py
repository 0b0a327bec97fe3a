"""What a server is told at start: where to listen and store, and its limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    hello_timeout: float = 10.0
    heartbeat: float = 20.0
    messages_per_second: float = 20.0
    burst: int = 60
    outbox_bytes: int = 4 * 1024 * 1024
    """How much a connection may have waiting to be sent before it is dropped."""
    max_replay: int = 1000
    """Missed records a resuming client gets replayed; past that, a snapshot."""
    clock: Callable[[], float] = time.time
    hasher: PasswordHasher = field(default_factory=PasswordHasher)

    @property
    def database(self) -> Path:
        return self.data_dir / "roomcast.sqlite3"

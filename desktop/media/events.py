"""What the engine tells the UI. Delivered on the engine's thread: the UI side
hands them over to its own thread (a queued Qt signal) before touching widgets."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core import UserId

from .errors import MediaError
from .peer import PeerState


@dataclass(frozen=True)
class PeerChanged:
    """Our connection to ``user`` changed state."""

    user: UserId
    state: PeerState


@dataclass(frozen=True)
class CallTooLarge:
    """More callers than a peer-to-peer call takes: nobody is connected."""

    callers: int
    limit: int


@dataclass(frozen=True)
class AudioProblem:
    """A device is missing or failed; the call goes on without it."""

    error: MediaError


CallEvent = PeerChanged | CallTooLarge | AudioProblem

"""What the engine tells the UI. Delivered on the engine's thread: the UI side
hands them over to its own thread (a queued Qt signal) before touching widgets."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core import UserId

from .errors import MediaError
from .peer import PeerState
from .video import Picture


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


@dataclass(frozen=True)
class AudioRestored:
    """The sound devices that had failed work again; the call has its sound back."""


@dataclass(frozen=True, eq=False)
class PictureChanged:
    """A new picture of ``user``'s camera (``None``: ours, the preview), or
    ``picture`` None: their camera is off or they left."""

    user: UserId | None
    picture: Picture | None


@dataclass(frozen=True)
class CameraChanged:
    """Our camera went on or off; ``error`` says why it is off when it failed
    to open or stopped by itself."""

    on: bool
    error: MediaError | None = None


CallEvent = (
    PeerChanged | CallTooLarge | AudioProblem | AudioRestored | PictureChanged | CameraChanged
)

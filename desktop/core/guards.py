"""Preconditions shared by the decisions: who may act, and in which phase."""

from __future__ import annotations

from .breakouts import Breakouts, Phase
from .errors import DomainError, ErrorCode
from .members import Member

_PHASE_TEXT = {
    Phase.NOT_CONFIGURED: "no breakout rooms are set up",
    Phase.CONFIGURED: "the breakout rooms are not running yet",
    Phase.RUNNING: "the breakout rooms are running",
    Phase.CLOSING: "the breakout rooms are closing",
    Phase.ENDED: "the breakout session has ended",
}


def require_moderator(actor: Member, action: str) -> None:
    if not actor.is_moderator:
        raise DomainError(ErrorCode.FORBIDDEN, f"Only moderators can {action}.")


def require_participant(actor: Member, action: str) -> None:
    if actor.is_moderator:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"Moderators cannot {action}: they visit rooms without being assigned to one.",
        )


def require_set_up(breakouts: Breakouts) -> None:
    if not breakouts.is_set_up:
        raise DomainError(
            ErrorCode.NOT_SET_UP, "This conversation has no breakout rooms; set them up first."
        )


def require_phase(breakouts: Breakouts, allowed: frozenset[Phase], action: str) -> None:
    """Refuse ``action`` unless the session is in one of the ``allowed`` phases."""
    require_set_up(breakouts)
    if breakouts.phase not in allowed:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"Cannot {action}: {_PHASE_TEXT[breakouts.phase]}.",
        )


EDITABLE = frozenset({Phase.CONFIGURED, Phase.RUNNING, Phase.ENDED})
"""Phases in which rooms and placements can change (not during the closing countdown)."""

IDLE = frozenset({Phase.CONFIGURED, Phase.ENDED})
"""Phases in which the whole plan can be replaced."""

LIVE = frozenset({Phase.RUNNING, Phase.CLOSING})

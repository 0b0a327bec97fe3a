"""Decisions while breakout rooms run: start, broadcast, choose a room, ask for
help, extend, end; and what the clock decides on its own."""

from __future__ import annotations

from .breakouts import (
    MAX_DURATION,
    AssignmentMode,
    Breakouts,
    Phase,
    Placement,
    PlacementReason,
)
from .commands import Broadcast, ClearHelp, ExtendTime, JoinRoom
from .conversation import Conversation, evolve
from .errors import DomainError, ErrorCode
from .events import (
    AttendeesPlaced,
    BroadcastSent,
    ClosingStarted,
    Event,
    HelpCleared,
    HelpRequested,
    SessionEnded,
    SessionStarted,
    TimeExtended,
)
from .guards import LIVE, require_moderator, require_participant, require_phase
from .members import AudioConnection, Member, UserId
from .validation import clean_text

_CONFIGURED = frozenset({Phase.CONFIGURED})
_RUNNING = frozenset({Phase.RUNNING})


def session_started(breakouts: Breakouts, now: float) -> SessionStarted:
    limit = breakouts.settings.time_limit
    return SessionStarted(started_at=now, deadline=None if limit is None else now + limit)


def start(conversation: Conversation, actor: Member, now: float) -> list[Event]:
    require_moderator(actor, "start breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, _CONFIGURED, "start the breakout rooms")
    return [session_started(breakouts, now)]


def broadcast(
    conversation: Conversation, actor: Member, command: Broadcast, now: float
) -> list[Event]:
    require_moderator(actor, "broadcast to all rooms")
    require_phase(conversation.breakouts, LIVE, "broadcast")
    return [BroadcastSent(author=actor.user_id, text=clean_text(command.text), at=now)]


def join_room(conversation: Conversation, actor: Member, command: JoinRoom) -> list[Event]:
    """A participant picks a room (when participants choose); they leave any other."""
    require_participant(actor, "pick a breakout room")
    breakouts = _free_choice(conversation)
    room = breakouts.room(command.room_id)
    limit = breakouts.settings.phone_room_limit
    position = breakouts.position(room.id)
    if actor.audio is AudioConnection.PHONE and position > limit:
        raise DomainError(
            ErrorCode.PHONE_ROOM_LIMIT,
            f"On the phone you can only join breakout rooms 1–{limit}; "
            f"{room.name!r} is room {position}.",
        )
    if breakouts.plan.rooms_of.get(actor.user_id) == room.id:
        return []
    placement = Placement(actor.user_id, room.id, reason=PlacementReason.CHOSEN)
    return [AttendeesPlaced(placements=(placement,))]


def leave_room(conversation: Conversation, actor: Member) -> list[Event]:
    require_participant(actor, "leave a breakout room")
    breakouts = _free_choice(conversation)
    if actor.user_id not in breakouts.plan.rooms_of:
        raise DomainError(ErrorCode.NOT_IN_ROOM, "You are not in a breakout room.")
    return [AttendeesPlaced(placements=(Placement(actor.user_id, None),))]


def request_help(conversation: Conversation, actor: Member, now: float) -> list[Event]:
    require_participant(actor, "ask for help")
    breakouts = conversation.breakouts
    require_phase(breakouts, LIVE, "ask for help")
    room = breakouts.current_room(actor.user_id)
    if room is None:
        raise DomainError(ErrorCode.NOT_IN_ROOM, "Help can be asked for from a breakout room.")
    if actor.user_id in breakouts.help_requests:
        return []
    return [HelpRequested(user_id=actor.user_id, room_id=room, at=now)]


def cancel_help(conversation: Conversation, actor: Member) -> list[Event]:
    return _clear_help(conversation.breakouts, actor, actor.user_id)


def clear_help(conversation: Conversation, actor: Member, command: ClearHelp) -> list[Event]:
    require_moderator(actor, "answer help requests")
    return _clear_help(conversation.breakouts, actor, conversation.member(command.user_id).user_id)


def extend_time(conversation: Conversation, actor: Member, command: ExtendTime) -> list[Event]:
    require_moderator(actor, "extend the time")
    breakouts = conversation.breakouts
    require_phase(breakouts, _RUNNING, "extend the time")
    if breakouts.deadline is None:
        raise DomainError(ErrorCode.NO_TIME_LIMIT, "These breakout rooms have no time limit.")
    if not 1 <= command.seconds <= MAX_DURATION:
        raise DomainError(
            ErrorCode.INVALID_SETTING,
            f"Extend by 1 to {MAX_DURATION} seconds, not {command.seconds}.",
        )
    return [TimeExtended(deadline=breakouts.deadline + command.seconds)]


def end(conversation: Conversation, actor: Member, now: float) -> list[Event]:
    """End the session: the closing countdown first if one is set; during the
    countdown, end at once."""
    require_moderator(actor, "end breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, LIVE, "end the breakout rooms")
    countdown = breakouts.settings.closing_countdown
    if breakouts.phase is Phase.RUNNING and countdown is not None:
        return [ClosingStarted(closing_at=now + countdown)]
    return [SessionEnded(at=now)]


def due_events(conversation: Conversation, now: float) -> list[Event]:
    """What the clock decides by ``now``: a reached time limit starts the closing
    countdown (or ends the session), a finished countdown ends it. Each event is
    dated when it was due, also if ``now`` is much later."""
    events: list[Event] = []
    while (event := _next_due(conversation.breakouts, now)) is not None:
        events.append(event)
        conversation = evolve(conversation, event)
    return events


def next_due(breakouts: Breakouts) -> float | None:
    """When :func:`due_events` will next have something to say."""
    if breakouts.phase is Phase.RUNNING:
        return breakouts.deadline
    if breakouts.phase is Phase.CLOSING:
        return breakouts.closing_at
    return None


def _next_due(breakouts: Breakouts, now: float) -> Event | None:
    due = next_due(breakouts)
    if due is None or due > now:
        return None
    countdown = breakouts.settings.closing_countdown
    if breakouts.phase is Phase.RUNNING and countdown is not None:
        return ClosingStarted(closing_at=due + countdown)
    return SessionEnded(at=due)


def _free_choice(conversation: Conversation) -> Breakouts:
    breakouts = conversation.breakouts
    require_phase(breakouts, _RUNNING, "pick a breakout room")
    if breakouts.settings.mode is not AssignmentMode.FREE_CHOICE:
        raise DomainError(
            ErrorCode.WRONG_ASSIGNMENT_MODE, "Moderators assign the rooms in this conversation."
        )
    return breakouts


def _clear_help(breakouts: Breakouts, actor: Member, user: UserId) -> list[Event]:
    if user not in breakouts.help_requests:
        raise DomainError(ErrorCode.NO_HELP_REQUEST, "There is no open help request to clear.")
    return [HelpCleared(user_id=user, by=actor.user_id)]

"""Decisions that set breakout rooms up and plan who goes where."""

from __future__ import annotations

from collections.abc import Iterable

from .breakouts import (
    MAX_ROOMS,
    AssignmentMode,
    Breakouts,
    Placement,
    PlacementReason,
    Plan,
    Room,
    RoomId,
    validate_settings,
)
from .commands import (
    AddRoom,
    ApplyBreakouts,
    ChangeSettings,
    Distribute,
    PlaceAttendees,
    RemoveRoom,
    RenameRoom,
    SetUpBreakouts,
    Strategy,
)
from .conversation import Conversation
from .distribute import DistributeOptions, plain_distribute, smart_distribute
from .errors import DomainError, ErrorCode
from .events import (
    AttendeesPlaced,
    BreakoutsApplied,
    BreakoutsDeleted,
    BreakoutsSetUp,
    Event,
    RoomAdded,
    RoomRemoved,
    RoomRenamed,
    SettingsChanged,
)
from .guards import EDITABLE, IDLE, require_moderator, require_phase
from .members import AudioConnection, Member
from .session import session_started
from .validation import clean_name


def set_up(conversation: Conversation, actor: Member, command: SetUpBreakouts) -> list[Event]:
    """Create the rooms; in automatic mode Smart Distribute fills them at once."""
    require_moderator(actor, "set up breakout rooms")
    breakouts = conversation.breakouts
    if breakouts.is_set_up:
        raise DomainError(
            ErrorCode.ALREADY_SET_UP,
            "Breakout rooms are already set up; change them or delete them first.",
        )
    _check_room_count(len(command.room_names))
    names = _unique_names(command.room_names)
    first = breakouts.next_room_id
    rooms = tuple(Room(RoomId(first + offset), name) for offset, name in enumerate(names))
    settings = validate_settings(command.settings)
    events: list[Event] = [BreakoutsSetUp(rooms=rooms, settings=settings)]
    if settings.mode is AssignmentMode.AUTOMATIC:
        plan = smart_distribute(
            conversation.attendees(),
            [room.id for room in rooms],
            {},
            settings.phone_room_limit,
            DistributeOptions(seed=command.seed),
        )
        events.extend(_placed(Plan(), plan))
    return events


def change_settings(
    conversation: Conversation, actor: Member, command: ChangeSettings
) -> list[Event]:
    require_moderator(actor, "change breakout settings")
    require_phase(conversation.breakouts, IDLE, "change the breakout settings")
    return [SettingsChanged(settings=validate_settings(command.settings))]


def add_room(conversation: Conversation, actor: Member, command: AddRoom) -> list[Event]:
    require_moderator(actor, "add breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, EDITABLE, "add a room")
    _check_room_count(len(breakouts.rooms) + 1)
    name = _new_name(breakouts, command.name)
    return [RoomAdded(room=Room(breakouts.next_room_id, name))]


def remove_room(conversation: Conversation, actor: Member, command: RemoveRoom) -> list[Event]:
    """Remove a room; the people in it go back to the main room."""
    require_moderator(actor, "remove breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, EDITABLE, "remove a room")
    room = breakouts.room(command.room_id)
    if len(breakouts.rooms) == 1:
        raise DomainError(
            ErrorCode.ROOM_LIMIT,
            f"{room.name!r} is the last breakout room; delete the breakout rooms instead.",
        )
    return [RoomRemoved(room_id=room.id)]


def rename_room(conversation: Conversation, actor: Member, command: RenameRoom) -> list[Event]:
    require_moderator(actor, "rename breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, EDITABLE, "rename a room")
    room = breakouts.room(command.room_id)
    name = clean_name(command.name, "room name")
    if name == room.name:
        return []
    return [RoomRenamed(room_id=room.id, name=_new_name(breakouts, name, room.id))]


def place_attendees(
    conversation: Conversation, actor: Member, command: PlaceAttendees
) -> list[Event]:
    """Assign, move or un-assign attendees by hand."""
    require_moderator(actor, "assign attendees to rooms")
    require_phase(conversation.breakouts, EDITABLE, "move attendees")
    placements = tuple(
        Placement(p.user_id, p.room_id, p.pinned, PlacementReason.MANUAL)
        for p in _checked(conversation, command.placements)
    )
    return [AttendeesPlaced(placements=placements)] if placements else []


def distribute(conversation: Conversation, actor: Member, command: Distribute) -> list[Event]:
    """Replace the plan by a distribution; pinned attendees stay."""
    require_moderator(actor, "distribute attendees")
    breakouts = conversation.breakouts
    require_phase(breakouts, IDLE, "redistribute everyone")
    if breakouts.settings.mode is AssignmentMode.FREE_CHOICE:
        raise DomainError(
            ErrorCode.WRONG_ASSIGNMENT_MODE,
            "Participants choose their own rooms here; switch the assignment mode to distribute.",
        )
    current = breakouts.plan
    pins = {user: current.rooms_of[user] for user in current.pinned}
    rooms = [room.id for room in breakouts.rooms]
    if command.strategy is Strategy.SMART:
        plan = smart_distribute(
            conversation.attendees(),
            rooms,
            pins,
            breakouts.settings.phone_room_limit,
            command.options,
        )
    else:
        plan = plain_distribute(
            conversation.attendees(),
            rooms,
            pins,
            breakouts.settings.phone_room_limit,
            command.options.seed,
        )
    return _placed(current, plan)


def apply(
    conversation: Conversation, actor: Member, command: ApplyBreakouts, now: float
) -> list[Event]:
    """Save a plan with the reasons it gives; only real changes are reported.

    A whole plan sends the attendees it leaves out back to the main room; a
    partial one changes only the attendees it names.
    """
    require_moderator(actor, "apply breakout rooms")
    breakouts = conversation.breakouts
    require_phase(breakouts, IDLE, "apply a new plan")
    placements = tuple(_checked(conversation, command.placements))
    if command.partial:
        plan = breakouts.plan.with_placements(placements)
    else:
        plan = Plan().with_placements(tuple(p for p in placements if p.room_id is not None))
    events = [*_placed(breakouts.plan, plan), BreakoutsApplied()]
    if command.start:
        events.append(session_started(breakouts, now))
    return events


def delete(conversation: Conversation, actor: Member) -> list[Event]:
    """Delete the rooms and their chats; the main conversation stays as it is."""
    require_moderator(actor, "delete breakout rooms")
    require_phase(conversation.breakouts, IDLE, "delete the breakout rooms")
    return [BreakoutsDeleted()]


def _placed(before: Plan, after: Plan) -> list[Event]:
    """The placements that turn ``before`` into ``after``, as at most one event."""
    placements = [
        Placement(user, room, user in after.pinned, after.reasons[user])
        for user, room in after.rooms_of.items()
        if before.rooms_of.get(user) != room
        or (user in before.pinned) != (user in after.pinned)
        or before.reasons.get(user) != after.reasons[user]
    ]
    placements.extend(
        Placement(user, None) for user in before.rooms_of if user not in after.rooms_of
    )
    return [AttendeesPlaced(placements=tuple(placements))] if placements else []


def _checked(conversation: Conversation, placements: Iterable[Placement]) -> list[Placement]:
    """``placements`` if each names a participant and a room they may be in."""
    breakouts = conversation.breakouts
    positions = breakouts.positions()
    limit = breakouts.settings.phone_room_limit
    checked = []
    for placement in placements:
        member = conversation.member(placement.user_id)
        if member.is_moderator:
            raise DomainError(
                ErrorCode.MODERATOR_NOT_ASSIGNABLE,
                f"{member.display_name} is a moderator; moderators visit rooms instead.",
            )
        if placement.room_id is not None:
            position = positions.get(placement.room_id)
            if position is None:
                raise DomainError(
                    ErrorCode.UNKNOWN_ROOM,
                    f"There is no breakout room with id {placement.room_id}.",
                )
            if member.audio is AudioConnection.PHONE and position > limit:
                raise phone_limit_error(member, position, limit)
        checked.append(placement)
    return checked


def phone_limit_error(member: Member, position: int, limit: int) -> DomainError:
    return DomainError(
        ErrorCode.PHONE_ROOM_LIMIT,
        f"{member.display_name} is on the phone and can only join breakout rooms 1–{limit}; "
        f"room {position} is not reachable from the phone bridge.",
    )


def _check_room_count(count: int) -> None:
    if not 1 <= count <= MAX_ROOMS:
        raise DomainError(
            ErrorCode.ROOM_LIMIT, f"There can be 1 to {MAX_ROOMS} breakout rooms, not {count}."
        )


def _unique_names(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for name in names:
        name = clean_name(name, "room name")
        if name.casefold() in (other.casefold() for other in cleaned):
            raise DomainError(ErrorCode.INVALID_NAME, f"Two rooms cannot both be named {name!r}.")
        cleaned.append(name)
    return cleaned


def _new_name(breakouts: Breakouts, name: str, renamed: RoomId | None = None) -> str:
    others = (room.name for room in breakouts.rooms if room.id != renamed)
    return _unique_names([*others, name])[-1]

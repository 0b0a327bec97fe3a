"""What goes into the log when events happen.

Each event is written as it is, with its audience (a breakout room's chat is for
that room and the moderators) and the chat it shows in; after it come the
system messages and addressed notices it leads to. All of this is decided from
the conversation before and after each event: pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from desktop.core import AudioConnection, Conversation, PhoneBridge, RoomId, UserId, analyze, evolve
from desktop.core.events import (
    AttendeesPlaced,
    BreakoutsDeleted,
    BreakoutsSetUp,
    ClosingStarted,
    Event,
    HelpRequested,
    MessagePosted,
    RoleChanged,
    RoomRemoved,
    SessionEnded,
    SessionStarted,
    TimeExtended,
)
from desktop.protocol import Body, Record
from desktop.protocol.chat import chat_of
from desktop.protocol.notices import (
    Assigned,
    BackInMainRoom,
    ClosingSoon,
    HelpNeeded,
    SwitchToPhone,
    SystemMessage,
)

from .store import Entry

Addressed = tuple[Body, frozenset[UserId] | None]


def log_entries(
    conversation: Conversation,
    events: Sequence[Event],
    actor: UserId | None,
    at: float,
    first_seq: int,
) -> tuple[Conversation, list[Entry]]:
    """The conversation after ``events`` and the entries to append, numbered
    from ``first_seq``."""
    entries: list[Entry] = []
    for event in events:
        after = evolve(conversation, event)
        for body, audience in (
            (event, event_audience(after, event)),
            *consequences(conversation, after, event, at),
        ):
            record = Record(seq=first_seq + len(entries), at=at, actor=actor, body=body)
            entries.append(Entry(record=record, audience=audience, chat=chat_of(body)))
        conversation = after
    return conversation, entries


def event_audience(after: Conversation, event: Event) -> frozenset[UserId] | None:
    if isinstance(event, MessagePosted) and event.room_id is not None:
        return room_audience(after, event.room_id)
    return None


def room_audience(conversation: Conversation, room_id: RoomId) -> frozenset[UserId]:
    """Who may read a breakout room's chat: its members and the moderators."""
    moderators = (member.user_id for member in conversation.members.values() if member.is_moderator)
    return conversation.breakouts.members_of(room_id).union(moderators)


def consequences(
    before: Conversation, after: Conversation, event: Event, at: float
) -> list[Addressed]:
    """System messages and notices that ``event``, written at ``at``, leads to."""
    found: list[Addressed] = [
        *_system_messages(before, event, at),
        *_notices(before, after, event, at),
    ]
    if after.breakouts.is_live:
        found.extend(_phone_prompts(before, after))
    return found


def _system_messages(before: Conversation, event: Event, at: float) -> Iterator[Addressed]:
    text: str | None = None
    match event:
        case BreakoutsSetUp(rooms=(_,)):
            text = "1 breakout room was set up."
        case BreakoutsSetUp(rooms=rooms):
            text = f"{len(rooms)} breakout rooms were set up."
        case BreakoutsDeleted():
            text = "The breakout rooms were deleted."
        case SessionStarted():
            text = "Breakout rooms have started."
        case ClosingStarted(closing_at=closing_at):
            text = f"Breakout rooms close in {_duration(_left(closing_at, at))}."
        case SessionEnded():
            text = "Breakout rooms have ended: everyone is back in the main room."
        case TimeExtended(deadline=deadline) if before.breakouts.deadline is not None:
            text = f"The time was extended by {_duration(deadline - before.breakouts.deadline)}."
    if text is not None:
        everywhere = before.breakouts.is_live or isinstance(event, SessionStarted)
        yield SystemMessage(text=text, everywhere=everywhere), None


def _notices(
    before: Conversation, after: Conversation, event: Event, at: float
) -> Iterator[Addressed]:
    match event:
        case SessionStarted():
            yield from _assignments(after, after.breakouts.plan.rooms_of)
        case AttendeesPlaced(placements=placements) if after.breakouts.is_live:
            moved = {
                placement.user_id: placement.room_id
                for placement in placements
                if before.breakouts.current_room(placement.user_id) != placement.room_id
            }
            yield from _assignments(
                after, {user: room for user, room in moved.items() if room is not None}
            )
            yield from _returns(user for user, room in moved.items() if room is None)
        case RoomRemoved(room_id=room_id) if before.breakouts.is_live:
            yield from _returns(sorted(before.breakouts.members_of(room_id)))
        case SessionEnded():
            yield from _returns(sorted(before.breakouts.plan.rooms_of))
        case ClosingStarted(closing_at=closing_at):
            yield ClosingSoon(closing_at=closing_at, seconds=_left(closing_at, at)), None
        case RoleChanged(user_id=user) if before.breakouts.current_room(user) is not None:
            yield from _returns([user])  # promoted: moderators are in no room
        case HelpRequested(user_id=user, room_id=room_id):
            moderators = frozenset(
                member.user_id for member in after.members.values() if member.is_moderator
            )
            name = after.breakouts.room(room_id).name
            yield HelpNeeded(user_id=user, room_id=room_id, room_name=name), moderators


def _assignments(
    conversation: Conversation, rooms_of: Mapping[UserId, RoomId]
) -> Iterator[Addressed]:
    breakouts = conversation.breakouts
    positions = breakouts.positions()
    for user, room_id in sorted(rooms_of.items()):
        position = positions[room_id]
        on_phone = conversation.members[user].audio is AudioConnection.PHONE
        dial_in, pin = _dial_in(breakouts.settings.bridge if on_phone else None, position)
        yield (
            Assigned(
                user_id=user,
                room_id=room_id,
                room_name=breakouts.room(room_id).name,
                position=position,
                dial_in_number=dial_in,
                pin=pin,
            ),
            frozenset({user}),
        )


def _dial_in(bridge: PhoneBridge | None, position: int) -> tuple[str | None, str | None]:
    """The number and PIN that reach breakout ``position`` by phone, if any."""
    if bridge is None:
        return None, None
    return bridge.dial_in_number, bridge.pin_for(position)


def _returns(users: Iterable[UserId]) -> Iterator[Addressed]:
    for user in users:
        yield BackInMainRoom(user_id=user), frozenset({user})


def _phone_prompts(before: Conversation, after: Conversation) -> Iterator[Addressed]:
    """Prompt the VOIP and Just Listening attendees who newly share a room with
    phone attendees (or share a different one)."""
    old = _conflicted_rooms(before)
    breakouts = after.breakouts
    for user, (room_id, phones) in sorted(_conflicted_rooms(after).items()):
        if old.get(user, (None, ()))[0] == room_id:
            continue
        dial_in, pin = _dial_in(breakouts.settings.bridge, breakouts.position(room_id))
        yield (
            SwitchToPhone(
                user_id=user,
                room_id=room_id,
                room_name=breakouts.room(room_id).name,
                phone_attendees=phones,
                dial_in_number=dial_in,
                pin=pin,
            ),
            frozenset({user}),
        )


def _conflicted_rooms(
    conversation: Conversation,
) -> dict[UserId, tuple[RoomId, tuple[UserId, ...]]]:
    breakouts = conversation.breakouts
    if not breakouts.is_live:
        return {}
    report = analyze(
        conversation.members,
        breakouts.plan.rooms_of,
        breakouts.positions(),
        breakouts.settings.phone_room_limit,
    )
    return {
        user: (conflict.room_id, tuple(sorted(conflict.phone_attendees)))
        for conflict in report.rooms.values()
        for user in conflict.affected
    }


def _left(until: float, now: float) -> int:
    """Whole seconds from ``now`` to ``until``; none if it is past (after downtime)."""
    return max(0, round(until - now))


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole % 60 == 0 and whole >= 60:
        minutes = whole // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{whole} second{'s' if whole != 1 else ''}"

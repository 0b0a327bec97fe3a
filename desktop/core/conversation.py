"""A conversation's state, and how each event changes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import assert_never

import msgspec
from msgspec.structs import replace

from .breakouts import Breakouts, Phase, RoomId
from .errors import DomainError, ErrorCode
from .events import (
    AttendeesPlaced,
    AudioChanged,
    BreakoutsApplied,
    BreakoutsDeleted,
    BreakoutsSetUp,
    BroadcastSent,
    ClosingStarted,
    ConversationCreated,
    ConversationRenamed,
    Event,
    HelpCleared,
    HelpRequested,
    MemberAdded,
    MemberRemoved,
    MessagePosted,
    RoleChanged,
    RoomAdded,
    RoomRemoved,
    RoomRenamed,
    SessionEnded,
    SessionStarted,
    SettingsChanged,
    TimeExtended,
)
from .members import Member, Role, UserId


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the domain knows of one conversation.

    Chat history is not kept here: messages are events, and the server stores
    them. Deleting breakout rooms therefore cannot touch the main history.
    """

    id: str
    title: str
    owner: UserId
    members: Mapping[UserId, Member]
    breakouts: Breakouts = Breakouts()

    def member(self, user: UserId) -> Member:
        try:
            return self.members[user]
        except KeyError:
            raise DomainError(
                ErrorCode.NOT_A_MEMBER, f"{user!r} is not a member of this conversation."
            ) from None

    def attendees(self) -> Iterable[Member]:
        """The members breakout rooms are for: everyone but the moderators."""
        return (member for member in self.members.values() if member.role is Role.PARTICIPANT)


def replay(events: Iterable[Event]) -> Conversation:
    """Rebuild a conversation from its whole log, starting with its creation."""
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, ConversationCreated):
        raise ValueError("a conversation's log starts with ConversationCreated")
    conversation = created(first)
    for event in iterator:
        conversation = evolve(conversation, event)
    return conversation


def created(event: ConversationCreated) -> Conversation:
    owner = replace(event.owner, role=Role.MODERATOR)
    return Conversation(
        id=event.conversation_id,
        title=event.title,
        owner=owner.user_id,
        members={owner.user_id: owner},
    )


def evolve(conversation: Conversation, event: Event) -> Conversation:
    """The conversation after ``event``. Events are facts: nothing is checked."""
    breakouts = conversation.breakouts
    match event:
        case ConversationCreated():
            raise ValueError("a conversation is created only once")
        case ConversationRenamed(title=title):
            return replace(conversation, title=title)
        case MemberAdded(member=member):
            return _with_member(conversation, member)
        case MemberRemoved(user_id=user):
            members = dict(conversation.members)
            del members[user]
            return replace(conversation, members=members, breakouts=_without(breakouts, user))
        case RoleChanged(user_id=user, role=role):
            member = replace(conversation.members[user], role=role)
            if role is Role.MODERATOR:
                conversation = replace(conversation, breakouts=_without(breakouts, user))
            return _with_member(conversation, member)
        case AudioChanged(user_id=user, audio=audio):
            return _with_member(conversation, replace(conversation.members[user], audio=audio))
        case MessagePosted() | BroadcastSent():
            return conversation
        case _:
            return replace(conversation, breakouts=evolve_breakouts(breakouts, event))


def _with_member(conversation: Conversation, member: Member) -> Conversation:
    return replace(conversation, members={**conversation.members, member.user_id: member})


def _without(breakouts: Breakouts, user: UserId) -> Breakouts:
    gone = frozenset({user})
    return replace(
        breakouts,
        plan=breakouts.plan.without(gone),
        help_requests=_drop(breakouts.help_requests, gone),
    )


def evolve_breakouts(breakouts: Breakouts, event: Event) -> Breakouts:
    match event:
        case BreakoutsSetUp(rooms=rooms, settings=settings):
            next_id = RoomId(max(room.id for room in rooms) + 1)
            return Breakouts(
                phase=Phase.CONFIGURED, rooms=rooms, settings=settings, next_room_id=next_id
            )
        case SettingsChanged(settings=settings):
            return replace(breakouts, settings=settings)
        case RoomAdded(room=room):
            return replace(
                breakouts,
                rooms=(*breakouts.rooms, room),
                next_room_id=RoomId(max(breakouts.next_room_id, room.id + 1)),
            )
        case RoomRemoved(room_id=room_id):
            leaving = breakouts.members_of(room_id)
            return replace(
                breakouts,
                rooms=tuple(room for room in breakouts.rooms if room.id != room_id),
                plan=breakouts.plan.without(leaving),
                help_requests=_drop(breakouts.help_requests, leaving),
            )
        case RoomRenamed(room_id=room_id, name=name):
            rooms = tuple(
                replace(room, name=name) if room.id == room_id else room for room in breakouts.rooms
            )
            return replace(breakouts, rooms=rooms)
        case AttendeesPlaced(placements=placements):
            moved = frozenset(placement.user_id for placement in placements)
            return replace(
                breakouts,
                plan=breakouts.plan.with_placements(placements),
                help_requests=_drop(breakouts.help_requests, moved),
            )
        case BreakoutsApplied():
            return replace(breakouts, phase=Phase.CONFIGURED)
        case SessionStarted(started_at=started_at, deadline=deadline):
            return replace(breakouts, phase=Phase.RUNNING, started_at=started_at, deadline=deadline)
        case TimeExtended(deadline=deadline):
            return replace(breakouts, deadline=deadline)
        case ClosingStarted(closing_at=closing_at):
            return replace(breakouts, phase=Phase.CLOSING, closing_at=closing_at)
        case SessionEnded():
            return replace(
                breakouts,
                phase=Phase.ENDED,
                started_at=None,
                deadline=None,
                closing_at=None,
                help_requests={},
            )
        case BreakoutsDeleted():
            return Breakouts(next_room_id=breakouts.next_room_id)
        case HelpRequested(user_id=user, at=at):
            return replace(breakouts, help_requests={**breakouts.help_requests, user: at})
        case HelpCleared(user_id=user):
            return replace(
                breakouts, help_requests=_drop(breakouts.help_requests, frozenset({user}))
            )
        case (
            ConversationCreated()
            | ConversationRenamed()
            | MemberAdded()
            | MemberRemoved()
            | RoleChanged()
            | AudioChanged()
            | MessagePosted()
            | BroadcastSent()
        ):
            raise ValueError(f"{type(event).__name__} does not concern breakout rooms")
        case _:
            assert_never(event)


def _drop(requests: Mapping[UserId, float], users: frozenset[UserId]) -> dict[UserId, float]:
    return {user: at for user, at in requests.items() if user not in users}

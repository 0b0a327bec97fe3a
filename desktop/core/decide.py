"""The domain's one entry point: a command in, events (or a refusal) out."""

from __future__ import annotations

from typing import assert_never

from . import membership, planning, session
from .commands import (
    AddMember,
    AddRoom,
    ApplyBreakouts,
    Batch,
    Broadcast,
    CancelHelp,
    ChangeSettings,
    ClearHelp,
    Command,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    ExtendTime,
    JoinRoom,
    Leave,
    LeaveRoom,
    PlaceAttendees,
    PostMessage,
    RemoveMember,
    RemoveRoom,
    RenameConversation,
    RenameRoom,
    RequestHelp,
    SetAudio,
    SetRole,
    SetUpBreakouts,
    StartBreakouts,
)
from .conversation import Conversation, evolve
from .errors import DomainError, ErrorCode
from .events import Event
from .members import Member, UserId


def execute(
    conversation: Conversation, actor: UserId, command: Command, now: float
) -> tuple[Conversation, tuple[Event, ...]]:
    """Decide ``command`` and apply its events: the new state and what happened.

    Raises :class:`DomainError` and changes nothing when the command is refused.
    """
    events = decide(conversation, actor, command, now)
    for event in events:
        conversation = evolve(conversation, event)
    return conversation, tuple(events)


def decide(conversation: Conversation, actor: UserId, command: Command, now: float) -> list[Event]:
    """The events that ``command`` by ``actor`` at ``now`` (seconds) leads to.

    An empty list means the command asked for what already is.
    """
    member = conversation.member(actor)
    if isinstance(command, Batch):
        return _batch(conversation, actor, command, now)
    return _decide_one(conversation, member, command, now)


def _batch(conversation: Conversation, actor: UserId, batch: Batch, now: float) -> list[Event]:
    if not batch.commands:
        raise DomainError(ErrorCode.EMPTY_BATCH, "A batch needs at least one command.")
    events: list[Event] = []
    for command in batch.commands:
        conversation, produced = execute(conversation, actor, command, now)
        events.extend(produced)
    return events


def _decide_one(
    conversation: Conversation, actor: Member, command: Command, now: float
) -> list[Event]:
    match command:
        case RenameConversation():
            return membership.rename_conversation(conversation, actor, command)
        case AddMember():
            return membership.add_member(conversation, actor, command)
        case RemoveMember():
            return membership.remove_member(conversation, actor, command)
        case Leave():
            return membership.leave(conversation, actor)
        case SetRole():
            return membership.set_role(conversation, actor, command)
        case SetAudio():
            return membership.set_audio(conversation, actor, command)
        case PostMessage():
            return membership.post_message(conversation, actor, command, now)
        case SetUpBreakouts():
            return planning.set_up(conversation, actor, command)
        case ChangeSettings():
            return planning.change_settings(conversation, actor, command)
        case AddRoom():
            return planning.add_room(conversation, actor, command)
        case RemoveRoom():
            return planning.remove_room(conversation, actor, command)
        case RenameRoom():
            return planning.rename_room(conversation, actor, command)
        case PlaceAttendees():
            return planning.place_attendees(conversation, actor, command)
        case Distribute():
            return planning.distribute(conversation, actor, command)
        case ApplyBreakouts():
            return planning.apply(conversation, actor, command, now)
        case DeleteBreakouts():
            return planning.delete(conversation, actor)
        case StartBreakouts():
            return session.start(conversation, actor, now)
        case Broadcast():
            return session.broadcast(conversation, actor, command, now)
        case JoinRoom():
            return session.join_room(conversation, actor, command)
        case LeaveRoom():
            return session.leave_room(conversation, actor)
        case RequestHelp():
            return session.request_help(conversation, actor, now)
        case CancelHelp():
            return session.cancel_help(conversation, actor)
        case ClearHelp():
            return session.clear_help(conversation, actor, command)
        case ExtendTime():
            return session.extend_time(conversation, actor, command)
        case EndBreakouts():
            return session.end(conversation, actor, now)
        case Batch():
            raise AssertionError("batches are decided by decide()")
        case _:
            assert_never(command)

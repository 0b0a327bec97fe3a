"""Decisions about the main conversation: its title, members, roles and chat."""

from __future__ import annotations

from msgspec.structs import replace

from .breakouts import AssignmentMode, Phase
from .commands import AddMember, PostMessage, RemoveMember, RenameConversation, SetAudio, SetRole
from .conversation import Conversation
from .distribute import place_late_joiner
from .errors import DomainError, ErrorCode
from .events import (
    AttendeesPlaced,
    AudioChanged,
    ConversationRenamed,
    Event,
    MemberAdded,
    MemberRemoved,
    MessagePosted,
    RoleChanged,
)
from .guards import require_moderator
from .members import Member, Role, UserId
from .validation import clean_name, clean_text

MAX_USER_ID_LENGTH = 64


def rename_conversation(
    conversation: Conversation, actor: Member, command: RenameConversation
) -> list[Event]:
    require_moderator(actor, "rename the conversation")
    return [ConversationRenamed(title=clean_name(command.title, "conversation title"))]


def add_member(conversation: Conversation, actor: Member, command: AddMember) -> list[Event]:
    """Add a member; in automatic mode a new participant also gets a room at once."""
    require_moderator(actor, "add members")
    user = command.user_id
    if not user or len(user) > MAX_USER_ID_LENGTH or not user.isprintable():
        raise DomainError(ErrorCode.INVALID_NAME, f"{user!r} is not a usable user id.")
    if user in conversation.members:
        raise DomainError(ErrorCode.ALREADY_A_MEMBER, f"{user!r} is already a member.")
    member = Member(
        user_id=user,
        display_name=clean_name(command.display_name, "display name"),
        role=command.role,
        audio=command.audio,
        attributes=dict(command.attributes),
    )
    return [MemberAdded(member=member), *_automatic_placement(conversation, member)]


def remove_member(conversation: Conversation, actor: Member, command: RemoveMember) -> list[Event]:
    require_moderator(actor, "remove members")
    target = conversation.member(command.user_id)
    _protect_owner(conversation, target.user_id, "be removed")
    return [MemberRemoved(user_id=target.user_id)]


def leave(conversation: Conversation, actor: Member) -> list[Event]:
    _protect_owner(conversation, actor.user_id, "leave")
    return [MemberRemoved(user_id=actor.user_id)]


def set_role(conversation: Conversation, actor: Member, command: SetRole) -> list[Event]:
    require_moderator(actor, "promote or demote members")
    target = conversation.member(command.user_id)
    if target.role is command.role:
        return []
    _protect_owner(conversation, target.user_id, "be demoted")
    changed = RoleChanged(user_id=target.user_id, role=command.role)
    return [changed, *_automatic_placement(conversation, replace(target, role=command.role))]


def set_audio(conversation: Conversation, actor: Member, command: SetAudio) -> list[Event]:
    if command.user_id != actor.user_id:
        require_moderator(actor, "change someone else's audio connection")
    target = conversation.member(command.user_id)
    if target.audio is command.audio:
        return []
    return [AudioChanged(user_id=target.user_id, audio=command.audio)]


def post_message(
    conversation: Conversation, actor: Member, command: PostMessage, now: float
) -> list[Event]:
    """Post to the main chat, or to a breakout room's chat (its members while
    the session runs, and moderators)."""
    text = clean_text(command.text)
    room_id = command.room_id
    if room_id is not None:
        breakouts = conversation.breakouts
        room = breakouts.room(room_id)
        if not actor.is_moderator and breakouts.current_room(actor.user_id) != room_id:
            raise DomainError(
                ErrorCode.NOT_IN_ROOM, f"Only the people in {room.name!r} can write in its chat."
            )
    return [MessagePosted(author=actor.user_id, text=text, room_id=room_id, at=now)]


def _automatic_placement(conversation: Conversation, member: Member) -> list[Event]:
    """In automatic mode a new participant gets the best current room at once."""
    breakouts = conversation.breakouts
    if (
        member.role is not Role.PARTICIPANT
        or breakouts.settings.mode is not AssignmentMode.AUTOMATIC
        or breakouts.phase not in (Phase.CONFIGURED, Phase.RUNNING)
    ):
        return []
    placement = place_late_joiner(
        member,
        {**conversation.members, member.user_id: member},
        [room.id for room in breakouts.rooms],
        breakouts.plan.rooms_of,
        breakouts.settings.phone_room_limit,
    )
    return [AttendeesPlaced(placements=(placement,))]


def _protect_owner(conversation: Conversation, user: UserId, what: str) -> None:
    if user == conversation.owner:
        raise DomainError(ErrorCode.OWNER_PROTECTED, f"The owner of a conversation cannot {what}.")

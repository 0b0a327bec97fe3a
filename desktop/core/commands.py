"""Commands: what members ask the domain to do.

A command says what is wanted; :func:`desktop.core.decide.decide` checks it against
the conversation and the acting member and answers with events or a
:class:`~desktop.core.errors.DomainError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import msgspec

from .breakouts import BreakoutSettings, Placement, RoomId
from .distribute import DistributeOptions
from .members import AudioConnection, Role, UserId


class Strategy(StrEnum):
    SMART = "smart"
    PLAIN = "plain"


class BaseCommand(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    pass


# The main conversation


class RenameConversation(BaseCommand, frozen=True, tag="rename_conversation"):
    title: str


class AddMember(BaseCommand, frozen=True, tag="add_member"):
    """``display_name`` is filled in by the server from the account."""

    user_id: UserId
    display_name: str = ""
    role: Role = Role.PARTICIPANT
    audio: AudioConnection = AudioConnection.VOIP
    attributes: Mapping[str, str] = msgspec.field(default_factory=dict)


class RemoveMember(BaseCommand, frozen=True, tag="remove_member"):
    user_id: UserId


class Leave(BaseCommand, frozen=True, tag="leave"):
    pass


class SetRole(BaseCommand, frozen=True, tag="set_role"):
    user_id: UserId
    role: Role


class SetAudio(BaseCommand, frozen=True, tag="set_audio"):
    """Members change their own audio connection; moderators anyone's."""

    user_id: UserId
    audio: AudioConnection


class PostMessage(BaseCommand, frozen=True, tag="post_message"):
    text: str
    room_id: RoomId | None = None


# Setting breakout rooms up


class SetUpBreakouts(BaseCommand, frozen=True, tag="set_up_breakouts"):
    """Create the rooms; in automatic mode, Smart Distribute fills them at once."""

    room_names: tuple[str, ...]
    settings: BreakoutSettings = BreakoutSettings()
    seed: int = 0


class ChangeSettings(BaseCommand, frozen=True, tag="change_settings"):
    settings: BreakoutSettings


class AddRoom(BaseCommand, frozen=True, tag="add_room"):
    name: str


class RemoveRoom(BaseCommand, frozen=True, tag="remove_room"):
    room_id: RoomId


class RenameRoom(BaseCommand, frozen=True, tag="rename_room"):
    room_id: RoomId
    name: str


class PlaceAttendees(BaseCommand, frozen=True, tag="place_attendees"):
    """Assign, move or un-assign attendees by hand (also while rooms run)."""

    placements: tuple[Placement, ...]


class Distribute(BaseCommand, frozen=True, tag="distribute"):
    strategy: Strategy = Strategy.SMART
    options: DistributeOptions = DistributeOptions()


class ApplyBreakouts(BaseCommand, frozen=True, tag="apply_breakouts"):
    """Save a plan (the panel's result); with ``start`` also start the session.

    A whole plan (``partial`` false) replaces the saved one: attendees missing from
    ``placements`` are un-assigned. A partial plan changes only the attendees it
    names (``room_id`` None un-assigns) and keeps everyone else as saved, so a
    plan too large for one frame can be saved in several steps.
    """

    placements: tuple[Placement, ...]
    start: bool = False
    partial: bool = False


class DeleteBreakouts(BaseCommand, frozen=True, tag="delete_breakouts"):
    pass


# The running session


class StartBreakouts(BaseCommand, frozen=True, tag="start_breakouts"):
    pass


class Broadcast(BaseCommand, frozen=True, tag="broadcast"):
    text: str


class JoinRoom(BaseCommand, frozen=True, tag="join_room"):
    """A participant picks a room when participants choose their own."""

    room_id: RoomId


class LeaveRoom(BaseCommand, frozen=True, tag="leave_room"):
    pass


class RequestHelp(BaseCommand, frozen=True, tag="request_help"):
    pass


class CancelHelp(BaseCommand, frozen=True, tag="cancel_help"):
    pass


class ClearHelp(BaseCommand, frozen=True, tag="clear_help"):
    user_id: UserId


class ExtendTime(BaseCommand, frozen=True, tag="extend_time"):
    seconds: int


class EndBreakouts(BaseCommand, frozen=True, tag="end_breakouts"):
    """Start the closing countdown if one is set, else end now; during the
    countdown, end now."""


class Batch(BaseCommand, frozen=True, tag="batch"):
    """Several commands applied together, or none of them."""

    commands: tuple[Command, ...]


Command = (
    RenameConversation
    | AddMember
    | RemoveMember
    | Leave
    | SetRole
    | SetAudio
    | PostMessage
    | SetUpBreakouts
    | ChangeSettings
    | AddRoom
    | RemoveRoom
    | RenameRoom
    | PlaceAttendees
    | Distribute
    | ApplyBreakouts
    | DeleteBreakouts
    | StartBreakouts
    | Broadcast
    | JoinRoom
    | LeaveRoom
    | RequestHelp
    | CancelHelp
    | ClearHelp
    | ExtendTime
    | EndBreakouts
    | Batch
)

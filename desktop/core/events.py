"""Events: the facts a conversation's log records, one per state change.

Every event is the result of a command the domain accepted (or of the clock, for
time limits). Applying the same events in the same order always gives the same
state: that is how the server persists conversations and clients mirror them.
"""

from __future__ import annotations

import msgspec

from .breakouts import BreakoutSettings, Placement, Room, RoomId
from .members import AudioConnection, Member, Role, UserId


class BaseEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    pass


class ConversationCreated(BaseEvent, frozen=True, tag="conversation_created"):
    conversation_id: str
    title: str
    owner: Member


class ConversationRenamed(BaseEvent, frozen=True, tag="conversation_renamed"):
    title: str


class MemberAdded(BaseEvent, frozen=True, tag="member_added"):
    member: Member


class MemberRemoved(BaseEvent, frozen=True, tag="member_removed"):
    """The member left or was removed; they leave their breakout room too."""

    user_id: UserId


class RoleChanged(BaseEvent, frozen=True, tag="role_changed"):
    """Promoted members leave their breakout room: moderators are not assigned."""

    user_id: UserId
    role: Role


class AudioChanged(BaseEvent, frozen=True, tag="audio_changed"):
    user_id: UserId
    audio: AudioConnection


class MessagePosted(BaseEvent, frozen=True, tag="message_posted"):
    """A chat message; ``room_id`` is ``None`` in the main conversation."""

    author: UserId
    text: str
    room_id: RoomId | None
    at: float


class BreakoutsSetUp(BaseEvent, frozen=True, tag="breakouts_set_up"):
    rooms: tuple[Room, ...]
    settings: BreakoutSettings


class SettingsChanged(BaseEvent, frozen=True, tag="settings_changed"):
    settings: BreakoutSettings


class RoomAdded(BaseEvent, frozen=True, tag="room_added"):
    room: Room


class RoomRemoved(BaseEvent, frozen=True, tag="room_removed"):
    """Its attendees are un-assigned (back in the main room)."""

    room_id: RoomId


class RoomRenamed(BaseEvent, frozen=True, tag="room_renamed"):
    room_id: RoomId
    name: str


class AttendeesPlaced(BaseEvent, frozen=True, tag="attendees_placed"):
    """Attendees put into rooms, moved, or sent back to the main room."""

    placements: tuple[Placement, ...]


class BreakoutsApplied(BaseEvent, frozen=True, tag="breakouts_applied"):
    """The plan is saved; the session can start."""


class SessionStarted(BaseEvent, frozen=True, tag="session_started"):
    started_at: float
    deadline: float | None


class TimeExtended(BaseEvent, frozen=True, tag="time_extended"):
    deadline: float


class ClosingStarted(BaseEvent, frozen=True, tag="closing_started"):
    """The closing countdown runs until ``closing_at``."""

    closing_at: float


class SessionEnded(BaseEvent, frozen=True, tag="session_ended"):
    """Everyone is back in the main room."""

    at: float


class BreakoutsDeleted(BaseEvent, frozen=True, tag="breakouts_deleted"):
    """Rooms and their chats are gone; the main conversation is untouched."""


class BroadcastSent(BaseEvent, frozen=True, tag="broadcast_sent"):
    author: UserId
    text: str
    at: float


class HelpRequested(BaseEvent, frozen=True, tag="help_requested"):
    user_id: UserId
    room_id: RoomId
    at: float


class HelpCleared(BaseEvent, frozen=True, tag="help_cleared"):
    user_id: UserId
    by: UserId


Event = (
    ConversationCreated
    | ConversationRenamed
    | MemberAdded
    | MemberRemoved
    | RoleChanged
    | AudioChanged
    | MessagePosted
    | BreakoutsSetUp
    | SettingsChanged
    | RoomAdded
    | RoomRemoved
    | RoomRenamed
    | AttendeesPlaced
    | BreakoutsApplied
    | SessionStarted
    | TimeExtended
    | ClosingStarted
    | SessionEnded
    | BreakoutsDeleted
    | BroadcastSent
    | HelpRequested
    | HelpCleared
)

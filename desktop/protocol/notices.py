"""Entries the server adds to a conversation's log besides the domain's events.

System messages are chat lines the server writes when breakout rooms change
(started, closing, ended). Notices are addressed: each names the one member
(or, for help requests, the moderators) it is for, and carries what that member
needs to act on it — which room to join, which number to dial.
"""

from __future__ import annotations

import msgspec

from desktop.core import RoomId, UserId
from desktop.core.events import Event


class BaseNotice(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    pass


class SystemMessage(BaseNotice, frozen=True, tag="system_message"):
    """A chat line by the server: in one room (``room_id``), in the main room
    (``None``), or in the main room and every breakout room (``everywhere``)."""

    text: str
    room_id: RoomId | None = None
    everywhere: bool = False


class Assigned(BaseNotice, frozen=True, tag="assigned"):
    """``user_id`` should join ``room_id`` now: the session started or they were
    moved. Phone attendees get the bridge's number and the room's PIN."""

    user_id: UserId
    room_id: RoomId
    room_name: str
    position: int
    dial_in_number: str | None = None
    pin: str | None = None


class HelpNeeded(BaseNotice, frozen=True, tag="help_needed"):
    """For the moderators: someone in ``room_id`` asked for help."""

    user_id: UserId
    room_id: RoomId
    room_name: str


class ClosingSoon(BaseNotice, frozen=True, tag="closing_soon"):
    """The breakout rooms close at ``closing_at``, ``seconds`` from the notice."""

    closing_at: float
    seconds: int


class BackInMainRoom(BaseNotice, frozen=True, tag="back_in_main_room"):
    user_id: UserId


class SwitchToPhone(BaseNotice, frozen=True, tag="switch_to_phone"):
    """``user_id`` shares a room with phone attendees, who cannot hear them;
    dialling in with the room's PIN (and switching to phone audio) fixes it."""

    user_id: UserId
    room_id: RoomId
    room_name: str
    phone_attendees: tuple[UserId, ...]
    dial_in_number: str | None = None
    pin: str | None = None


Notice = SystemMessage | Assigned | HelpNeeded | ClosingSoon | BackInMainRoom | SwitchToPhone

Body = Event | Notice
"""What one log entry holds."""


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of a conversation's log.

    ``seq`` counts from 1 without gaps per conversation; ``actor`` is whoever's
    command led to it (``None`` for the server's clock).
    """

    seq: int
    at: float
    actor: UserId | None
    body: Body

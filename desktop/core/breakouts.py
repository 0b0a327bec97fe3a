"""Breakout rooms: their configuration, the saved plan and the session state.

A conversation has at most one set of breakout rooms. Its life is a small state
machine::

    NOT_CONFIGURED -> CONFIGURED -> RUNNING -> CLOSING -> ENDED
                          ^            |                   |
                          |            +-------------------+ (no closing countdown)
                          +----------------------------------+ (apply again)

Deleting the rooms from CONFIGURED or ENDED goes back to NOT_CONFIGURED.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NewType

import msgspec

from .errors import DomainError, ErrorCode
from .members import UserId

RoomId = NewType("RoomId", int)

MAX_ROOMS = 200
DEFAULT_PHONE_ROOM_LIMIT = 7
MAX_DURATION = 24 * 60 * 60
MAX_CLOSING_COUNTDOWN = 10 * 60


class AssignmentMode(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"
    FREE_CHOICE = "free_choice"


class Phase(StrEnum):
    NOT_CONFIGURED = "not_configured"
    CONFIGURED = "configured"
    RUNNING = "running"
    CLOSING = "closing"
    ENDED = "ended"


class PlacementReason(StrEnum):
    """Why an attendee sits in a room; the panel shows it as a tooltip."""

    PINNED = "pinned"
    PHONE_ROOMS = "phone_rooms"
    BALANCED = "balanced"
    BALANCED_BY_ATTRIBUTE = "balanced_by_attribute"
    KEPT_WITH_GROUP = "kept_with_group"
    KEPT_APART = "kept_apart"
    SPEAKER = "speaker"
    CONFLICT_UNAVOIDABLE = "conflict_unavoidable"
    LATE_JOINER = "late_joiner"
    MANUAL = "manual"
    CHOSEN = "chosen"


def describe_reason(reason: PlacementReason, phone_room_limit: int) -> str:
    """A short sentence for a placement reason, as the panel shows it."""
    if reason is PlacementReason.PHONE_ROOMS:
        return f"phone: rooms 1–{phone_room_limit} only"
    return _REASON_TEXT[reason]


_REASON_TEXT = {
    PlacementReason.PINNED: "pinned",
    PlacementReason.BALANCED: "balanced",
    PlacementReason.BALANCED_BY_ATTRIBUTE: "balanced by attribute",
    PlacementReason.KEPT_WITH_GROUP: "kept with group",
    PlacementReason.KEPT_APART: "kept apart from group",
    PlacementReason.SPEAKER: "gives the room a speaker",
    PlacementReason.CONFLICT_UNAVOIDABLE: "no room without an audio conflict",
    PlacementReason.LATE_JOINER: "joined late: best current room",
    PlacementReason.MANUAL: "placed by a moderator",
    PlacementReason.CHOSEN: "chosen by the attendee",
}


class Room(msgspec.Struct, frozen=True):
    id: RoomId
    name: str


class PhoneBridge(msgspec.Struct, frozen=True):
    """The telephone bridge: one dial-in number, one PIN per phone-capable room.

    ``pins[i]`` admits a caller to breakout ``i + 1``.
    """

    dial_in_number: str
    pins: tuple[str, ...]

    def pin_for(self, position: int) -> str | None:
        return self.pins[position - 1] if 1 <= position <= len(self.pins) else None


class BreakoutSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Durations are in seconds; ``None`` means no limit and no countdown."""

    mode: AssignmentMode = AssignmentMode.MANUAL
    time_limit: int | None = None
    closing_countdown: int | None = None
    phone_room_limit: int = DEFAULT_PHONE_ROOM_LIMIT
    bridge: PhoneBridge | None = None


class Placement(msgspec.Struct, frozen=True):
    """One attendee put into a room, or back into the main room (``room_id=None``)."""

    user_id: UserId
    room_id: RoomId | None
    pinned: bool = False
    reason: PlacementReason = PlacementReason.MANUAL


class Plan(msgspec.Struct, frozen=True):
    """Who goes to which room, which of them are pinned, and why."""

    rooms_of: Mapping[UserId, RoomId] = msgspec.field(default_factory=dict)
    pinned: frozenset[UserId] = frozenset()
    reasons: Mapping[UserId, PlacementReason] = msgspec.field(default_factory=dict)

    def with_placements(self, placements: tuple[Placement, ...]) -> Plan:
        rooms_of = dict(self.rooms_of)
        pinned = set(self.pinned)
        reasons = dict(self.reasons)
        for placement in placements:
            user = placement.user_id
            if placement.room_id is None:
                rooms_of.pop(user, None)
                reasons.pop(user, None)
                pinned.discard(user)
                continue
            rooms_of[user] = placement.room_id
            reasons[user] = placement.reason
            if placement.pinned:
                pinned.add(user)
            else:
                pinned.discard(user)
        return Plan(rooms_of, frozenset(pinned), reasons)

    def without(self, users: frozenset[UserId]) -> Plan:
        if users.isdisjoint(self.rooms_of):
            return self
        return self.with_placements(tuple(Placement(user, None) for user in users))


class Breakouts(msgspec.Struct, frozen=True, kw_only=True):
    """The breakout rooms of one conversation and where their session stands.

    ``plan`` is the saved assignment. While the session runs it is also where
    everybody is: moving someone changes the plan.
    """

    phase: Phase = Phase.NOT_CONFIGURED
    rooms: tuple[Room, ...] = ()
    settings: BreakoutSettings = BreakoutSettings()
    plan: Plan = Plan()
    started_at: float | None = None
    deadline: float | None = None
    closing_at: float | None = None
    help_requests: Mapping[UserId, float] = msgspec.field(default_factory=dict)
    next_room_id: RoomId = RoomId(1)

    @property
    def is_set_up(self) -> bool:
        return self.phase is not Phase.NOT_CONFIGURED

    @property
    def is_live(self) -> bool:
        return self.phase in (Phase.RUNNING, Phase.CLOSING)

    def room(self, room_id: RoomId) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise DomainError(ErrorCode.UNKNOWN_ROOM, f"There is no breakout room with id {room_id}.")

    def position(self, room_id: RoomId) -> int:
        """The 1-based place of a room in the list; phone rules count by it."""
        return self.rooms.index(self.room(room_id)) + 1

    def positions(self) -> dict[RoomId, int]:
        return {room.id: index for index, room in enumerate(self.rooms, start=1)}

    def current_room(self, user: UserId) -> RoomId | None:
        """The breakout room ``user`` is in now; ``None`` is the main room."""
        return self.plan.rooms_of.get(user) if self.is_live else None

    def members_of(self, room_id: RoomId) -> frozenset[UserId]:
        return frozenset(user for user, room in self.plan.rooms_of.items() if room == room_id)


def validate_settings(settings: BreakoutSettings) -> BreakoutSettings:
    """Return ``settings`` if every value is usable, or refuse them."""
    _check_duration(settings.time_limit, MAX_DURATION, "time limit")
    _check_duration(settings.closing_countdown, MAX_CLOSING_COUNTDOWN, "closing countdown")
    limit = settings.phone_room_limit
    if not 1 <= limit <= MAX_ROOMS:
        raise DomainError(
            ErrorCode.INVALID_SETTING,
            f"The phone room limit must be between 1 and {MAX_ROOMS}, not {limit}.",
        )
    if settings.bridge is not None:
        _check_bridge(settings.bridge, limit)
    return settings


def _check_duration(seconds: int | None, maximum: int, what: str) -> None:
    if seconds is not None and not 1 <= seconds <= maximum:
        raise DomainError(
            ErrorCode.INVALID_SETTING,
            f"The {what} must be between 1 and {maximum} seconds, not {seconds}.",
        )


_DIGITS = frozenset("0123456789")


def _check_bridge(bridge: PhoneBridge, limit: int) -> None:
    number = bridge.dial_in_number
    digits = sum(char in _DIGITS for char in number)
    if digits < 3 or any(char not in _DIGITS and char not in "+-() " for char in number):
        raise DomainError(
            ErrorCode.INVALID_SETTING,
            f"{number!r} is not a dial-in number: use digits, spaces, '+', '-' and brackets.",
        )
    if len(bridge.pins) != limit:
        raise DomainError(
            ErrorCode.INVALID_SETTING,
            f"The phone bridge needs one PIN for each of the {limit} phone-capable rooms, "
            f"not {len(bridge.pins)}.",
        )
    for position, pin in enumerate(bridge.pins, start=1):
        if not (set(pin) <= _DIGITS and 3 <= len(pin) <= 12):
            raise DomainError(
                ErrorCode.INVALID_SETTING,
                f"The PIN of room {position} must be 3 to 12 digits, not {pin!r}.",
            )
    if len(set(bridge.pins)) != len(bridge.pins):
        raise DomainError(ErrorCode.INVALID_SETTING, "Every phone room needs a PIN of its own.")

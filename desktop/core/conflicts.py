"""Audio conflicts and phone-rule violations of an assignment.

A Phone attendee hears only the bridge, so sharing a room with VOIP or Just
Listening attendees means they cannot hear each other: an audio conflict. The
VOIP and Just Listening attendees of such a room are the *affected* ones: the
panel paints their rows red and they are prompted to switch to phone audio.
Phone attendees can only be in breakouts 1…limit (the bridge's sub-conferences).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from .breakouts import RoomId
from .members import AudioConnection, Member, UserId


class RoomConflict(msgspec.Struct, frozen=True):
    room_id: RoomId
    affected: frozenset[UserId]
    phone_attendees: frozenset[UserId]


class PhoneViolation(msgspec.Struct, frozen=True):
    """A Phone attendee in a room the bridge cannot reach."""

    user_id: UserId
    room_id: RoomId
    position: int


class ConflictReport(msgspec.Struct, frozen=True):
    rooms: Mapping[RoomId, RoomConflict]
    phone_violations: tuple[PhoneViolation, ...]

    @property
    def is_clean(self) -> bool:
        return not self.rooms and not self.phone_violations

    @property
    def affected(self) -> frozenset[UserId]:
        """Everyone to paint red and to prompt for phone audio."""
        return frozenset().union(*(conflict.affected for conflict in self.rooms.values()))


def analyze(
    members: Mapping[UserId, Member],
    rooms_of: Mapping[UserId, RoomId],
    positions: Mapping[RoomId, int],
    phone_room_limit: int,
) -> ConflictReport:
    """Find every audio conflict and phone-rule violation of ``rooms_of``.

    ``positions`` maps each room to its 1-based place in the room list.
    """
    phone = AudioConnection.PHONE
    phones: dict[RoomId, list[UserId]] = {}
    others: dict[RoomId, list[UserId]] = {}
    for user, room in rooms_of.items():
        if members[user].audio is phone:
            phones.setdefault(room, []).append(user)
        else:
            others.setdefault(room, []).append(user)
    conflicts = {
        room: RoomConflict(room, frozenset(others[room]), frozenset(callers))
        for room, callers in phones.items()
        if room in others
    }
    violations = tuple(
        PhoneViolation(user, room, positions[room])
        for room, callers in phones.items()
        if positions[room] > phone_room_limit
        for user in callers
    )
    return ConflictReport(conflicts, violations)

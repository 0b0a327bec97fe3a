"""Who is in which call, and who may join one.

Calls are not logged: they live as long as the connections in them. A member is
in at most one call per conversation, held by one of their connections.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from desktop.core import Conversation, RoomId, UserId
from desktop.protocol.messages import CallParticipant, CallState


class Seat(msgspec.Struct, frozen=True):
    room_id: RoomId | None
    muted: bool
    connection: str


def may_join(conversation: Conversation, user: UserId, room_id: RoomId | None) -> bool:
    """The main room's call is for every member not sent to a breakout room; a
    breakout room's call, while the session runs, for its members and the
    moderators (who visit)."""
    member = conversation.members.get(user)
    if member is None:
        return False
    breakouts = conversation.breakouts
    current = breakouts.current_room(user)
    if room_id is None:
        return member.is_moderator or current is None
    if not breakouts.is_live or all(room.id != room_id for room in breakouts.rooms):
        return False
    return member.is_moderator or current == room_id


class Calls:
    """The calls of every conversation: seats by conversation and member."""

    def __init__(self) -> None:
        self._seats: dict[str, dict[UserId, Seat]] = {}

    def seat(self, conversation_id: str, user: UserId) -> Seat | None:
        return self._seats.get(conversation_id, {}).get(user)

    def take(self, conversation_id: str, user: UserId, seat: Seat) -> Seat | None:
        """Seat ``user``; returns the seat they left, if any."""
        seats = self._seats.setdefault(conversation_id, {})
        old = seats.get(user)
        seats[user] = seat
        return old

    def leave(self, conversation_id: str, user: UserId) -> Seat | None:
        seats = self._seats.get(conversation_id, {})
        seat = seats.pop(user, None)
        if not seats:
            self._seats.pop(conversation_id, None)
        return seat

    def state(self, conversation_id: str, room_id: RoomId | None) -> CallState:
        participants = tuple(
            CallParticipant(user_id=user, muted=seat.muted)
            for user, seat in sorted(self._seats.get(conversation_id, {}).items())
            if seat.room_id == room_id
        )
        return CallState(
            conversation_id=conversation_id, room_id=room_id, participants=participants
        )

    def rooms(self, conversation_id: str) -> set[RoomId | None]:
        return {seat.room_id for seat in self._seats.get(conversation_id, {}).values()}

    def seats(self, conversation_id: str) -> Iterator[tuple[UserId, Seat]]:
        yield from tuple(self._seats.get(conversation_id, {}).items())

    def of_connection(self, connection: str) -> Iterator[tuple[str, UserId]]:
        for conversation_id, seats in tuple(self._seats.items()):
            for user, seat in tuple(seats.items()):
                if seat.connection == connection:
                    yield conversation_id, user

    def drop(self, conversation_id: str) -> None:
        self._seats.pop(conversation_id, None)

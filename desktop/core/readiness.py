"""The check before "Apply and Start": every problem with a fix one call applies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum

import msgspec

from .breakouts import AssignmentMode, Breakouts, Placement, PlacementReason, Room, RoomId
from .commands import AddRoom, Batch, Command, PlaceAttendees, RemoveRoom
from .conflicts import RoomConflict, analyze
from .conversation import Conversation
from .distribute import place_late_joiners
from .members import AudioConnection, Member, UserId

_PHONE = AudioConnection.PHONE
_VOIP = AudioConnection.VOIP
_LISTENING = AudioConnection.JUST_LISTENING


class ProblemKind(StrEnum):
    AUDIO_CONFLICT = "audio_conflict"
    PHONE_ROOM_LIMIT = "phone_room_limit"
    UNASSIGNED = "unassigned"
    EMPTY_ROOM = "empty_room"
    LISTENERS_ONLY = "listeners_only"


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """Something to settle before starting, and the command that settles it."""

    kind: ProblemKind
    message: str
    fix_label: str
    fix: Command
    room_id: RoomId | None = None
    user_ids: frozenset[UserId] = frozenset()


def check_readiness(conversation: Conversation) -> tuple[Problem, ...]:
    """Every problem of the saved plan, in the order a moderator should see them."""
    breakouts = conversation.breakouts
    if not breakouts.is_set_up:
        return ()
    checker = _Checker(conversation.members, breakouts)
    return (
        *checker.phone_violations(),
        *checker.conflicts(),
        *checker.unassigned(conversation.attendees()),
        *checker.listeners_only(),
        *checker.empty_rooms(),
    )


class _Checker:
    def __init__(self, members: Mapping[UserId, Member], breakouts: Breakouts) -> None:
        self.members = members
        self.breakouts = breakouts
        self.rooms_of = breakouts.plan.rooms_of
        self.limit = breakouts.settings.phone_room_limit
        self.positions = breakouts.positions()
        self.report = analyze(members, self.rooms_of, self.positions, self.limit)
        self.free_choice = breakouts.settings.mode is AssignmentMode.FREE_CHOICE
        self.per_room = _people_per_room(self.rooms_of)

    def phone_violations(self) -> Iterator[Problem]:
        by_room: dict[RoomId, list[UserId]] = {}
        for violation in self.report.phone_violations:
            by_room.setdefault(violation.room_id, []).append(violation.user_id)
        for room_id, callers in by_room.items():
            room = self.breakouts.room(room_id)
            yield Problem(
                kind=ProblemKind.PHONE_ROOM_LIMIT,
                message=(
                    f"{self._names(callers)} {_are(callers)} on the phone in {room.name!r}, "
                    f"room {self.positions[room_id]}; the bridge reaches rooms 1–{self.limit}."
                ),
                fix_label=f"Move {self._names(callers)} to a phone room",
                fix=PlaceAttendees(placements=self._replace(callers)),
                room_id=room_id,
                user_ids=frozenset(callers),
            )

    def conflicts(self) -> Iterator[Problem]:
        for conflict in self.report.rooms.values():
            room = self.breakouts.room(conflict.room_id)
            movers, fix = self._conflict_fix(conflict)
            yield Problem(
                kind=ProblemKind.AUDIO_CONFLICT,
                message=(
                    f"In {room.name!r}, {self._names(conflict.phone_attendees)} on the phone "
                    f"cannot hear {self._names(conflict.affected)}."
                ),
                fix_label=f"Move {self._names(movers)} to another room",
                fix=fix,
                room_id=room.id,
                user_ids=conflict.affected | conflict.phone_attendees,
            )

    def unassigned(self, attendees: Iterable[Member]) -> Iterator[Problem]:
        if self.free_choice:
            return
        waiting = [member.user_id for member in attendees if member.user_id not in self.rooms_of]
        if waiting:
            yield Problem(
                kind=ProblemKind.UNASSIGNED,
                message=f"{self._names(waiting)} {_have(waiting)} no room yet.",
                fix_label=f"Place {self._names(waiting)}",
                fix=PlaceAttendees(placements=self._replace(waiting)),
                user_ids=frozenset(waiting),
            )

    def listeners_only(self) -> Iterator[Problem]:
        per_room = self.per_room
        audio = {user: self.members[user].audio for user in self.rooms_of}
        speakers = {
            room: [user for user in people if audio[user] is _VOIP]
            for room, people in per_room.items()
            if not any(audio[user] is _PHONE for user in people)
        }
        if not any(speakers.values()):
            return  # nobody anywhere can speak: there is nothing to rearrange
        for room_id, people in per_room.items():
            if all(audio[user] is _LISTENING for user in people):
                room = self.breakouts.room(room_id)
                yield Problem(
                    kind=ProblemKind.LISTENERS_ONLY,
                    message=(
                        f"Nobody in {room.name!r} can speak: {self._names(people)} only listen."
                    ),
                    fix_label=f"Bring a speaker into {room.name!r}",
                    fix=PlaceAttendees(placements=_give_speaker(room_id, per_room, speakers)),
                    room_id=room_id,
                    user_ids=frozenset(people),
                )

    def empty_rooms(self) -> Iterator[Problem]:
        if self.free_choice or len(self.breakouts.rooms) == 1:
            return
        occupied = set(self.rooms_of.values())
        for room in self.breakouts.rooms:
            if room.id not in occupied:
                yield Problem(
                    kind=ProblemKind.EMPTY_ROOM,
                    message=f"Nobody is in {room.name!r}.",
                    fix_label=f"Remove {room.name!r}",
                    fix=RemoveRoom(room_id=room.id),
                    room_id=room.id,
                )

    def _conflict_fix(self, conflict: RoomConflict) -> tuple[frozenset[UserId], Command]:
        """Move the smaller side of a conflict out, to rooms without one if any
        exist, else into a new room."""
        phones, others = conflict.phone_attendees, conflict.affected
        sides = sorted([phones, others], key=len)
        for movers in sides:
            if self._has_clean_room(conflict.room_id, movers is phones):
                return movers, PlaceAttendees(placements=self._replace(movers))
        breakouts = self.breakouts
        new_room = Room(breakouts.next_room_id, _free_name(breakouts))
        fits_phones = len(breakouts.rooms) + 1 <= self.limit
        movers = sides[0] if fits_phones else others
        placements = tuple(Placement(user, new_room.id) for user in sorted(movers))
        return movers, Batch(
            commands=(AddRoom(name=new_room.name), PlaceAttendees(placements=placements))
        )

    def _has_clean_room(self, conflict_room: RoomId, for_phones: bool) -> bool:
        for room in self.breakouts.rooms:
            if room.id == conflict_room or (for_phones and self.positions[room.id] > self.limit):
                continue
            people = self.per_room.get(room.id, [])
            if all((self.members[user].audio is _PHONE) is for_phones for user in people):
                return True
        return False

    def _replace(self, users: Iterable[UserId]) -> tuple[Placement, ...]:
        """Late-joiner placements for ``users``, everyone else staying put. Phone
        attendees go first: they have the fewest rooms to choose from."""
        moving = sorted(users, key=lambda user: (self.members[user].audio is not _PHONE, user))
        return place_late_joiners(
            [self.members[user] for user in moving],
            self.members,
            [room.id for room in self.breakouts.rooms],
            self.rooms_of,
            self.limit,
        )

    def _names(self, users: Iterable[UserId]) -> str:
        names = sorted(self.members[user].display_name for user in users)
        if len(names) > 3:
            return f"{', '.join(names[:3])} and {len(names) - 3} more"
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _give_speaker(
    room_id: RoomId,
    per_room: Mapping[RoomId, list[UserId]],
    speakers: Mapping[RoomId, list[UserId]],
) -> tuple[Placement, ...]:
    """Swap in a VOIP attendee from a room that keeps another one; failing that,
    move the listeners to the smallest room that has a speaker."""
    listeners = sorted(per_room[room_id])
    for other, voices in speakers.items():
        if len(voices) > 1:
            return (
                Placement(min(voices), room_id, reason=PlacementReason.SPEAKER),
                Placement(listeners[0], other),
            )
    target = min(
        (room for room, voices in speakers.items() if voices), key=lambda r: (len(per_room[r]), r)
    )
    return tuple(Placement(user, target) for user in listeners)


def _people_per_room(rooms_of: Mapping[UserId, RoomId]) -> dict[RoomId, list[UserId]]:
    per_room: dict[RoomId, list[UserId]] = {}
    for user, room in rooms_of.items():
        per_room.setdefault(room, []).append(user)
    return per_room


def _free_name(breakouts: Breakouts) -> str:
    taken = {room.name.casefold() for room in breakouts.rooms}
    number = len(breakouts.rooms) + 1
    while f"room {number}" in taken:
        number += 1
    return f"Room {number}"


def _are(users: list[UserId]) -> str:
    return "is" if len(users) == 1 else "are"


def _have(users: list[UserId]) -> str:
    return "has" if len(users) == 1 else "have"

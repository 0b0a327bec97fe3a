"""Distributing attendees over breakout rooms.

Smart Distribute, in order of priority:

1. Moderators are never distributed; pinned attendees stay where they are (a
   pinned Phone attendee beyond the phone room limit is re-placed: the bridge
   cannot reach that room).
2. Phone attendees go only to rooms 1…limit.
3. No room mixes Phone with VOIP or Just Listening attendees whenever that can
   be avoided; when it cannot, the fewest attendees possible are affected.
4. The largest room is as small as possible, then rooms are as even as possible:
   phone rooms differ by at most one, the other rooms too (as far as pins allow).
5. No room holds only Just Listening attendees while a VOIP attendee can be
   swapped in (or moved in, where sizes allow) from a room that keeps another.
6. Soft goals: keep-together groups, keep-apart groups, balance by an attribute.

Everything is deterministic for a given seed and input order.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import msgspec

from .balance import seats, water_fill
from .breakouts import Placement, PlacementReason, Plan, RoomId
from .errors import DomainError, ErrorCode
from .members import AudioConnection, Member, Role, UserId

_PHONE = AudioConnection.PHONE
_VOIP = AudioConnection.VOIP
_LISTENING = AudioConnection.JUST_LISTENING


class DistributeOptions(msgspec.Struct, frozen=True, kw_only=True):
    """The seed and the soft goals of one Smart Distribute run.

    ``balance_by`` names a member attribute (``"company"``, ``"team"``) whose
    values should spread over the rooms.
    """

    seed: int = 0
    keep_together: tuple[frozenset[UserId], ...] = ()
    keep_apart: tuple[frozenset[UserId], ...] = ()
    balance_by: str | None = None


NO_SOFT_GOALS = DistributeOptions()


def smart_distribute(
    members: Iterable[Member],
    rooms: Sequence[RoomId],
    pins: Mapping[UserId, RoomId],
    phone_room_limit: int,
    options: DistributeOptions = NO_SOFT_GOALS,
) -> Plan:
    """Place every attendee of ``members`` into one of ``rooms``.

    ``pins`` are the attendees a moderator placed and locked; pins to rooms not
    in ``rooms`` are ignored.
    """
    board = _Board(rooms, phone_room_limit)
    phones, voices = board.take_pins(members, pins, honour_phone_limit=True)
    shuffle = random.Random(options.seed).shuffle
    shuffle(phones)
    shuffle(voices)
    phone_slots, voice_slots = _choose_slots(board, len(phones), len(voices))
    placer = _Placer(board, options)
    placer.place(phones, phone_slots, PlacementReason.PHONE_ROOMS)
    placer.place(list(voices), voice_slots, PlacementReason.BALANCED)
    placer.give_speakers(voices)
    placer.explain()
    return placer.plan()


def plain_distribute(
    members: Iterable[Member],
    rooms: Sequence[RoomId],
    pins: Mapping[UserId, RoomId],
    phone_room_limit: int,
    seed: int = 0,
) -> Plan:
    """Spread attendees evenly at random, blind to audio conflicts.

    Only the bridge's reach is kept: Phone attendees go to rooms 1…limit, and
    everybody else fills the rooms around them.
    """
    board = _Board(rooms, phone_room_limit)
    phones, voices = board.take_pins(members, pins, honour_phone_limit=True)
    shuffle = random.Random(seed).shuffle
    shuffle(phones)
    shuffle(voices)
    reachable = list(range(board.limit))
    placer = _Placer(board, NO_SOFT_GOALS)
    phone_slots = water_fill([board.sizes[index] for index in reachable], len(phones))
    placer.place(phones, _slots(board.count, reachable, phone_slots), PlacementReason.BALANCED)
    placer.place(voices, water_fill(board.sizes, len(voices)), PlacementReason.BALANCED)
    return placer.plan()


def place_late_joiner(
    member: Member,
    members: Mapping[UserId, Member],
    rooms: Sequence[RoomId],
    rooms_of: Mapping[UserId, RoomId],
    phone_room_limit: int,
) -> Placement:
    """The best current room for someone who arrives after distribution.

    Nobody else moves. Preference: no audio conflict, then the smallest room, then
    a room where the newcomer can talk or be heard, then the earliest room.
    """
    return place_late_joiners([member], members, rooms, rooms_of, phone_room_limit)[0]


def place_late_joiners(
    newcomers: Sequence[Member],
    members: Mapping[UserId, Member],
    rooms: Sequence[RoomId],
    rooms_of: Mapping[UserId, RoomId],
    phone_room_limit: int,
) -> tuple[Placement, ...]:
    """:func:`place_late_joiner` for several newcomers, one after the other, each
    seeing where the earlier ones went. Whoever is in ``newcomers`` is placed anew."""
    board = _Board(rooms, phone_room_limit)
    arriving = {member.user_id for member in newcomers}
    board.take_pins(
        (members[user] for user in rooms_of if user not in arriving and user in members),
        rooms_of,
        honour_phone_limit=False,
    )
    placements = []
    for member in newcomers:
        candidates = range(board.limit) if member.audio is _PHONE else range(board.count)
        index = min(candidates, key=lambda room: board.late_joiner_cost(room, member.audio))
        conflicting = board.late_joiner_cost(index, member.audio)[0]
        reason = (
            PlacementReason.CONFLICT_UNAVOIDABLE if conflicting else PlacementReason.LATE_JOINER
        )
        board.seat(member, index, reason)
        placements.append(Placement(member.user_id, rooms[index], reason=reason))
    return tuple(placements)


class _Board:
    """The rooms being filled: who sits where, and per-room head counts."""

    def __init__(self, rooms: Sequence[RoomId], phone_room_limit: int) -> None:
        if not rooms:
            raise DomainError(ErrorCode.NOT_SET_UP, "There are no breakout rooms to fill.")
        self.rooms = rooms
        self.count = len(rooms)
        self.limit = min(phone_room_limit, self.count)
        self.index_of = {room: index for index, room in enumerate(rooms)}
        self.sizes = [0] * self.count
        self.phones = [0] * self.count
        self.voips = [0] * self.count
        self.listeners = [0] * self.count
        self.rooms_of: dict[UserId, RoomId] = {}
        self.reasons: dict[UserId, PlacementReason] = {}
        self.pinned: set[UserId] = set()

    def take_pins(
        self,
        members: Iterable[Member],
        pins: Mapping[UserId, RoomId],
        *,
        honour_phone_limit: bool,
    ) -> tuple[list[Member], list[Member]]:
        """Seat the pinned attendees; return the others as (phones, voices)."""
        phones: list[Member] = []
        voices: list[Member] = []
        add_phone, add_voice = phones.append, voices.append
        moderator = Role.MODERATOR
        for member in members:
            if member.role is moderator:
                continue
            if member.user_id in pins:
                index = self.index_of.get(pins[member.user_id])
                is_phone = member.audio is _PHONE
                if index is not None and not (
                    honour_phone_limit and is_phone and index >= self.limit
                ):
                    self.seat(member, index, PlacementReason.PINNED)
                    self.pinned.add(member.user_id)
                    continue
            if member.audio is _PHONE:
                add_phone(member)
            else:
                add_voice(member)
        return phones, voices

    def seat(self, member: Member, index: int, reason: PlacementReason) -> None:
        self.rooms_of[member.user_id] = self.rooms[index]
        self.reasons[member.user_id] = reason
        self.sizes[index] += 1
        if member.audio is _PHONE:
            self.phones[index] += 1
        elif member.audio is _VOIP:
            self.voips[index] += 1
        else:
            self.listeners[index] += 1

    def voices(self, index: int) -> int:
        return self.voips[index] + self.listeners[index]

    def late_joiner_cost(self, index: int, audio: AudioConnection) -> tuple[bool, int, bool, int]:
        if audio is _PHONE:
            return (self.voices(index) > 0, self.sizes[index], False, index)
        conflict = self.phones[index] > 0
        if audio is _VOIP:
            # A VOIP newcomer is best where listeners have nobody to hear.
            mute_room = self.listeners[index] > 0 and not self.voips[index]
            return (conflict, self.sizes[index], not mute_room, index)
        return (conflict, self.sizes[index], not self.voips[index], index)


@dataclass(frozen=True)
class _Layout:
    score: tuple[int, int, int, int, int]
    phone_slots: list[int]
    voice_slots: list[int]


def _choose_slots(board: _Board, phones: int, voices: int) -> tuple[list[int], list[int]]:
    """How many unpinned phone and voice attendees each room receives.

    Rooms with pinned phones are phone rooms, rooms with pinned voices are voice
    rooms; the empty rooms within the phone limit can be either. Trying every
    number of them as phone rooms and water-filling each class finds the layout
    with the fewest VOIP and Just Listening attendees in a conflict, then the fewest
    phone attendees in one, then the smallest largest room, then the most even.
    """
    count, limit = board.count, board.limit
    pinned_voices = [board.voices(index) for index in range(count)]
    empty = [index for index in range(count) if not board.sizes[index]]
    free_low = [index for index in empty if index < limit]
    free_high = [index for index in empty if index >= limit]
    phone_rooms = [i for i in range(limit) if board.phones[i] and not pinned_voices[i]]
    voice_rooms = [i for i in range(count) if pinned_voices[i] and not board.phones[i]]
    best: _Layout | None = None
    for extra in range(len(free_low) + 1 if phones else 1):
        layout = _layout(
            board,
            phone_rooms + free_low[:extra],
            voice_rooms + free_low[extra:] + free_high,
            phones,
            voices,
            extra,
        )
        if best is None or layout.score < best.score:
            best = layout
    assert best is not None
    return best.phone_slots, best.voice_slots


def _layout(
    board: _Board,
    phone_rooms: list[int],
    voice_rooms: list[int],
    phones: int,
    voices: int,
    extra: int,
) -> _Layout:
    count = board.count
    if phones and not phone_rooms:
        # Every room the bridge reaches holds voice attendees: the phones share one,
        # preferably one that already has a conflict, else the one with fewest voices.
        shared = min(
            range(board.limit),
            key=lambda i: (not board.phones[i], board.voices(i), i),
        )
        phone_rooms = [shared]
        voice_rooms = [i for i in voice_rooms if i != shared] or voice_rooms
    if voices and not voice_rooms:
        voice_rooms = list(range(count))  # every room holds phones: a conflict anywhere
    sizes = list(board.sizes)
    phone_slots = _slots(count, phone_rooms, water_fill([sizes[i] for i in phone_rooms], phones))
    for index in phone_rooms:
        sizes[index] += phone_slots[index]
    voice_slots = _slots(count, voice_rooms, water_fill([sizes[i] for i in voice_rooms], voices))
    affected = stranded = 0
    for index in range(count):
        sizes[index] += voice_slots[index]
        room_phones = board.phones[index] + phone_slots[index]
        room_voices = board.voices(index) + voice_slots[index]
        if room_phones and room_voices:
            affected += room_voices
            stranded += room_phones
    score = (affected, stranded, max(sizes), sum(size * size for size in sizes), extra)
    return _Layout(score, phone_slots, voice_slots)


def _slots(count: int, rooms: list[int], amounts: list[int]) -> list[int]:
    slots = [0] * count
    for index, amount in zip(rooms, amounts, strict=True):
        slots[index] = amount
    return slots


class _Placer:
    """Puts unpinned attendees into the slots a layout gave each room."""

    def __init__(self, board: _Board, options: DistributeOptions) -> None:
        self.board = board
        self.options = options
        self.together = [sorted(group) for group in options.keep_together]
        self.apart = [sorted(group) for group in options.keep_apart]
        self.apart_index: dict[UserId, int] = {}
        for number, group in enumerate(self.apart):
            for user in group:
                self.apart_index.setdefault(user, number)
        self.grouped = frozenset().union(*options.keep_together, *options.keep_apart)

    def place(self, attendees: list[Member], slots: list[int], reason: PlacementReason) -> None:
        """Seat ``attendees``, using up ``slots``: keep-together groups first, then
        the rest dealt round-robin."""
        attendees = self._place_groups(attendees, slots, reason)
        balance_by = self.options.balance_by
        if self.apart_index or balance_by:
            attendees.sort(key=self._dealing_key)  # stable: keeps the seeded order
            if balance_by and reason is PlacementReason.BALANCED:
                reason = PlacementReason.BALANCED_BY_ATTRIBUTE
        board = self.board
        rooms, rooms_of, reasons = board.rooms, board.rooms_of, board.reasons
        phones, voips, listeners = board.phones, board.voips, board.listeners
        for member, index in zip(attendees, seats(slots), strict=True):
            rooms_of[member.user_id] = rooms[index]
            reasons[member.user_id] = reason
            audio = member.audio
            if audio is _VOIP:
                voips[index] += 1
            elif audio is _LISTENING:
                listeners[index] += 1
            else:
                phones[index] += 1
        for index, amount in enumerate(slots):
            board.sizes[index] += amount
            slots[index] = 0

    def _place_groups(
        self, attendees: list[Member], slots: list[int], reason: PlacementReason
    ) -> list[Member]:
        """Seat keep-together groups in as few rooms as the slots allow."""
        if not self.together:
            return attendees
        by_id = {member.user_id: member for member in attendees}
        for group in sorted(self.together, key=len, reverse=True):
            pending = [by_id.pop(user) for user in group if user in by_id]
            while pending:
                index = self._room_for_group(group, slots)
                taken, pending = pending[: slots[index]], pending[slots[index] :]
                for member in taken:
                    self.board.seat(member, index, reason)
                slots[index] -= len(taken)
        return [member for member in attendees if member.user_id in by_id]

    def _room_for_group(self, group: list[UserId], slots: list[int]) -> int:
        board = self.board
        present = Counter(
            board.index_of[board.rooms_of[user]] for user in group if user in board.rooms_of
        )
        open_rooms = [index for index in range(board.count) if slots[index]]
        return max(open_rooms, key=lambda i: (present[i], slots[i], -i))

    def _dealing_key(self, member: Member) -> tuple[int, str]:
        apart = self.apart_index.get(member.user_id, len(self.apart))
        balance_by = self.options.balance_by
        return apart, member.attributes.get(balance_by, "") if balance_by else ""

    def give_speakers(self, voices: list[Member]) -> None:
        """Bring a VOIP attendee into every room where nobody can speak, from a
        room that keeps another one: by swapping with a listener (same attribute
        value and no group preferred), or by a move where sizes allow."""
        board = self.board
        mute = [i for i in range(board.count) if board.listeners[i] == board.sizes[i] > 0]
        if not mute:
            return
        loose: dict[int, list[Member]] = {}
        for member in voices:
            loose.setdefault(board.index_of[board.rooms_of[member.user_id]], []).append(member)
        for index in mute:
            options = self._speaker_options(index, loose)
            best = min(options, key=lambda option: option[0], default=None)
            if best is None:
                continue
            _, listener, speaker, donor = best
            self._move(speaker, donor, index, loose)
            board.reasons[speaker.user_id] = PlacementReason.SPEAKER
            if listener is not None:
                self._move(listener, index, donor, loose)

    def _speaker_options(
        self, index: int, loose: dict[int, list[Member]]
    ) -> Iterator[tuple[tuple[bool, bool, bool], Member | None, Member, int]]:
        """(cost, listener to swap out or None for a plain move, speaker, donor room)."""
        board = self.board
        balance_by = self.options.balance_by or ""
        grouped = self.grouped
        for donor in range(board.count):
            if board.voips[donor] < 2 or board.phones[donor]:
                continue
            for speaker in loose.get(donor, ()):
                if speaker.audio is not _VOIP:
                    continue
                value = speaker.attributes.get(balance_by)
                for listener in loose.get(index, ()):
                    yield (
                        (
                            False,
                            listener.attributes.get(balance_by) != value,
                            speaker.user_id in grouped or listener.user_id in grouped,
                        ),
                        listener,
                        speaker,
                        donor,
                    )
                if board.sizes[donor] > board.sizes[index]:
                    yield (True, False, speaker.user_id in grouped), None, speaker, donor

    def _move(
        self, member: Member, source: int, target: int, loose: dict[int, list[Member]]
    ) -> None:
        board = self.board
        loose[source].remove(member)
        loose.setdefault(target, []).append(member)
        board.rooms_of[member.user_id] = board.rooms[target]
        counts = board.voips if member.audio is _VOIP else board.listeners
        counts[source] -= 1
        counts[target] += 1
        board.sizes[source] -= 1
        board.sizes[target] += 1

    def explain(self) -> None:
        """Give each placement the reason that tells most about it."""
        self._mark_groups(self.apart, lambda together: together == 1, PlacementReason.KEPT_APART)
        self._mark_groups(
            self.together, lambda together: together > 1, PlacementReason.KEPT_WITH_GROUP
        )
        self._mark_conflicts()

    def plan(self) -> Plan:
        board = self.board
        return Plan(board.rooms_of, frozenset(board.pinned), board.reasons)

    def _mark_groups(
        self,
        groups: list[list[UserId]],
        holds: Callable[[int], bool],
        reason: PlacementReason,
    ) -> None:
        board = self.board
        for group in groups:
            placed = [user for user in group if user in board.rooms_of]
            per_room = Counter(board.rooms_of[user] for user in placed)
            for user in placed:
                if user not in board.pinned and holds(per_room[board.rooms_of[user]]):
                    board.reasons[user] = reason

    def _mark_conflicts(self) -> None:
        board = self.board
        mixed = {
            board.rooms[index]
            for index in range(board.count)
            if board.phones[index] and board.voices(index)
        }
        if not mixed:
            return
        for user, room in board.rooms_of.items():
            if room in mixed and user not in board.pinned:
                board.reasons[user] = PlacementReason.CONFLICT_UNAVOIDABLE

"""The Smart Distribute panel's working copy of a breakout plan.

The panel edits a draft, not the server's state: Smart Distribute, drops and
readiness fixes change the draft at once, and only "Apply" sends it. The draft
keeps, per room, its people in display order and how many of them are on the
phone, so a drop updates two rooms and their conflict state without looking at
the other thousands of attendees. No Qt here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from msgspec.structs import replace

from desktop.core import (
    AudioConnection,
    Breakouts,
    Conversation,
    DistributeOptions,
    PlacementReason,
    Plan,
    Problem,
    Room,
    RoomId,
    UserId,
    check_readiness,
    execute,
    smart_distribute,
)
from desktop.core.commands import AddRoom, Command, RemoveRoom

_AUDIO_ORDER = {
    AudioConnection.PHONE: 0,
    AudioConnection.VOIP: 1,
    AudioConnection.JUST_LISTENING: 2,
}

Bucket = RoomId | None
"""A room of the draft; ``None`` is the Unassigned list."""


class MoveRefused(Exception):
    """A move the rules forbid; the message says why, for the moderator."""


@dataclass(frozen=True)
class Moved:
    """Where the people of one move came from."""

    users: tuple[UserId, ...]
    sources: frozenset[Bucket]
    target: Bucket


class PlanDraft:
    """A breakout plan being edited, with its audio conflicts kept up to date.

    ``conversation`` is the saved state the draft started from; fixes from the
    readiness check may add or remove rooms in the draft as well.
    """

    def __init__(self, conversation: Conversation, me: UserId) -> None:
        self.me = me
        self.saved = conversation
        self._load(conversation)

    def _load(self, conversation: Conversation) -> None:
        self.conversation = conversation
        breakouts = conversation.breakouts
        self.rooms: list[Room] = list(breakouts.rooms)
        self.positions = breakouts.positions()
        self.limit = breakouts.settings.phone_room_limit
        self.members = {member.user_id: member for member in conversation.attendees()}
        plan = breakouts.plan
        self.rooms_of = {u: r for u, r in plan.rooms_of.items() if u in self.members}
        self.pinned = set(plan.pinned) & set(self.members)
        self.reasons = dict(plan.reasons)
        self._people: dict[Bucket, list[UserId]] = {None: [], **{r.id: [] for r in self.rooms}}
        self._phones: dict[Bucket, int] = dict.fromkeys(self._people, 0)
        for user in sorted(self.members, key=self.sort_key):
            self._people[self.rooms_of.get(user)].append(user)
            if self._is_phone(user):
                self._phones[self.rooms_of.get(user)] += 1

    # Reading

    def people(self, bucket: Bucket) -> Sequence[UserId]:
        """The people of a room (or the unassigned), phone first, then by name."""
        return self._people[bucket]

    def sort_key(self, user: UserId) -> tuple[int, str, str]:
        member = self.members[user]
        return _AUDIO_ORDER[member.audio], member.display_name.casefold(), user

    def bucket_of(self, user: UserId) -> Bucket:
        return self.rooms_of.get(user)

    def insertion_row(self, user: UserId, bucket: Bucket) -> int:
        """Where ``user`` would go in ``bucket``'s list."""
        return bisect.bisect_left(self._people[bucket], self.sort_key(user), key=self.sort_key)

    def has_conflict(self, bucket: Bucket) -> bool:
        """Phone and VOIP/Just Listening attendees share this room."""
        if bucket is None:
            return False
        phones = self._phones[bucket]
        return 0 < phones < len(self._people[bucket])

    def is_affected(self, user: UserId) -> bool:
        """In a conflict and not on the phone: painted red, asked to switch."""
        return not self._is_phone(user) and self.has_conflict(self.rooms_of.get(user))

    def phone_people(self, bucket: Bucket) -> list[UserId]:
        return [user for user in self._people[bucket] if self._is_phone(user)]

    def conflict_count(self) -> int:
        return sum(self.has_conflict(room.id) for room in self.rooms)

    def plan(self) -> Plan:
        return Plan(dict(self.rooms_of), frozenset(self.pinned), dict(self.reasons))

    def as_conversation(self) -> Conversation:
        """The saved conversation as it would be with this draft applied."""
        breakouts = replace(self.conversation.breakouts, plan=self.plan())
        return replace(self.conversation, breakouts=breakouts)

    def readiness(self) -> tuple[Problem, ...]:
        return check_readiness(self.as_conversation())

    def room_changes(self) -> list[Command]:
        """What must change in the saved rooms before the draft's plan fits them."""
        saved = {room.id for room in self.saved.breakouts.rooms}
        drafted = {room.id for room in self.rooms}
        removed = [RemoveRoom(room_id=room_id) for room_id in sorted(saved - drafted)]
        added = [AddRoom(name=room.name) for room in self.rooms if room.id not in saved]
        return [*removed, *added]

    # Changing

    def refusal(self, users: Iterable[UserId], target: Bucket) -> str | None:
        """Why moving ``users`` to ``target`` is not allowed, or ``None``."""
        if target is None:
            return None
        position = self.positions[target]
        if position <= self.limit:
            return None
        callers = [self.members[user].display_name for user in users if self._is_phone(user)]
        if not callers:
            return None
        room = self.rooms[position - 1].name
        who = callers[0] if len(callers) == 1 else f"{len(callers)} attendees"
        return (
            f"{who} {'is' if len(callers) == 1 else 'are'} on the phone; the bridge reaches "
            f"rooms 1–{self.limit} only, and {room!r} is room {position}."
        )

    def move(self, users: Iterable[UserId], target: Bucket) -> Moved:
        """Move ``users`` (pinning them: a moderator placed them) or refuse."""
        moving = tuple(dict.fromkeys(u for u in users if u in self.members))
        if (why := self.refusal(moving, target)) is not None:
            raise MoveRefused(why)
        sources = frozenset(self.rooms_of.get(user) for user in moving)
        for user in moving:
            self._take(user)
            if target is None:
                self.rooms_of.pop(user, None)
                self.pinned.discard(user)
                self.reasons.pop(user, None)
            else:
                self.rooms_of[user] = target
                self.pinned.add(user)
                self.reasons[user] = PlacementReason.MANUAL
            self._put(user)
        return Moved(moving, sources, target)

    def distribute(self, options: DistributeOptions) -> None:
        """Smart Distribute everyone who is not pinned; pins stay."""
        pins = {user: self.rooms_of[user] for user in self.pinned if user in self.rooms_of}
        plan = smart_distribute(
            self.members.values(), [room.id for room in self.rooms], pins, self.limit, options
        )
        self._load(replace(self.conversation, breakouts=self._with_plan(plan)))

    def unassign_all(self) -> None:
        self._load(replace(self.conversation, breakouts=self._with_plan(Plan())))

    def fix(self, problem: Problem) -> None:
        """Apply a readiness problem's fix to the draft (rooms included)."""
        fixed, _ = execute(self.as_conversation(), self.me, problem.fix, now=0.0)
        self._load(fixed)

    def _with_plan(self, plan: Plan) -> Breakouts:
        return replace(self.conversation.breakouts, plan=plan)

    def _is_phone(self, user: UserId) -> bool:
        return self.members[user].audio is AudioConnection.PHONE

    def _take(self, user: UserId) -> None:
        bucket = self.rooms_of.get(user)
        del self._people[bucket][self.insertion_row(user, bucket)]
        if self._is_phone(user):
            self._phones[bucket] -= 1

    def _put(self, user: UserId) -> None:
        bucket = self.rooms_of.get(user)
        bisect.insort(self._people[bucket], user, key=self.sort_key)
        if self._is_phone(user):
            self._phones[bucket] += 1

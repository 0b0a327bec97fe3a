"""Applying a plan of thousands of attendees: only the difference, in frames the
server accepts, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec
import pytest
from netkit import WAIT, refused, running_for, signed_up, state, until

from desktop.client import Client, ConnectionState, apply_plan
from desktop.client.apply import partial_applies, plan_changes
from desktop.core import (
    AudioConnection,
    Conversation,
    ErrorCode,
    Phase,
    Placement,
    PlacementReason,
    Plan,
    Role,
    RoomId,
    UserId,
    smart_distribute,
)
from desktop.core.commands import AddMember, ApplyBreakouts, Batch, SetRole, SetUpBreakouts
from desktop.protocol import MAX_FRAME_BYTES, ServerMessage, encode
from desktop.protocol.messages import Request, SendCommand
from desktop.server import EmbeddedServer

Answer = TypeVar("Answer", bound=ServerMessage)

ATTENDEES = 2_000
ROOMS = 100
ADDED_AT_ONCE = 250
"""Members added per batch: each batch's frame stays far below the limit."""
MOD = UserId("mod")


def attendee(number: int) -> UserId:
    return UserId(f"a{number:04}")


def audio_of(number: int) -> AudioConnection:
    """One in twenty on the phone, one in seven just listening, the rest VOIP."""
    if number % 20 == 0:
        return AudioConnection.PHONE
    if number % 7 == 0:
        return AudioConnection.JUST_LISTENING
    return AudioConnection.VOIP


@dataclass
class Crowd:
    """A conversation of ``ATTENDEES`` attendees in ``ROOMS`` empty rooms."""

    server: EmbeddedServer
    moderator: Client
    conversation_id: str

    def saved(self) -> Conversation:
        """The conversation as the server holds it."""
        return self.server.services.hub.snapshot(self.conversation_id, MOD).conversation

    def smart_plan(self) -> Plan:
        breakouts = self.saved().breakouts
        rooms = [room.id for room in breakouts.rooms]
        limit = breakouts.settings.phone_room_limit
        return smart_distribute(self.saved().attendees(), rooms, {}, limit)

    async def apply(self, wanted: Plan, *, start: bool = False) -> int:
        saved = self.saved().breakouts.plan
        # A frame over the limit would be refused and sent again without end.
        async with asyncio.timeout(3 * WAIT):
            return await apply_plan(
                self.moderator, self.conversation_id, saved, wanted, start=start
            )

    async def mirrored(self, plan: Plan) -> None:
        """Wait until the moderator's mirror holds ``plan``."""
        client, cid = self.moderator, self.conversation_id
        await until(client, lambda: state(client, cid).breakouts.plan == plan, "the plan")


@asynccontextmanager
async def crowd(server: EmbeddedServer) -> AsyncIterator[Crowd]:
    """Accounts go straight into the store: signing 2,000 people up one socket
    at a time would only slow the test down."""
    moderator = await signed_up(server.url, MOD)
    try:
        for number in range(ATTENDEES):
            name = f"Attendee {number}"
            await server.services.store.create_account(attendee(number), name, "-", 0.0)
        cid = await moderator.create_conversation("Congress")
        adds = [AddMember(user_id=attendee(n), audio=audio_of(n)) for n in range(ATTENDEES)]
        for first in range(0, ATTENDEES, ADDED_AT_ONCE):
            batch = Batch(commands=tuple(adds[first : first + ADDED_AT_ONCE]))
            await moderator.execute(cid, batch)
        names = tuple(f"Room {number}" for number in range(1, ROOMS + 1))
        await moderator.execute(cid, SetUpBreakouts(room_names=names))
        yield Crowd(server, moderator, cid)
    finally:
        await moderator.close()


Hook = Callable[[int], Awaitable[None]]


@dataclass
class Sent:
    """The partial applies a client sends and the size of each one's frame;
    ``before`` is awaited before the apply with that index goes out."""

    applies: list[ApplyBreakouts] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    before: dict[int, Hook] = field(default_factory=dict)

    def watch(self, client: Client, monkeypatch: pytest.MonkeyPatch) -> Sent:
        send = client.request

        async def recording(request: Request, answer: type[Answer]) -> Answer:
            if isinstance(request, SendCommand) and isinstance(request.command, ApplyBreakouts):
                if (hook := self.before.get(len(self.applies))) is not None:
                    await hook(len(self.applies))
                self.applies.append(request.command)
                self.frames.append(len(encode(request)))
            return await send(request, answer)

        monkeypatch.setattr(client, "request", recording)
        return self

    @property
    def placements(self) -> list[Placement]:
        return [placement for command in self.applies for placement in command.placements]


def moved(plan: Plan) -> tuple[Plan, list[Placement]]:
    """``plan`` after a moderator's few changes on the panel, and those changes:
    two moves, one attendee back to the main room, one pinned where they are."""
    voices = sorted(user for user in plan.rooms_of if user not in plan.pinned)
    first, second, third, fourth = voices[1], voices[2], voices[3], voices[4]
    changes = [
        Placement(first, plan.rooms_of[second], False, PlacementReason.MANUAL),
        Placement(second, plan.rooms_of[first], False, PlacementReason.MANUAL),
        Placement(third, None),
        Placement(fourth, plan.rooms_of[fourth], True, PlacementReason.PINNED),
    ]
    return plan.with_placements(tuple(changes)), changes


@pytest.mark.asyncio
async def test_two_thousand_attendees_are_saved_exactly_in_small_frames(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with crowd(server) as congress:
        wanted = congress.smart_plan()
        assert len(wanted.rooms_of) == ATTENDEES
        assert {PlacementReason.PHONE_ROOMS, PlacementReason.BALANCED} <= set(
            wanted.reasons.values()
        )
        everything = SendCommand(
            id="whole-plan",
            conversation_id=congress.conversation_id,
            command=ApplyBreakouts(placements=tuple(plan_changes(Plan(), wanted))),
        )
        assert len(encode(everything)) > MAX_FRAME_BYTES, "one frame would be too large"

        sent = Sent().watch(congress.moderator, monkeypatch)
        await congress.apply(wanted)

        saved = congress.saved().breakouts
        assert saved.plan == wanted
        assert saved.phase is Phase.CONFIGURED
        await congress.mirrored(wanted)
        assert len(sent.applies) > 1
        assert max(sent.frames) <= MAX_FRAME_BYTES
        assert all(command.partial and not command.start for command in sent.applies)
        assert len(sent.placements) == ATTENDEES


@pytest.mark.asyncio
async def test_a_second_apply_sends_only_the_moves_and_starts(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with crowd(server) as congress:
        await congress.apply(congress.smart_plan())
        wanted, changes = moved(congress.saved().breakouts.plan)

        sent = Sent().watch(congress.moderator, monkeypatch)
        await congress.apply(wanted, start=True)

        [only] = sent.applies
        assert (only.start, only.partial) == (True, True)
        assert len(only.placements) == len(changes)
        assert set(only.placements) == set(changes)
        saved = congress.saved().breakouts
        assert saved.plan == wanted
        assert saved.phase is Phase.RUNNING
        await congress.mirrored(wanted)
        await until(congress.moderator, running_for(congress.moderator, congress.conversation_id))


@pytest.mark.asyncio
async def test_without_changes_one_empty_apply_still_starts_the_session(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with crowd(server) as congress:
        wanted = congress.smart_plan()
        await congress.apply(wanted)
        sent = Sent().watch(congress.moderator, monkeypatch)
        await congress.apply(wanted, start=True)
        assert sent.applies == [ApplyBreakouts(placements=(), start=True, partial=True)]
        assert congress.saved().breakouts.phase is Phase.RUNNING
        assert congress.saved().breakouts.plan == wanted


@pytest.mark.asyncio
async def test_the_steps_complete_after_the_connection_drops(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with crowd(server) as congress:
        client = congress.moderator
        sent = Sent()

        async def drop(_: int) -> None:
            await client.drop_connection()

        states: list[ConnectionState] = []
        client.on_state.append(states.append)
        sent.before[1] = drop
        sent.watch(client, monkeypatch)
        wanted = congress.smart_plan()
        await congress.apply(wanted, start=True)

        assert ConnectionState.OFFLINE in states
        assert states[-1] is ConnectionState.ONLINE
        assert len(sent.applies) > 2
        assert congress.saved().breakouts.plan == wanted
        assert congress.saved().breakouts.phase is Phase.RUNNING


@pytest.mark.asyncio
async def test_a_refusal_midway_keeps_the_earlier_steps(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with crowd(server) as congress:
        client, cid = congress.moderator, congress.conversation_id
        wanted = congress.smart_plan()
        steps = partial_applies(cid, plan_changes(Plan(), wanted))
        promoted = steps[1].placements[0].user_id
        sent = Sent()

        async def promote(_: int) -> None:
            await client.execute(cid, SetRole(user_id=promoted, role=Role.MODERATOR))

        sent.before[1] = promote
        sent.watch(client, monkeypatch)
        await refused(congress.apply(wanted), ErrorCode.MODERATOR_NOT_ASSIGNABLE)
        assert congress.saved().breakouts.plan == Plan().with_placements(steps[0].placements)

        monkeypatch.undo()
        rest = wanted.without(frozenset({promoted}))
        await congress.apply(rest)
        assert congress.saved().breakouts.plan == rest


def test_changes_name_each_difference_once() -> None:
    room_1, room_2 = RoomId(1), RoomId(2)
    ann, bo, cy, di = (UserId(name) for name in ("ann", "bo", "cy", "di"))
    saved = Plan().with_placements(
        (
            Placement(ann, room_1, False, PlacementReason.BALANCED),
            Placement(bo, room_1, False, PlacementReason.BALANCED),
            Placement(cy, room_2, False, PlacementReason.BALANCED),
            Placement(di, room_2, False, PlacementReason.BALANCED),
        )
    )
    wanted = saved.with_placements(
        (
            Placement(ann, room_2, False, PlacementReason.BALANCED),
            Placement(bo, room_1, True, PlacementReason.BALANCED),
            Placement(cy, room_2, False, PlacementReason.SPEAKER),
            Placement(di, None),
        )
    )
    assert plan_changes(saved, wanted) == [
        Placement(ann, room_2, False, PlacementReason.BALANCED),
        Placement(bo, room_1, True, PlacementReason.BALANCED),
        Placement(cy, room_2, False, PlacementReason.SPEAKER),
        Placement(di, None),
    ]
    assert plan_changes(wanted, wanted) == []


@pytest.mark.parametrize("budget", [400, 1_000, 4_096])
def test_each_step_fits_its_budget_and_only_the_last_starts(budget: int) -> None:
    changes = [Placement(attendee(n), RoomId(n % 7 + 1)) for n in range(200)]
    steps = partial_applies("c" * 64, changes, start=True, budget=budget)
    longest = SendCommand(id="x" * 64, conversation_id="c" * 64, command=steps[0])
    assert [step.start for step in steps] == [False] * (len(steps) - 1) + [True]
    assert [p for step in steps for p in step.placements] == changes
    for step in steps:
        frame = msgspec.structs.replace(longest, command=step)
        assert len(encode(frame)) <= budget
    tight = msgspec.structs.replace(longest, command=steps[0])
    with_one_more = msgspec.structs.replace(
        steps[0], placements=(*steps[0].placements, steps[1].placements[0])
    )
    assert len(encode(msgspec.structs.replace(tight, command=with_one_more))) > budget

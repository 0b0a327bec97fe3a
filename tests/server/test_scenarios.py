"""The scenarios of Nextcloud Talk's breakout-room integration suite, adapted to
Roomcast's rules and run against a real server with real clients."""

from __future__ import annotations

import asyncio

import pytest
from netkit import (
    Recorder,
    chat_texts,
    gone_for,
    notices,
    party,
    refused,
    rooms,
    running_for,
    state,
    told,
    until,
    view,
)

from desktop.client import ChangeKind
from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    ErrorCode,
    Phase,
    Placement,
    RoomId,
    UserId,
)
from desktop.core.commands import (
    AddRoom,
    ApplyBreakouts,
    Broadcast,
    CancelHelp,
    ClearHelp,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    JoinRoom,
    Leave,
    PlaceAttendees,
    PostMessage,
    RemoveMember,
    RemoveRoom,
    RequestHelp,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.protocol import ProtocolCode
from desktop.protocol.messages import Ack, Error, RemovalReason
from desktop.protocol.notices import BackInMainRoom, HelpNeeded
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

VOIP = AudioConnection.VOIP
FOUR = {"alice": VOIP, "bob": VOIP, "carol": VOIP, "dave": VOIP}


def settings(mode: AssignmentMode) -> BreakoutSettings:
    return BreakoutSettings(mode=mode)


async def test_manual_mode_puts_people_where_the_moderator_placed_them(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("A", "B")))
        assert not state(moderator, cid).breakouts.plan.rooms_of, "manual mode places nobody"
        a, b = rooms(moderator, cid)
        where = {"alice": a, "bob": a, "carol": b, "dave": b}
        placements = tuple(Placement(UserId(user), room) for user, room in where.items())
        await moderator.execute(cid, PlaceAttendees(placements=placements))
        await moderator.execute(cid, StartBreakouts())
        for name, client in meeting.people.items():
            await until(client, running_for(client, cid), "the start")
            assert state(client, cid).breakouts.current_room(UserId(name)) == where[name]


async def test_automatic_mode_distributes_at_set_up(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(
            cid,
            SetUpBreakouts(room_names=("A", "B"), settings=settings(AssignmentMode.AUTOMATIC)),
        )
        plan = state(moderator, cid).breakouts.plan.rooms_of
        assert sorted(plan) == sorted(UserId(name) for name in FOUR)
        assert sorted(list(plan.values()).count(room) for room in rooms(moderator, cid)) == [2, 2]


async def test_free_choice_only_after_start_and_one_room_at_a_time(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator, alice = meeting.conversation_id, meeting.moderator, meeting["alice"]
        await moderator.execute(
            cid,
            SetUpBreakouts(room_names=("A", "B"), settings=settings(AssignmentMode.FREE_CHOICE)),
        )
        a, b = rooms(moderator, cid)
        await refused(alice.execute(cid, JoinRoom(room_id=a)), ErrorCode.ILLEGAL_TRANSITION)
        await refused(moderator.execute(cid, Distribute()), ErrorCode.WRONG_ASSIGNMENT_MODE)
        await moderator.execute(cid, StartBreakouts())
        await alice.execute(cid, JoinRoom(room_id=a))
        await alice.execute(cid, JoinRoom(room_id=b))
        breakouts = state(moderator, cid).breakouts
        assert breakouts.members_of(a) == frozenset()
        assert breakouts.members_of(b) == {UserId("alice")}
        await refused(alice.execute(cid, JoinRoom(room_id=RoomId(99))), ErrorCode.UNKNOWN_ROOM)


async def test_manual_mode_refuses_self_chosen_rooms(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("A", "B")))
        await moderator.execute(cid, StartBreakouts())
        room = rooms(moderator, cid)[0]
        await refused(
            meeting["bob"].execute(cid, JoinRoom(room_id=room)), ErrorCode.WRONG_ASSIGNMENT_MODE
        )


@pytest.mark.parametrize("count", [0, 201])
async def test_room_count_limits(server: EmbeddedServer, count: int) -> None:
    async with party(server.url, {}) as meeting:
        names = tuple(f"Room {n}" for n in range(1, count + 1))
        await refused(
            meeting.moderator.execute(meeting.conversation_id, SetUpBreakouts(room_names=names)),
            ErrorCode.ROOM_LIMIT,
        )
        assert not state(meeting.moderator, meeting.conversation_id).breakouts.is_set_up


async def test_invalid_room_ids_are_refused(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("A",)))
        ghost = RoomId(42)
        place = PlaceAttendees(placements=(Placement(UserId("alice"), ghost),))
        await refused(moderator.execute(cid, place), ErrorCode.UNKNOWN_ROOM)
        await refused(moderator.execute(cid, RemoveRoom(room_id=ghost)), ErrorCode.UNKNOWN_ROOM)
        await refused(moderator.history(cid, ghost), ErrorCode.UNKNOWN_ROOM)


async def test_broadcast_only_while_breakout_rooms_run(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await refused(moderator.execute(cid, Broadcast(text="hi")), ErrorCode.NOT_SET_UP)
        await moderator.execute(cid, SetUpBreakouts(room_names=("A",)))
        await refused(moderator.execute(cid, Broadcast(text="hi")), ErrorCode.ILLEGAL_TRANSITION)
        await moderator.execute(cid, StartBreakouts())
        await moderator.execute(cid, Broadcast(text="hi"))
        await moderator.execute(cid, EndBreakouts())
        await refused(moderator.execute(cid, Broadcast(text="hi")), ErrorCode.ILLEGAL_TRANSITION)


async def test_start_and_end_leave_system_messages_in_every_room(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(
            cid,
            SetUpBreakouts(room_names=("A", "B", "C"), settings=settings(AssignmentMode.AUTOMATIC)),
        )
        await moderator.execute(cid, StartBreakouts())
        await moderator.execute(cid, EndBreakouts())
        for room in [None, *rooms(moderator, cid)]:
            page = await moderator.history(cid, room)
            texts = [getattr(record.body, "text", "") for record in page.records]
            assert texts[:2] == [
                "Breakout rooms have ended: everyone is back in the main room.",
                "Breakout rooms have started.",
            ], room


async def test_assistance_requested_and_cancelled_by_the_participant_or_a_moderator(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator, alice = meeting.conversation_id, meeting.moderator, meeting["alice"]
        await refused(alice.execute(cid, RequestHelp()), ErrorCode.NOT_SET_UP)
        await moderator.execute(
            cid, SetUpBreakouts(room_names=("A", "B"), settings=settings(AssignmentMode.AUTOMATIC))
        )
        await moderator.execute(cid, StartBreakouts())
        await alice.execute(cid, RequestHelp())
        await until(moderator, lambda: bool(notices(moderator, cid, HelpNeeded)), "help notice")
        (needed,) = notices(moderator, cid, HelpNeeded)
        assert needed.user_id == UserId("alice")
        assert needed.room_id == state(moderator, cid).breakouts.current_room(UserId("alice"))
        assert not notices(meeting["bob"], cid, HelpNeeded), "only moderators are told"
        await alice.execute(cid, CancelHelp())
        assert UserId("alice") not in state(moderator, cid).breakouts.help_requests
        await refused(alice.execute(cid, CancelHelp()), ErrorCode.NO_HELP_REQUEST)

        await alice.execute(cid, RequestHelp())
        await moderator.execute(cid, ClearHelp(user_id=UserId("alice")))
        assert not state(moderator, cid).breakouts.help_requests
        await refused(
            meeting["bob"].execute(cid, ClearHelp(user_id=UserId("alice"))), ErrorCode.FORBIDDEN
        )


async def test_moderators_are_never_distributed_nor_movable(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("A", "B")))
        await moderator.execute(cid, Distribute())
        assert UserId("mod") not in state(moderator, cid).breakouts.plan.rooms_of
        room = rooms(moderator, cid)[0]
        move = PlaceAttendees(placements=(Placement(UserId("mod"), room),))
        await refused(moderator.execute(cid, move), ErrorCode.MODERATOR_NOT_ASSIGNABLE)


async def test_deleting_the_conversation_deletes_its_rooms(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator, alice = meeting.conversation_id, meeting.moderator, meeting["alice"]
        await moderator.execute(cid, SetUpBreakouts(room_names=("A", "B")))
        await refused(alice.delete_conversation(cid), ErrorCode.FORBIDDEN)
        seen = Recorder(alice)
        await moderator.delete_conversation(cid)
        for client in meeting.everyone:
            await until(client, gone_for(client, cid), "removal")
        await refused(moderator.history(cid), ProtocolCode.UNKNOWN_CONVERSATION)
        await refused(moderator.execute(cid, AddRoom(name="C")), ProtocolCode.UNKNOWN_CONVERSATION)
        assert not await alice.list_conversations()
        assert [change.reason for change in seen.changes] == [RemovalReason.DELETED]


async def test_removing_a_member_takes_them_out_of_their_room(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(
            cid, SetUpBreakouts(room_names=("A", "B"), settings=settings(AssignmentMode.AUTOMATIC))
        )
        await moderator.execute(cid, StartBreakouts())
        seen = {name: Recorder(meeting[name]) for name in ("carol", "dave")}
        await moderator.execute(cid, RemoveMember(user_id=UserId("carol")))
        breakouts = state(moderator, cid).breakouts
        assert UserId("carol") not in breakouts.plan.rooms_of
        carol = meeting["carol"]
        await until(carol, lambda: cid not in carol.mirror.conversations, "carol's removal")
        await meeting["dave"].execute(cid, Leave())
        reasons = {
            name: [c.reason for c in seen[name].changes if c.kind is ChangeKind.REMOVED]
            for name in ("carol", "dave")
        }
        assert reasons == {"carol": [RemovalReason.REMOVED], "dave": [RemovalReason.LEFT]}


async def test_deleting_rooms_strands_nobody(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(
            cid,
            SetUpBreakouts(room_names=("A", "B"), settings=settings(AssignmentMode.AUTOMATIC)),
        )
        await moderator.execute(cid, StartBreakouts())
        a = rooms(moderator, cid)[0]
        in_a = state(moderator, cid).breakouts.members_of(a)
        await moderator.execute(cid, RemoveRoom(room_id=a))
        for name in in_a:
            client = meeting[name]
            await until(client, told(client, cid, BackInMainRoom), "return")
            assert state(client, cid).breakouts.current_room(name) is None
        await refused(moderator.execute(cid, DeleteBreakouts()), ErrorCode.ILLEGAL_TRANSITION)
        await moderator.execute(cid, EndBreakouts())
        await moderator.execute(cid, DeleteBreakouts())
        after = state(moderator, cid)
        assert after.breakouts.phase is Phase.NOT_CONFIGURED
        assert not after.breakouts.plan.rooms_of
        assert set(after.members) == {UserId(n) for n in ("mod", *FOUR)}
        assert "Breakout rooms have started." in chat_texts(moderator, cid, "all")
        assert view(moderator, cid).seq == server.services.hub.head(cid)


async def test_an_unused_apply_keeps_everyone_in_the_main_room(server: EmbeddedServer) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("A",)))
        await moderator.execute(cid, ApplyBreakouts(placements=(), start=True))
        assert state(moderator, cid).breakouts.phase is Phase.RUNNING
        assert not state(moderator, cid).breakouts.plan.rooms_of


async def test_commands_queued_behind_a_deletion_find_no_conversation(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, FOUR) as meeting:
        cid, hub = meeting.conversation_id, server.services.hub
        # The deletion takes the conversation's lock first; the post waits behind it.
        deletion = asyncio.create_task(hub.delete_conversation(UserId("mod"), "d1", cid))
        post = PostMessage(text="too late")
        late = asyncio.create_task(hub.command(UserId("alice"), "p1", cid, post))
        assert isinstance(await deletion, Ack)
        answer = await late
        assert isinstance(answer, Error)
        assert answer.code == ProtocolCode.UNKNOWN_CONVERSATION
        assert await server.services.store.read(cid, 0) == []

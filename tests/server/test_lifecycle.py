"""The whole breakout lifecycle of DESIGN.md §1 over the network: a moderator and
participants, each a real SDK client of a real server on 127.0.0.1."""

from __future__ import annotations

from functools import partial

import pytest
from netkit import chat_texts, notices, party, state, told, until

from desktop.client import Client
from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Phase,
    PhoneBridge,
    Placement,
    UserId,
)
from desktop.core.commands import (
    ApplyBreakouts,
    Broadcast,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    PostMessage,
    SetUpBreakouts,
)
from desktop.protocol.notices import Assigned, BackInMainRoom, SwitchToPhone
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio


def heard(client: Client, conversation_id: str, text: str) -> bool:
    return text in chat_texts(client, conversation_id, "all")


VOIP, LISTENING, PHONE = (
    AudioConnection.VOIP,
    AudioConnection.JUST_LISTENING,
    AudioConnection.PHONE,
)


async def test_set_up_distribute_apply_start_broadcast_end_delete(server: EmbeddedServer) -> None:
    audio = {"alice": VOIP, "bob": LISTENING, "carol": PHONE, "dave": PHONE, "erin": VOIP}
    async with party(server.url, audio) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("Team Alpha", "Team Beta")))
        await moderator.execute(cid, Distribute())
        plan = state(moderator, cid).breakouts.plan
        rooms = {plan.rooms_of[UserId(name)] for name in ("carol", "dave")}
        assert len(rooms) == 1, "Smart Distribute keeps the phone attendees together"
        phone_room = rooms.pop()
        assert all(plan.rooms_of[UserId(n)] != phone_room for n in ("alice", "bob", "erin"))

        placements = tuple(Placement(user, room) for user, room in plan.rooms_of.items())
        await moderator.execute(cid, ApplyBreakouts(placements=placements, start=True))
        for name, client in meeting.people.items():
            await until(client, told(client, cid, Assigned), "assignment")
            (assigned,) = notices(client, cid, Assigned)
            assert assigned.room_id == plan.rooms_of[UserId(name)]
            assert state(client, cid).breakouts.phase is Phase.RUNNING
        assert not notices(meeting["alice"], cid, SwitchToPhone), "no conflict, no prompt"

        alice_room = plan.rooms_of[UserId("alice")]
        await meeting["alice"].execute(cid, PostMessage(text="hi team", room_id=alice_room))
        await moderator.execute(cid, Broadcast(text="Five minutes left"))
        for client in meeting.people.values():
            await until(client, partial(heard, client, cid, "Five minutes left"), "the broadcast")
        page = await meeting["alice"].history(cid, alice_room)
        texts = [getattr(record.body, "text", "") for record in page.records]
        assert texts[:3] == ["Five minutes left", "hi team", "Breakout rooms have started."]

        await moderator.execute(cid, EndBreakouts())
        for client in meeting.people.values():
            await until(client, told(client, cid, BackInMainRoom), "return")
            assert state(client, cid).breakouts.phase is Phase.ENDED

        await moderator.execute(cid, DeleteBreakouts())
        await until(
            meeting["bob"],
            lambda: state(meeting["bob"], cid).breakouts.phase is Phase.NOT_CONFIGURED,
            "rooms deleted",
        )
        after = state(meeting["bob"], cid)
        assert set(after.members) == {UserId(n) for n in ("mod", *audio)}
        main = await moderator.history(cid)
        assert "Breakout rooms have started." in [getattr(r.body, "text", "") for r in main.records]


async def test_a_conflict_prompts_the_affected_attendees_with_dial_in_details(
    server: EmbeddedServer,
) -> None:
    pins = tuple(f"{n}{n}{n}{n}" for n in range(1, 8))
    bridge = PhoneBridge(dial_in_number="+41 44 000 00 00", pins=pins)
    async with party(server.url, {"alice": VOIP, "carol": PHONE}) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(
            cid,
            SetUpBreakouts(room_names=("One", "Two"), settings=BreakoutSettings(bridge=bridge)),
        )
        room = state(moderator, cid).breakouts.rooms[1].id
        together = (Placement(UserId("alice"), room), Placement(UserId("carol"), room))
        await moderator.execute(cid, ApplyBreakouts(placements=together, start=True))
        alice = meeting["alice"]
        await until(alice, lambda: bool(notices(alice, cid, SwitchToPhone)), "the prompt")
        (prompt,) = notices(alice, cid, SwitchToPhone)
        assert (prompt.room_id, prompt.dial_in_number, prompt.pin) == (
            room,
            bridge.dial_in_number,
            "2222",
        )
        assert prompt.phone_attendees == (UserId("carol"),)
        carol = meeting["carol"]
        await until(carol, lambda: bool(notices(carol, cid, Assigned)), "carol's assignment")
        (assigned,) = notices(carol, cid, Assigned)
        assert (assigned.dial_in_number, assigned.pin) == (bridge.dial_in_number, "2222")
        assert not notices(carol, cid, SwitchToPhone)

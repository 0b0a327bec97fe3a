"""The whole breakout lifecycle over the network: a moderator and participants,
each a real SDK client of a real server on 127.0.0.1."""

from __future__ import annotations

import pytest
from netkit import signed_up, state, until, view

from desktop.core import AudioConnection, Phase, RoomId, UserId
from desktop.core.commands import (
    AddMember,
    ApplyBreakouts,
    Broadcast,
    Distribute,
    EndBreakouts,
    PostMessage,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.protocol.notices import Assigned, BackInMainRoom
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio


async def test_a_session_from_set_up_to_end(server: EmbeddedServer) -> None:
    moderator = await signed_up(server.url, "mod")
    alice = await signed_up(server.url, "alice")
    bob = await signed_up(server.url, "bob")
    try:
        cid = await moderator.create_conversation("Workshop")
        await moderator.execute(cid, AddMember(user_id=UserId("alice"), display_name=""))
        await moderator.execute(
            cid, AddMember(user_id=UserId("bob"), display_name="", audio=AudioConnection.PHONE)
        )
        await until(alice, lambda: cid in alice.mirror.conversations, "alice's snapshot")
        assert state(alice, cid).members[UserId("alice")].display_name == "Alice"

        await moderator.execute(cid, SetUpBreakouts(room_names=("Red", "Blue")))
        await moderator.execute(cid, Distribute())
        plan = state(moderator, cid).breakouts.plan.rooms_of
        assert plan[UserId("alice")] != plan[UserId("bob")]
        await moderator.execute(cid, ApplyBreakouts(placements=(), start=False))
        await moderator.execute(cid, Distribute())
        await moderator.execute(cid, StartBreakouts())

        def assigned() -> list[Assigned]:
            return [r.body for r in view(alice, cid).notices if isinstance(r.body, Assigned)]

        await until(alice, lambda: bool(assigned()), "alice's assignment")
        room = assigned()[0].room_id
        assert state(alice, cid).breakouts.phase is Phase.RUNNING

        await alice.execute(cid, PostMessage(text="hello room", room_id=room))
        await moderator.execute(cid, Broadcast(text="Five minutes left"))
        await until(alice, lambda: "all" in view(alice, cid).chats, "the broadcast")
        history = await moderator.history(cid, room)
        assert [r.body.text for r in history.records if hasattr(r.body, "text")][-1:] == [
            "hello room"
        ] or any(getattr(r.body, "text", "") == "hello room" for r in history.records)

        await moderator.execute(cid, EndBreakouts())
        await until(
            alice,
            lambda: any(isinstance(r.body, BackInMainRoom) for r in view(alice, cid).notices),
            "back in the main room",
        )
        assert state(alice, cid).breakouts.current_room(UserId("alice")) is None
        assert room == RoomId(room)
    finally:
        for client in (moderator, alice, bob):
            await client.close()

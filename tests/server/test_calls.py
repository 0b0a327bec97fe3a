"""Call signaling: who may join which call, who is told, offers relayed only
within one call with the sender stamped by the server, and calls that follow
people between rooms."""

from __future__ import annotations

import json

import pytest
from netkit import Party, Raw, party, refused, rooms, running_for, until, view

from desktop.client import Client
from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Placement,
    RoomId,
    UserId,
)
from desktop.core.commands import (
    EndBreakouts,
    PlaceAttendees,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.protocol import ProtocolCode
from desktop.protocol.messages import Ack, Signal, SignalKind
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

PEOPLE = {"ann": AudioConnection.VOIP, "ben": AudioConnection.VOIP, "cat": AudioConnection.VOIP}


def in_call(client: Client, conversation_id: str, room: RoomId | None) -> set[str]:
    call = view(client, conversation_id).calls.get(room)
    return {p.user_id for p in call.participants} if call else set()


async def running_rooms(meeting: Party) -> tuple[RoomId, RoomId]:
    """Two rooms running: Ann and Ben in the first, Cat in the second."""
    cid, moderator = meeting.conversation_id, meeting.moderator
    await moderator.execute(cid, SetUpBreakouts(room_names=("One", "Two")))
    one, two = rooms(moderator, cid)
    places = {"ann": one, "ben": one, "cat": two}
    placements = tuple(Placement(UserId(name), room) for name, room in places.items())
    await moderator.execute(cid, PlaceAttendees(placements=placements))
    await moderator.execute(cid, StartBreakouts())
    for client in meeting.people.values():
        await until(client, running_for(client, cid), "the start")
    return one, two


async def test_the_main_call_is_for_every_member_and_everyone_sees_it(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, ann, ben = meeting.conversation_id, meeting["ann"], meeting["ben"]
        await ann.join_call(cid, muted=True)
        await ben.join_call(cid)
        await until(meeting["cat"], lambda: in_call(meeting["cat"], cid, None) == {"ann", "ben"})
        await ann.set_muted(cid, False)
        await until(
            ben,
            lambda: not any(p.muted for p in view(ben, cid).calls[None].participants),
            "ann unmuted",
        )
        await ann.leave_call(cid)
        await until(ben, lambda: in_call(ben, cid, None) == {"ben"})
        await refused(ann.leave_call(cid), ProtocolCode.NOT_IN_CALL)
        await refused(ann.set_muted(cid, True), ProtocolCode.NOT_IN_CALL)


async def test_breakout_calls_are_for_their_members_and_visiting_moderators(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        ann, cat = meeting["ann"], meeting["cat"]
        await refused(ann.join_call(cid, RoomId(1)), ProtocolCode.CALL_NOT_ALLOWED)
        one, two = await running_rooms(meeting)
        await ann.join_call(cid, one)
        await refused(cat.join_call(cid, one), ProtocolCode.CALL_NOT_ALLOWED)
        await refused(cat.join_call(cid), ProtocolCode.CALL_NOT_ALLOWED)
        await moderator.join_call(cid, one)
        await until(ann, lambda: in_call(ann, cid, one) == {"ann", "mod"})
        assert one not in view(cat, cid).calls, "another room's call is not shown"
        await moderator.join_call(cid, two)
        await until(ann, lambda: in_call(ann, cid, one) == {"ann"}, "the moderator moved on")


async def test_signals_are_relayed_within_a_call_with_the_sender_stamped(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, ann, ben, cat = (
            meeting.conversation_id,
            meeting["ann"],
            meeting["ben"],
            meeting["cat"],
        )
        one, _ = await running_rooms(meeting)
        received: list[Signal] = []
        ben.on_signal.append(received.append)
        await ben.join_call(cid, one)
        await refused(ann.signal(cid, UserId("ben"), SignalKind.OFFER, "v=0"), "not_in_call")
        await ann.join_call(cid, one)

        raw = await Raw.open(server.url)
        try:
            await raw.hello(ann.token)
            spoof = {
                "type": "signal",
                "id": "s1",
                "conversation_id": cid,
                "to": "ben",
                "kind": "offer",
                "sdp": "v=0 offer",
                "sender": "mod",
            }
            await raw.send_text(json.dumps(spoof))
            assert isinstance(await raw.answer("s1"), Ack)
        finally:
            await raw.close()
        await until(ben, lambda: bool(received), "the offer")
        assert (received[0].sender, received[0].kind, received[0].sdp) == (
            "ann",
            SignalKind.OFFER,
            "v=0 offer",
        )
        await refused(
            cat.signal(cid, UserId("ben"), SignalKind.OFFER, "v=0"), ProtocolCode.NOT_IN_CALL
        )
        await refused(
            ann.signal(cid, UserId("ann"), SignalKind.OFFER, "v=0"), ProtocolCode.PEER_NOT_IN_CALL
        )


async def test_calls_follow_people_between_rooms_and_back(server: EmbeddedServer) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, moderator, ann, ben = (
            meeting.conversation_id,
            meeting.moderator,
            meeting["ann"],
            meeting["ben"],
        )
        one, two = await running_rooms(meeting)
        await ann.join_call(cid, one)
        await ben.join_call(cid, one)
        move = PlaceAttendees(placements=(Placement(UserId("ann"), two),))
        await moderator.execute(cid, move)
        await until(ben, lambda: in_call(ben, cid, one) == {"ben"}, "ann left the call")
        await moderator.execute(cid, EndBreakouts())
        await until(ben, lambda: not view(ben, cid).calls, "room calls ended")
        await ben.join_call(cid)


async def test_closing_a_connection_leaves_its_call(server: EmbeddedServer) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, ann, ben = meeting.conversation_id, meeting["ann"], meeting["ben"]
        await ann.join_call(cid)
        await ben.join_call(cid)
        await until(ben, lambda: in_call(ben, cid, None) == {"ann", "ben"})
        await ann.close()
        await until(ben, lambda: in_call(ben, cid, None) == {"ben"}, "ann's connection closed")


async def test_automatic_rooms_allow_calls_once_started(server: EmbeddedServer) -> None:
    async with party(server.url, PEOPLE) as meeting:
        cid, moderator, ann = meeting.conversation_id, meeting.moderator, meeting["ann"]
        automatic = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
        await moderator.execute(cid, SetUpBreakouts(room_names=("One",), settings=automatic))
        (one,) = rooms(moderator, cid)
        await refused(ann.join_call(cid, one), ProtocolCode.CALL_NOT_ALLOWED)
        await ann.join_call(cid)  # the main call, while the rooms wait
        await moderator.execute(cid, StartBreakouts())
        await until(ann, lambda: not view(ann, cid).calls, "moved out of the main call")
        await ann.join_call(cid, one)

"""Room isolation: nobody receives another breakout room's chat or call
signaling, also right after being moved."""

from __future__ import annotations

import pytest
from netkit import Recorder, party, refused, rooms, running_for, until

from desktop.core import AudioConnection, Placement, UserId
from desktop.core.commands import ApplyBreakouts, PlaceAttendees, PostMessage, SetUpBreakouts
from desktop.core.events import MessagePosted
from desktop.protocol import ProtocolCode
from desktop.protocol.messages import Signal, SignalKind
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

PEOPLE = ["ann", "ben", "cat", "dan", "eve", "fay"]


def room_messages(recorder: Recorder) -> list[str]:
    return [
        change.record.body.text
        for change in recorder.changes
        if change.record is not None
        and isinstance(change.record.body, MessagePosted)
        and change.record.body.room_id is not None
    ]


async def test_room_chat_and_signaling_stay_in_their_room(server: EmbeddedServer) -> None:
    audio = dict.fromkeys(PEOPLE, AudioConnection.VOIP)
    async with party(server.url, audio) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        await moderator.execute(cid, SetUpBreakouts(room_names=("One", "Two", "Three")))
        one, two, three = rooms(moderator, cid)
        seats = dict(zip(PEOPLE, [one, one, two, two, three, three], strict=True))
        plan = tuple(Placement(UserId(name), room) for name, room in seats.items())
        await moderator.execute(cid, ApplyBreakouts(placements=plan, start=True))
        for client in meeting.people.values():
            await until(client, running_for(client, cid), "the start")
        recorders = {name: Recorder(client) for name, client in meeting.people.items()}
        signals: dict[str, list[Signal]] = {name: [] for name in PEOPLE}
        for name, client in meeting.people.items():
            client.on_signal.append(signals[name].append)
            await client.join_call(cid, seats[name])

        for name, client in meeting.people.items():
            await client.execute(
                cid, PostMessage(text=f"{seats[name]}:{name}", room_id=seats[name])
            )
        await meeting["ann"].signal(cid, UserId("ben"), SignalKind.OFFER, "v=0 ann")
        await meeting["cat"].signal(cid, UserId("dan"), SignalKind.OFFER, "v=0 cat")
        await refused(
            meeting["ann"].signal(cid, UserId("cat"), SignalKind.OFFER, "v=0"),
            ProtocolCode.PEER_NOT_IN_CALL,
        )

        # Ann moves to room Two; room One's chat and calls go on without her.
        await moderator.execute(cid, PlaceAttendees(placements=(Placement(UserId("ann"), two),)))
        await meeting["ben"].execute(cid, PostMessage(text=f"{one}:ben-after", room_id=one))
        await refused(
            meeting["ben"].signal(cid, UserId("ann"), SignalKind.OFFER, "v=0 ben"),
            ProtocolCode.PEER_NOT_IN_CALL,
        )
        await meeting["cat"].execute(cid, PostMessage(text=f"{two}:cat-after", room_id=two))

        await until(meeting["ann"], lambda: f"{two}:cat-after" in room_messages(recorders["ann"]))
        await until(meeting["ben"], lambda: f"{one}:ben-after" in room_messages(recorders["ben"]))
        for name in PEOPLE:
            rooms_seen = {int(text.split(":")[0]) for text in room_messages(recorders[name])}
            allowed = {seats[name], two} if name == "ann" else {seats[name]}
            assert rooms_seen <= allowed, (name, rooms_seen)
        assert f"{one}:ben-after" not in room_messages(recorders["ann"])
        assert [s.sender for s in signals["ben"]] == ["ann"]
        assert [s.sender for s in signals["dan"]] == ["cat"]
        assert all(not signals[name] for name in ("ann", "cat", "eve", "fay"))

        await moderator.history(cid, one)
        await refused(meeting["ann"].history(cid, one), "forbidden")
        await refused(meeting["eve"].history(cid, one), "forbidden")

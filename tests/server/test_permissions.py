"""Every moderator-only command, tried by everyone who may not send it: a
participant, a member of another conversation, a connection nobody signed in on,
and a moderator demoted a moment before. Each is refused, nothing changes, and
nobody is sent anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial

import pytest
from netkit import Party, Raw, Recorder, gather_party, signed_up, state, until

from desktop.client import Client, ServerError
from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    ErrorCode,
    Placement,
    Role,
    RoomId,
    UserId,
    execute,
)
from desktop.core.commands import (
    AddMember,
    AddRoom,
    ApplyBreakouts,
    Broadcast,
    ChangeSettings,
    ClearHelp,
    Command,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    ExtendTime,
    PlaceAttendees,
    PostMessage,
    RemoveMember,
    RemoveRoom,
    RenameConversation,
    RenameRoom,
    RequestHelp,
    SetAudio,
    SetRole,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.protocol import ProtocolCode
from desktop.protocol.messages import Error, SendCommand
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

MODERATOR, ALICE, BOB, VERA = UserId("mod"), UserId("alice"), UserId("bob"), UserId("vera")
FIRST, SECOND = RoomId(1), RoomId(2)

WHILE_CONFIGURED: list[Command] = [
    RenameConversation(title="Renamed"),
    AddMember(user_id=UserId("guest"), display_name="Guest"),
    RemoveMember(user_id=BOB),
    SetRole(user_id=BOB, role=Role.MODERATOR),
    SetAudio(user_id=BOB, audio=AudioConnection.PHONE),
    ChangeSettings(settings=BreakoutSettings(time_limit=600)),
    AddRoom(name="C"),
    RemoveRoom(room_id=SECOND),
    RenameRoom(room_id=FIRST, name="Renamed"),
    PlaceAttendees(placements=(Placement(BOB, SECOND),)),
    Distribute(),
    ApplyBreakouts(placements=(Placement(BOB, SECOND),), start=True),
    DeleteBreakouts(),
    StartBreakouts(),
]
WHILE_RUNNING: list[Command] = [
    Broadcast(text="Hello everyone"),
    ClearHelp(user_id=BOB),
    ExtendTime(seconds=300),
    EndBreakouts(),
    PlaceAttendees(placements=(Placement(BOB, SECOND),)),
]
CASES = [
    pytest.param(running, command, id=f"{phase}-{command.__struct_config__.tag}")
    for running, phase, commands in (
        (False, "configured", WHILE_CONFIGURED),
        (True, "running", WHILE_RUNNING),
    )
    for command in commands
]


async def stage(server: EmbeddedServer, running: bool) -> Party:
    """Alice, Bob and Vera (promoted to moderator) in a conversation with two
    rooms, configured or running with Bob asking for help; a guest account that
    could be invited."""
    voip = AudioConnection.VOIP
    meeting = await gather_party(server.url, {"alice": voip, "bob": voip, "vera": voip})
    await (await signed_up(server.url, "guest")).close()
    cid, moderator = meeting.conversation_id, meeting.moderator
    await moderator.execute(cid, SetRole(user_id=VERA, role=Role.MODERATOR))
    await moderator.execute(
        cid, SetUpBreakouts(room_names=("A", "B"), settings=BreakoutSettings(time_limit=900))
    )
    placements = (Placement(ALICE, FIRST), Placement(BOB, FIRST))
    await moderator.execute(cid, ApplyBreakouts(placements=placements, start=running))
    if running:
        await meeting["bob"].execute(cid, RequestHelp())
    return meeting


def truth(server: EmbeddedServer, conversation_id: str) -> tuple[Conversation, int]:
    hub = server.services.hub
    return hub.snapshot(conversation_id, MODERATOR).conversation, hub.head(conversation_id)


Send = Callable[[Command], Awaitable[str]]
"""Sends a command as someone and returns the code it was refused with."""


def through(client: Client, conversation_id: str) -> Send:
    async def send(command: Command) -> str:
        with pytest.raises(ServerError) as caught:
            await client.execute(conversation_id, command)
        return caught.value.code

    return send


async def participant(server: EmbeddedServer, meeting: Party, stack: AsyncExitStack) -> Send:
    return through(meeting["alice"], meeting.conversation_id)


async def outsider(server: EmbeddedServer, meeting: Party, stack: AsyncExitStack) -> Send:
    client = await signed_up(server.url, "outsider")
    stack.push_async_callback(client.close)
    await client.create_conversation("Elsewhere")
    return through(client, meeting.conversation_id)


async def nobody(server: EmbeddedServer, meeting: Party, stack: AsyncExitStack) -> Send:
    raw = await Raw.open(server.url)
    stack.push_async_callback(raw.close)
    await raw.hello()

    async def send(command: Command) -> str:
        request = SendCommand(id="x1", conversation_id=meeting.conversation_id, command=command)
        await raw.send(request)
        return (await raw.expect(Error)).code

    return send


async def demoted(server: EmbeddedServer, meeting: Party, stack: AsyncExitStack) -> Send:
    demotion = SetRole(user_id=VERA, role=Role.PARTICIPANT)
    await meeting.moderator.execute(meeting.conversation_id, demotion)
    vera = meeting["vera"]
    await until(vera, lambda: not state(vera, meeting.conversation_id).members[VERA].is_moderator)
    return through(vera, meeting.conversation_id)


Actor = Callable[[EmbeddedServer, Party, AsyncExitStack], Awaitable[Send]]
ACTORS = [
    pytest.param(participant, ErrorCode.FORBIDDEN, id="participant"),
    pytest.param(outsider, ProtocolCode.UNKNOWN_CONVERSATION, id="outsider"),
    pytest.param(nobody, ProtocolCode.NOT_SIGNED_IN, id="signed-out"),
    pytest.param(demoted, ErrorCode.FORBIDDEN, id="demoted"),
]


@pytest.mark.parametrize(("actor", "code"), ACTORS)
@pytest.mark.parametrize(("running", "command"), CASES)
async def test_refused_without_a_trace(
    server: EmbeddedServer, running: bool, command: Command, actor: Actor, code: str
) -> None:
    async with AsyncExitStack() as stack:
        meeting = await stage(server, running)
        stack.push_async_callback(meeting.close)
        cid = meeting.conversation_id
        send = await actor(server, meeting, stack)
        before = truth(server, cid)
        execute(before[0], MODERATOR, command, server.settings.clock())  # a moderator may

        watchers = {client: Recorder(client) for client in meeting.everyone}
        assert await send(command) == code
        assert truth(server, cid) == before

        # A marker sent after the refusal reaches everyone; nothing came before it.
        await meeting.moderator.execute(cid, PostMessage(text="marker"))
        for client, watcher in watchers.items():
            await until(client, partial(bool, watcher.changes), "the marker")
            texts = [getattr(c.record.body, "text", None) for c in watcher.changes if c.record]
            assert texts == ["marker"]

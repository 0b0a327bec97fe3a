"""Idempotency and resume: a request id is applied once, whatever happens to the
connection or the server; a client that comes back gets exactly what it missed."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import (
    Clock,
    Raw,
    Recorder,
    party,
    refused,
    running,
    server_settings,
    signed_up,
    state,
    until,
    until_online,
    view,
)

from desktop.client import Backoff, ChangeKind, Client
from desktop.core import AudioConnection, ErrorCode, UserId
from desktop.core.commands import (
    PostMessage,
    RenameConversation,
    RequestHelp,
    SetUpBreakouts,
)
from desktop.protocol.messages import Ack, SendCommand
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

VOIP = AudioConnection.VOIP
SLOW_RECONNECT = Backoff(first=0.3, jitter=0.0)
"""Long enough for a test to change things while a client is away."""


async def test_a_repeat_before_the_ack_is_applied_once(server: EmbeddedServer) -> None:
    async with party(server.url, {}) as meeting:
        cid = meeting.conversation_id
        raw = await Raw.open(server.url)
        try:
            await raw.hello(meeting.moderator.token)
            rename = RenameConversation(title="Renamed")
            request = SendCommand(id="same", conversation_id=cid, command=rename)
            head = server.services.hub.head(cid)
            await raw.send(request)
            await raw.send(request)
            first, second = await raw.answer("same"), await raw.answer("same")
            assert first == second == Ack(id="same", conversation_id=cid, seq=head + 1)
            assert server.services.hub.head(cid) == head + 1
        finally:
            await raw.close()


async def test_a_repeat_after_reconnecting_returns_the_first_answer(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, {}) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        seq = await moderator.execute(cid, RenameConversation(title="Once"), request_id="r-1")
        await moderator.drop_connection()
        await until_online(moderator)
        again = await moderator.execute(cid, RenameConversation(title="Twice"), request_id="r-1")
        assert again == seq == server.services.hub.head(cid)
        assert state(moderator, cid).title == "Once"


async def test_a_refusal_is_repeated_even_after_the_state_changed(
    server: EmbeddedServer,
) -> None:
    async with party(server.url, {"alice": VOIP}) as meeting:
        cid, moderator, alice = meeting.conversation_id, meeting.moderator, meeting["alice"]
        await refused(alice.execute(cid, RequestHelp(), request_id="h-1"), ErrorCode.NOT_SET_UP)
        await moderator.execute(cid, SetUpBreakouts(room_names=("A",)))
        await refused(alice.execute(cid, RequestHelp(), request_id="h-1"), ErrorCode.NOT_SET_UP)


async def test_a_repeat_after_a_restart_returns_the_first_answer(
    tmp_path: Path, clock: Clock
) -> None:
    settings = server_settings(tmp_path, clock)
    async with running(settings) as server:
        client = await signed_up(server.url, "mod")
        cid = await client.create_conversation("Before")
        seq = await client.execute(cid, RenameConversation(title="Kept"), request_id="once")
        token = client.token
        await client.close()
    async with running(settings) as server:
        client = Client(server.url, token=token)
        await client.connect()
        try:
            await until(client, lambda: cid in client.mirror.conversations, "the snapshot")
            again = RenameConversation(title="Lost")
            assert await client.execute(cid, again, request_id="once") == seq
            assert state(client, cid).title == "Kept"
            assert server.services.hub.head(cid) == seq
        finally:
            await client.close()


async def test_resume_sends_exactly_what_was_missed(server: EmbeddedServer) -> None:
    async with party(server.url, {"alice": VOIP}) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        alice = await rejoin(server, meeting.people.pop("alice"))
        seen = Recorder(alice)
        await alice.drop_connection()
        for n in range(5):
            await moderator.execute(cid, PostMessage(text=f"missed {n}"))
        await until_online(alice)
        await moderator.execute(cid, PostMessage(text="live"))
        await until(alice, lambda: view(alice, cid).seq == server.services.hub.head(cid))
        seqs = [change.record.seq for change in seen.changes if change.record is not None]
        assert seqs == sorted(set(seqs)), "in order, no duplicate"
        head = server.services.hub.head(cid)
        assert seqs == list(range(head - 5, head + 1)), "no gap"
        assert state(alice, cid) == server.services.hub.snapshot(cid, UserId("mod")).conversation
        await alice.close()


async def test_too_much_missed_means_a_resync_snapshot(tmp_path: Path, clock: Clock) -> None:
    settings = server_settings(tmp_path, clock, max_replay=3)
    async with running(settings) as server, party(server.url, {"alice": VOIP}) as meeting:
        cid, moderator = meeting.conversation_id, meeting.moderator
        alice = await rejoin(server, meeting.people.pop("alice"))
        seen = Recorder(alice)
        await alice.drop_connection()
        for n in range(10):
            await moderator.execute(cid, PostMessage(text=f"missed {n}"))
        await until_online(alice)
        await until(alice, lambda: view(alice, cid).seq == server.services.hub.head(cid))
        assert [change.kind for change in seen.changes] == [ChangeKind.SNAPSHOT]
        truth = server.services.hub.snapshot(cid, UserId("mod")).conversation
        assert state(alice, cid) == truth
        await alice.close()


async def rejoin(server: EmbeddedServer, client: Client) -> Client:
    """The same account on a client that reconnects slowly."""
    again = Client(server.url, token=client.token, backoff=SLOW_RECONNECT)
    await client.close()
    await again.connect()
    await until(again, lambda: bool(again.mirror.conversations), "the snapshot")
    return again

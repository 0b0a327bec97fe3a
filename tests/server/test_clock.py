"""The server's clock ends sessions: at the deadline, after the closing
countdown, and also when the deadline passed while the server was down."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import (
    Clock,
    Recorder,
    gather_party,
    party,
    running,
    server_settings,
    state,
    told,
    until,
)

from desktop.client import Client
from desktop.core import AssignmentMode, AudioConnection, BreakoutSettings, Phase
from desktop.core.commands import ExtendTime, SetUpBreakouts, StartBreakouts
from desktop.core.events import ClosingStarted, SessionEnded
from desktop.protocol.notices import BackInMainRoom, ClosingSoon
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

VOIP = {"alice": AudioConnection.VOIP}


def phase_is(client: Client, conversation_id: str, phase: Phase) -> bool:
    return state(client, conversation_id).breakouts.phase is phase


async def start(
    client: Client,
    conversation_id: str,
    time_limit: int | None = None,
    closing_countdown: int | None = None,
) -> None:
    settings = BreakoutSettings(
        mode=AssignmentMode.AUTOMATIC, time_limit=time_limit, closing_countdown=closing_countdown
    )
    await client.execute(conversation_id, SetUpBreakouts(room_names=("A",), settings=settings))
    await client.execute(conversation_id, StartBreakouts())


async def test_the_session_ends_itself_at_the_deadline_as_time_passes(
    server: EmbeddedServer,
) -> None:
    """No test hand on the clock here: the server's own timer ends the session."""
    async with party(server.url, VOIP) as meeting:
        cid, alice = meeting.conversation_id, meeting["alice"]
        seen = Recorder(alice)
        await start(meeting.moderator, cid, time_limit=1)
        deadline = state(meeting.moderator, cid).breakouts.deadline
        await until(alice, told(alice, cid, BackInMainRoom), "back in the main room")
        assert phase_is(alice, cid, Phase.ENDED)
        records = [change.record for change in seen.changes if change.record is not None]
        (ended,) = [record for record in records if isinstance(record.body, SessionEnded)]
        assert ended.actor is None, "the clock, not a person"
        assert isinstance(ended.body, SessionEnded)
        assert ended.body.at == deadline


async def test_deadline_then_closing_countdown_then_end(
    server: EmbeddedServer, clock: Clock
) -> None:
    async with party(server.url, VOIP) as meeting:
        cid, alice, hub = meeting.conversation_id, meeting["alice"], server.services.hub
        await start(meeting.moderator, cid, time_limit=600, closing_countdown=30)
        await meeting.moderator.execute(cid, ExtendTime(seconds=60))
        deadline = state(alice, cid).breakouts.deadline
        assert deadline is not None

        clock.advance(650)
        await hub.tick()
        assert phase_is(meeting.moderator, cid, Phase.RUNNING), "the extension counts"

        clock.advance(20)
        await hub.tick()
        await until(alice, told(alice, cid, ClosingSoon), "the countdown")
        assert phase_is(alice, cid, Phase.CLOSING)
        closing = [r.body for r in alice.mirror.conversations[cid].notices]
        # The clock looked 10 s after the deadline: 20 of the 30 s are left.
        assert [n.seconds for n in closing if isinstance(n, ClosingSoon)] == [20]
        assert state(alice, cid).breakouts.closing_at == deadline + 30

        clock.advance(30)
        await hub.tick()
        await until(alice, lambda: phase_is(alice, cid, Phase.ENDED), "the end")


async def test_a_deadline_passed_while_the_server_was_down(tmp_path: Path, clock: Clock) -> None:
    settings = server_settings(tmp_path, clock)
    async with running(settings) as server:
        meeting = await gather_party(server.url, VOIP)
        cid, token = meeting.conversation_id, meeting["alice"].token
        await start(meeting.moderator, cid, time_limit=300, closing_countdown=60)
        deadline = state(meeting.moderator, cid).breakouts.deadline
        await meeting.close()
    assert deadline is not None

    clock.advance(3600)
    async with running(settings) as server:
        alice = Client(server.url, token=token)
        await alice.connect()
        try:
            await until(alice, lambda: cid in alice.mirror.conversations, "the snapshot")
            assert phase_is(alice, cid, Phase.ENDED)
            entries = await server.services.store.read(cid, 0)
            bodies = [entry.record.body for entry in entries]
            closing = next(body for body in bodies if isinstance(body, ClosingStarted))
            ended = next(body for body in bodies if isinstance(body, SessionEnded))
            assert (closing.closing_at, ended.at) == (deadline + 60, deadline + 60)
        finally:
            await alice.close()

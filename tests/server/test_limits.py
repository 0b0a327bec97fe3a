"""Limits with clear errors: oversized frames, rate, hello, heartbeats, slow
readers, and invalid messages, each answered while the connection (or the
server, for everyone else) keeps working."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest
from netkit import WAIT, Clock, Raw, party, running, server_settings, signed_up

from desktop.core import AudioConnection
from desktop.core.commands import PostMessage
from desktop.protocol import MAX_FRAME_BYTES, PROTOCOL_VERSION, CloseCode, ProtocolCode
from desktop.protocol.messages import (
    ConversationList,
    Error,
    FetchHistory,
    Hello,
    ListConversations,
)
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

ABNORMAL = 1006
"""What a client sees when the server cuts a connection that does not read."""


async def signed_in_raw(server: EmbeddedServer, username: str = "ann") -> Raw:
    client = await signed_up(server.url, username)
    token = client.token
    await client.close()
    raw = await Raw.open(server.url)
    welcome = await raw.hello(token)
    assert welcome.account is not None
    return raw


async def still_usable(raw: Raw, request_id: str = "still") -> None:
    await raw.send(ListConversations(id=request_id))
    assert isinstance(await raw.answer(request_id), ConversationList)


async def test_an_oversized_frame_closes_with_1009(server: EmbeddedServer) -> None:
    raw = await signed_in_raw(server)
    try:
        head = '{"type": "list_conversations", "id": "big", "padding": "'
        await raw.send_text(head + "x" * (MAX_FRAME_BYTES - len(head) - 1) + '"}')
        assert await raw.closed() == CloseCode.TOO_LARGE
        other = await signed_in_raw(server, "bob")
        await still_usable(other)
        await other.close()
    finally:
        await raw.close()


async def test_a_frame_at_the_limit_is_read(server: EmbeddedServer) -> None:
    raw = await signed_in_raw(server)
    try:
        head = '{"type": "list_conversations", "id": "fits", "padding": "'
        await raw.send_text(head + "x" * (MAX_FRAME_BYTES - len(head) - 2) + '"}')
        assert isinstance(await raw.answer("fits"), ConversationList)
    finally:
        await raw.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param("not json", ProtocolCode.MALFORMED, id="not-json"),
        pytest.param("[1, 2]", ProtocolCode.MALFORMED, id="array"),
        pytest.param('{"type": "teleport", "id": "a"}', ProtocolCode.MALFORMED, id="unknown-type"),
        pytest.param('{"type": "fetch_history", "id": "a"}', ProtocolCode.MALFORMED, id="missing"),
        pytest.param(
            '{"type": "fetch_history", "id": "a", "conversation_id": "c", "limit": 0}',
            ProtocolCode.MALFORMED,
            id="out-of-range",
        ),
        pytest.param('{"type": "hello", "protocol": 1}', ProtocolCode.HELLO_REPEATED, id="hello"),
        pytest.param(
            '{"type": "command", "id": "a", "conversation_id": "nope",'
            ' "command": {"type": "start_breakouts"}}',
            ProtocolCode.UNKNOWN_CONVERSATION,
            id="unknown-conversation",
        ),
        pytest.param(
            '{"type": "log_in", "id": "a", "username": "ann", "password": "x"}',
            ProtocolCode.ALREADY_SIGNED_IN,
            id="signed-in-twice",
        ),
    ],
)
async def test_an_invalid_message_gets_an_error_and_the_connection_stays(
    server: EmbeddedServer, frame: str, code: str
) -> None:
    raw = await signed_in_raw(server)
    try:
        await raw.send_text(frame)
        error = await raw.expect(Error)
        assert error.code == code
        assert error.message.endswith(".")
        await still_usable(raw)
    finally:
        await raw.close()


async def test_the_rate_limit_refuses_the_excess_and_recovers(tmp_path: Path, clock: Clock) -> None:
    settings = server_settings(tmp_path, clock, messages_per_second=2.0, burst=3)
    async with running(settings) as server:
        raw = await signed_in_raw(server)
        try:
            for n in range(6):
                await raw.send(ListConversations(id=f"r{n}"))
            answers = [await raw.answer(f"r{n}") for n in range(6)]
            refused = [a for a in answers if isinstance(a, Error)]
            assert all(isinstance(a, ConversationList) for a in answers[:3]), "the burst"
            assert refused
            assert all(a.code == ProtocolCode.RATE_LIMITED for a in refused)
            wait = max(a.retry_after or 0 for a in refused)
            assert 0 < wait <= 0.5
            await asyncio.sleep(wait)  # the server said when to try again
            await still_usable(raw)
        finally:
            await raw.close()


async def test_no_hello_in_time_closes_the_connection(tmp_path: Path, clock: Clock) -> None:
    async with running(server_settings(tmp_path, clock, hello_timeout=0.2)) as server:
        raw = await Raw.open(server.url)
        try:
            error = await raw.expect(Error)
            assert error.code == ProtocolCode.HELLO_EXPECTED
            assert await raw.closed() == CloseCode.HELLO_TIMEOUT
        finally:
            await raw.close()


async def test_a_wrong_first_message_is_answered_and_hello_still_works(
    server: EmbeddedServer,
) -> None:
    raw = await Raw.open(server.url)
    try:
        await raw.send(ListConversations(id="early"))
        error = await raw.expect(Error)
        assert (error.id, error.code) == ("early", ProtocolCode.HELLO_EXPECTED)
        welcome = await raw.hello()
        assert welcome.account is None
        await raw.send(ListConversations(id="anonymous"))
        assert (await raw.expect(Error)).code == ProtocolCode.NOT_SIGNED_IN
    finally:
        await raw.close()


async def test_another_protocol_version_is_refused(server: EmbeddedServer) -> None:
    raw = await Raw.open(server.url)
    try:
        await raw.send(Hello(protocol=PROTOCOL_VERSION + 1))
        assert (await raw.expect(Error)).code == ProtocolCode.UNSUPPORTED_VERSION
        assert await raw.closed() == CloseCode.UNSUPPORTED_VERSION
    finally:
        await raw.close()


async def test_a_peer_that_answers_no_ping_is_dropped(tmp_path: Path, clock: Clock) -> None:
    async with (
        running(server_settings(tmp_path, clock, heartbeat=0.2)) as server,
        aiohttp.ClientSession() as session,
    ):
        socket = await session.ws_connect(server.url, autoping=False)
        await socket.send_bytes(b'{"type": "hello", "protocol": 1}')
        async with asyncio.timeout(WAIT):
            async for message in socket:
                if message.type is aiohttp.WSMsgType.PING:
                    continue  # heard, never answered
        assert socket.closed


class Watch(logging.Handler):
    """Sets ``seen`` when the server logs ``event``."""

    def __init__(self, event: str) -> None:
        super().__init__()
        self.event = event
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.event:
            self.seen.set()


async def test_a_client_that_stops_reading_is_dropped(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = server_settings(
        tmp_path, clock, outbox_bytes=256 * 1024, messages_per_second=1000.0, burst=1000
    )
    watch = Watch("client_too_slow")
    logger = logging.getLogger("roomcast.server")
    caplog.set_level(logging.INFO, logger=logger.name)
    logger.addHandler(watch)
    try:
        async with (
            running(settings) as server,
            party(server.url, {"ann": AudioConnection.VOIP}) as meeting,
        ):
            cid = meeting.conversation_id
            for n in range(200):
                await meeting.moderator.execute(cid, PostMessage(text=f"{n} " + "x" * 3990))
            raw = await Raw.open(server.url)
            try:
                await raw.hello(meeting["ann"].token)
                for n in range(40):  # about 32 MB of answers that nobody reads
                    await raw.send(FetchHistory(id=f"h{n}", conversation_id=cid, limit=200))
                async with asyncio.timeout(WAIT):
                    await watch.seen.wait()
                await raw.closed()
                assert raw.socket.close_code in (CloseCode.TOO_SLOW, ABNORMAL)
                await meeting.moderator.execute(cid, PostMessage(text="others are served"))
            finally:
                await raw.close()
    finally:
        logger.removeHandler(watch)


async def test_a_client_that_vanishes_while_answers_are_queued_costs_no_error(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = server_settings(tmp_path, clock, messages_per_second=1000.0, burst=1000)
    watch = Watch("client_gone")
    logger = logging.getLogger("roomcast.server")
    caplog.set_level(logging.INFO)
    logger.addHandler(watch)
    try:
        async with (
            running(settings) as server,
            party(server.url, {"ann": AudioConnection.VOIP}) as meeting,
        ):
            cid = meeting.conversation_id
            for n in range(100):
                await meeting.moderator.execute(cid, PostMessage(text=f"{n} " + "x" * 3990))
            raw = await Raw.open(server.url)
            try:
                await raw.hello(meeting["ann"].token)
                for n in range(10):  # megabytes of answers the client will never read
                    await raw.send(FetchHistory(id=f"h{n}", conversation_id=cid, limit=100))
                await meeting.moderator.execute(cid, PostMessage(text="queued behind them"))
                # Cut the client off below the websocket, as a crash or a pulled cable would.
                connection = raw.socket._response.connection
                assert connection is not None
                assert connection.transport is not None
                connection.transport.abort()
                async with asyncio.timeout(WAIT):
                    await watch.seen.wait()
                await meeting.moderator.execute(cid, PostMessage(text="others are served"))
            finally:
                await raw.close()
    finally:
        logger.removeHandler(watch)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]

"""Hostile frames, generated: whatever a client sends, it gets an answer with a
stable code, its connection stays usable, and the server serves everyone else."""

from __future__ import annotations

import json
import typing
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netkit import Clock, Raw, running, server_settings, signed_up

from desktop.core import ErrorCode
from desktop.core.commands import Command
from desktop.protocol import MAX_FRAME_BYTES, ClientMessage, ProtocolCode
from desktop.protocol.messages import ConversationList, Error, ListConversations
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

CODES = {code.value for code in ProtocolCode} | {code.value for code in ErrorCode}


def tags(union: object) -> list[str]:
    return [str(kind.__struct_config__.tag) for kind in typing.get_args(union)]


MESSAGE_TAGS = tags(ClientMessage)
COMMAND_TAGS = tags(Command)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "id",
    "conversation_id",
    "command",
    "room_id",
    "to",
    "kind",
    "sdp",
    "limit",
    "before",
    "title",
    "username",
    "password",
    "display_name",
    "muted",
    "token",
    "protocol",
]


@st.composite
def near_valid(draw: st.DrawFn) -> str:
    """A JSON object with a real message tag and fields of the right names,
    holding values of any shape — the frames that get furthest into the server."""
    message: dict[str, Any] = {"type": draw(st.sampled_from(MESSAGE_TAGS))}
    for field in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=6)):
        message[field] = draw(json_values)
    if draw(st.booleans()):
        command: dict[str, Any] = {"type": draw(st.sampled_from(COMMAND_TAGS))}
        command.update(draw(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3)))
        message["command"] = command
    return json.dumps(message)


frames = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    json_values.map(json.dumps),
    near_valid(),
)


@pytest_asyncio.fixture
async def lenient(tmp_path: Path, clock: Clock) -> AsyncIterator[EmbeddedServer]:
    """A server whose rate limit stays out of the way of many examples."""
    options = server_settings(tmp_path, clock, messages_per_second=100_000.0, burst=100_000)
    async with running(options) as server:
        yield server


@pytest_asyncio.fixture
async def attacker(lenient: EmbeddedServer) -> AsyncIterator[Raw]:
    client = await signed_up(lenient.url, "mallory")
    token = client.token
    await client.close()
    raw = await Raw.open(lenient.url)
    await raw.hello(token)
    yield raw
    await raw.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(frame=frames)
async def test_any_frame_gets_an_answer_and_the_connection_stays(
    lenient: EmbeddedServer, attacker: Raw, frame: str | bytes
) -> None:
    assert len(frame) < MAX_FRAME_BYTES
    if isinstance(frame, bytes):
        await attacker.socket.send_bytes(frame)
    else:
        await attacker.send_text(frame)
    check = f"check-{id(frame)}"
    await attacker.send(ListConversations(id=check))
    while True:
        message = await attacker.receive()
        if isinstance(message, Error):
            assert message.code in CODES, message
            assert message.message
        if getattr(message, "id", None) == check:
            assert isinstance(message, ConversationList)
            break


async def test_the_server_serves_others_after_hostile_frames(lenient: EmbeddedServer) -> None:
    hostile = await Raw.open(lenient.url)
    try:
        for frame in ("{", "[]", '{"type": 1}', "\x00" * 100, '{"type": "hello"}'):
            await hostile.send_text(frame)
            assert (await hostile.expect(Error)).code == ProtocolCode.MALFORMED
        await hostile.hello()
        bystander = await signed_up(lenient.url, "bystander")
        try:
            assert await bystander.list_conversations() == ()
        finally:
            await bystander.close()
    finally:
        await hostile.close()

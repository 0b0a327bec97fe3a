"""Helpers for tests that run a real server on 127.0.0.1 and real SDK clients."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from argon2 import PasswordHasher

from desktop.client import Client, ConnectionState, ServerError
from desktop.client.mirror import Change, ConversationMirror
from desktop.core import AudioConnection, Conversation, RoomId, UserId
from desktop.core.commands import AddMember, Batch
from desktop.protocol import PROTOCOL_VERSION, ServerMessage, decode_server, encode
from desktop.protocol.messages import Hello, Message, Welcome
from desktop.server import EmbeddedServer, Settings

M = TypeVar("M", bound=ServerMessage)
N = TypeVar("N")

PASSWORD = "correct horse battery"
WAIT = 10.0
"""Seconds a test waits for something that should happen at once."""


class Clock:
    """Wall time that a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class ManualClock:
    """Time that stands still until a test moves it."""

    def __init__(self, start: float) -> None:
        self.time = start

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


def server_settings(data_dir: Path, clock: Clock, **overrides: Any) -> Settings:
    """Settings for a test server: a free port and a cheap password hash (argon2id
    still, with a small cost so that hundreds of sign-ups stay quick)."""
    settings = Settings(
        data_dir=data_dir,
        port=0,
        clock=clock.now,
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    return dataclasses.replace(settings, **overrides)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[EmbeddedServer]:
    server = EmbeddedServer(settings)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def signed_up(url: str, username: str, display_name: str | None = None) -> Client:
    client = Client(url, name=username)
    await client.connect()
    await client.sign_up(username, PASSWORD, display_name or username.title())
    return client


async def until(client: Client, condition: Callable[[], bool], what: str = "") -> None:
    """Wait until ``condition`` holds, checking after every change the client sees."""
    if condition():
        return
    changed = asyncio.Event()

    def check(_: object) -> None:
        if condition():
            changed.set()

    unsubscribe = client.mirror.subscribe(check)
    client.on_signal.append(check)
    try:
        async with asyncio.timeout(WAIT):
            await changed.wait()
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what or condition}") from None
    finally:
        unsubscribe()
        client.on_signal.remove(check)


def view(client: Client, conversation_id: str) -> ConversationMirror:
    return client.mirror.conversations[conversation_id]


def state(client: Client, conversation_id: str) -> Conversation:
    return view(client, conversation_id).conversation


class Recorder:
    """Every change a client's mirror reports, in order."""

    def __init__(self, client: Client) -> None:
        self.changes: list[Change] = []
        client.mirror.subscribe(self.changes.append)


class Raw:
    """A bare websocket speaking the protocol, for tests below the SDK."""

    def __init__(self, session: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse):
        self.session = session
        self.socket = socket

    @classmethod
    async def open(cls, url: str) -> Raw:
        session = aiohttp.ClientSession()
        socket = await session.ws_connect(url, max_msg_size=0)
        return cls(session, socket)

    async def send(self, message: Message) -> None:
        await self.socket.send_bytes(encode(message))

    async def send_text(self, text: str) -> None:
        await self.socket.send_str(text)

    async def receive(self) -> ServerMessage:
        async with asyncio.timeout(WAIT):
            message = await self.socket.receive()
        assert message.type is aiohttp.WSMsgType.TEXT, message
        return decode_server(message.data)

    async def expect(self, kind: type[M]) -> M:
        """The next message, which must be a ``kind``."""
        message = await self.receive()
        assert isinstance(message, kind), message
        return message

    async def answer(self, request_id: str) -> ServerMessage:
        """Skip what is not the answer to ``request_id`` and return that answer."""
        while True:
            message = await self.receive()
            if getattr(message, "id", None) == request_id:
                return message

    async def hello(self, token: str | None = None) -> Welcome:
        await self.send(Hello(protocol=PROTOCOL_VERSION, token=token))
        return await self.expect(Welcome)

    async def closed(self) -> int | None:
        """Wait for the server to close; the close code."""
        async with asyncio.timeout(WAIT):
            while not self.socket.closed:
                message = await self.socket.receive()
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
        return self.socket.close_code

    async def close(self) -> None:
        await self.socket.close()
        await self.session.close()


@dataclass
class Party:
    """A conversation with a moderator and participants, all signed in."""

    conversation_id: str
    moderator: Client
    people: dict[str, Client]

    def __getitem__(self, username: str) -> Client:
        return self.people[username]

    @property
    def everyone(self) -> list[Client]:
        return [self.moderator, *self.people.values()]

    async def close(self) -> None:
        for client in self.everyone:
            await client.close()


async def gather_party(
    url: str, audio: Mapping[str, AudioConnection], moderator: str = "mod"
) -> Party:
    """Sign everyone up, create "Workshop" and add the participants with their audio."""
    host = await signed_up(url, moderator)
    people = {name: await signed_up(url, name) for name in audio}
    cid = await host.create_conversation("Workshop")
    if audio:
        adds = tuple(
            AddMember(user_id=UserId(name), display_name="", audio=connection)
            for name, connection in audio.items()
        )
        await host.execute(cid, Batch(commands=adds))
    for client in people.values():
        await until(client, partial(_has, client, cid), "a snapshot")
    return Party(cid, host, people)


@asynccontextmanager
async def party(
    url: str, audio: Mapping[str, AudioConnection], moderator: str = "mod"
) -> AsyncIterator[Party]:
    gathered = await gather_party(url, audio, moderator)
    try:
        yield gathered
    finally:
        await gathered.close()


def _has(client: Client, conversation_id: str) -> bool:
    return conversation_id in client.mirror.conversations


def notices(client: Client, conversation_id: str, kind: type[N]) -> list[N]:
    return [r.body for r in view(client, conversation_id).notices if isinstance(r.body, kind)]


def told(client: Client, conversation_id: str, kind: type[object]) -> Callable[[], bool]:
    """A condition: ``client`` has received a notice of ``kind``."""
    return lambda: bool(notices(client, conversation_id, kind))


def running_for(client: Client, conversation_id: str) -> Callable[[], bool]:
    """A condition: ``client`` sees the breakout session running."""
    return lambda: state(client, conversation_id).breakouts.is_live


def gone_for(client: Client, conversation_id: str) -> Callable[[], bool]:
    """A condition: ``client`` no longer has the conversation."""
    return lambda: conversation_id not in client.mirror.conversations


def chat_texts(client: Client, conversation_id: str, chat: str) -> list[str]:
    return [
        getattr(record.body, "text", "")
        for record in view(client, conversation_id).chats.get(chat, ())
    ]


async def refused(call: Awaitable[object], code: str) -> ServerError:
    """Await ``call`` and check that the server refused it with ``code``."""
    with pytest.raises(ServerError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


def rooms(client: Client, conversation_id: str) -> list[RoomId]:
    return [room.id for room in state(client, conversation_id).breakouts.rooms]


async def until_state(client: Client, wanted: ConnectionState) -> None:
    reached = asyncio.Event()

    def check(now: ConnectionState) -> None:
        if now is wanted:
            reached.set()

    client.on_state.append(check)
    try:
        if client.state is not wanted:
            async with asyncio.timeout(WAIT):
                await reached.wait()
    finally:
        client.on_state.remove(check)


async def until_online(client: Client) -> None:
    """Wait until a client whose connection just dropped is back online."""
    if client.state is ConnectionState.ONLINE:
        await until_state(client, ConnectionState.OFFLINE)
    await until_state(client, ConnectionState.ONLINE)

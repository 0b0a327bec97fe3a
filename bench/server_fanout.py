"""Broadcast fan-out at workshop scale, against a bare aiohttp websocket server.

500 clients in one conversation with 25 breakout rooms. A moderator broadcasts
to all rooms and every client receives the record; a client's latency is the
time it reads that record minus the moment just before the moderator sent the
command. The baseline is a bare aiohttp server that, on a trigger message, sends
the same frame to every socket: the same number of clients read it the same way,
in the same run, interleaved with Roomcast's rounds so that load changes hit both
alike. Each server runs in a child process, the clients in this one. Targets:
Roomcast's p99 at most 250 ms and at most 2 times the bare server's p99.

    python bench/server_fanout.py [--clients N] [--rooms N] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiohttp import WSMsgType, web
from argon2 import PasswordHasher

from desktop.client import Client
from desktop.core import UserId
from desktop.core.commands import (
    AddMember,
    Batch,
    Broadcast,
    Distribute,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.core.events import BroadcastSent
from desktop.protocol import MAX_FRAME_BYTES, PROTOCOL_VERSION, ServerMessage, decode_server, encode
from desktop.protocol.messages import (
    Delivery,
    Error,
    Hello,
    Message,
    SendCommand,
    SignedIn,
    SignUp,
    Snapshot,
    Welcome,
)
from desktop.server import EmbeddedServer, Settings

T = TypeVar("T")
Answer = TypeVar("Answer", bound=ServerMessage)

HOST = "127.0.0.1"
PASSWORD = "fan-out benchmark"
TEXT = "Five minutes left: please wrap up."
READY = "ready"
"""What the bare server says once a socket is in its broadcast set."""
CONCURRENCY = 32
"""Connections opened at once: more would overflow the listen backlog."""
MAX_RECEIVED_BYTES = 64 * 1024 * 1024
START_TIMEOUT = 60.0
ROUND_TIMEOUT = 60.0


# The servers, each in a child process: ``--serve`` prints the port, then serves
# until its standard input is closed.


async def serve_roomcast(data_dir: Path) -> None:
    settings = Settings(
        data_dir=data_dir,
        host=HOST,
        port=0,
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
        # The moderator sends hundreds of set-up commands in a row.
        messages_per_second=1e6,
        burst=1_000_000,
    )
    server = EmbeddedServer(settings)
    await server.start()
    try:
        await announce_and_wait(server.port)
    finally:
        await server.stop()


async def serve_bare() -> None:
    """A websocket server that sends every text message it gets to every socket."""
    sockets: set[web.WebSocketResponse] = set()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES)
        await socket.prepare(request)
        sockets.add(socket)
        try:
            await socket.send_str(READY)
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    for peer in tuple(sockets):
                        await peer.send_str(message.data)
        finally:
            sockets.discard(socket)
        return socket

    app = web.Application()
    app.router.add_get("/ws", websocket)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    try:
        await announce_and_wait(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def announce_and_wait(port: int) -> None:
    print(f"port={port}", flush=True)
    stdin = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    await stdin.read()


@asynccontextmanager
async def child_server(*arguments: str) -> AsyncIterator[str]:
    """Run this script with ``--serve`` and the arguments; yields the server's URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        *arguments,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        name, _, port = line.decode().strip().partition("=")
        if name != "port":
            raise RuntimeError(f"The {arguments[0]} server did not start.")
        yield f"ws://{HOST}:{port}/ws"
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), START_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


# The clients


class Round:
    """One broadcast: when it was sent and when each client read it."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.sent_at = 0.0
        self.latencies: list[float] = []
        self.done = asyncio.Event()

    def arrived(self, at: float) -> None:
        self.latencies.append(at - self.sent_at)
        if len(self.latencies) == self.expected:
            self.done.set()

    async def finished(self) -> list[float]:
        try:
            await asyncio.wait_for(self.done.wait(), ROUND_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(
                f"Only {len(self.latencies)} of {self.expected} clients got the broadcast."
            ) from None
        return self.latencies


class Receivers:
    """Plain websocket clients that read everything they are sent and hand each
    broadcast record, once decoded, to the current round."""

    def __init__(self) -> None:
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.frame = ""
        """The last broadcast frame read, as it came."""
        self._round: Round | None = None
        self._readers: list[asyncio.Task[None]] = []

    def listen(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.sockets.append(socket)
        self._readers.append(asyncio.create_task(self._read(socket)))

    def start_round(self) -> Round:
        self._round = Round(len(self.sockets))
        return self._round

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            at = time.perf_counter()
            decoded = decode_server(message.data)
            if (
                isinstance(decoded, Delivery)
                and isinstance(decoded.record.body, BroadcastSent)
                and self._round is not None
            ):
                self.frame = message.data
                self._round.arrived(at)

    async def close(self) -> None:
        await asyncio.gather(*(socket.close() for socket in self.sockets))
        await asyncio.gather(*self._readers)


async def drain(socket: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in socket:
        pass


async def send(socket: aiohttp.ClientWebSocketResponse, message: Message) -> None:
    await socket.send_str(encode(message).decode())


async def expect(socket: aiohttp.ClientWebSocketResponse, answer: type[Answer]) -> Answer:
    message = await socket.receive()
    if message.type is not WSMsgType.TEXT:
        raise RuntimeError(f"Expected {answer.__name__}, the socket said {message.type.name}.")
    decoded = decode_server(message.data)
    if not isinstance(decoded, answer):
        detail = decoded.message if isinstance(decoded, Error) else type(decoded).__name__
        raise RuntimeError(f"Expected {answer.__name__}, got {detail}.")
    return decoded


async def sign_up(session: aiohttp.ClientSession, url: str, username: str) -> str:
    """Sign an account up on a connection of its own; returns its token."""
    async with session.ws_connect(url) as socket:
        await send(socket, Hello(protocol=PROTOCOL_VERSION, client="bench"))
        await expect(socket, Welcome)
        request = SignUp(
            id="sign-up", username=username, password=PASSWORD, display_name=username.title()
        )
        await send(socket, request)
        return (await expect(socket, SignedIn)).token


async def signed_in(
    session: aiohttp.ClientSession, url: str, token: str
) -> aiohttp.ClientWebSocketResponse:
    """A connection signed in with ``token``, past the conversation's snapshot."""
    socket = await session.ws_connect(url, max_msg_size=MAX_RECEIVED_BYTES)
    await send(socket, Hello(protocol=PROTOCOL_VERSION, token=token, client="bench"))
    await expect(socket, Welcome)
    await expect(socket, Snapshot)
    return socket


async def bare_client(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    socket = await session.ws_connect(url, max_msg_size=MAX_RECEIVED_BYTES)
    message = await socket.receive()
    if message.type is not WSMsgType.TEXT or message.data != READY:
        raise RuntimeError("The bare server did not take the connection.")
    return socket


async def limited(count: int, make: Callable[[int], Awaitable[T]]) -> list[T]:
    """``make(0)`` … ``make(count - 1)``, at most ``CONCURRENCY`` at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(number: int) -> T:
        async with gate:
            return await make(number)

    return list(await asyncio.gather(*(one(number) for number in range(count))))


async def set_up_conversation(
    session: aiohttp.ClientSession, url: str, moderator: Client, clients: int, rooms: int
) -> tuple[str, list[str]]:
    """Sign ``clients`` attendees up, put them in one conversation with ``rooms``
    running breakout rooms; returns its id and the attendees' tokens."""
    usernames = [f"attendee-{number:05d}" for number in range(clients)]
    tokens = await limited(clients, lambda number: sign_up(session, url, usernames[number]))
    conversation_id = await moderator.create_conversation("Fan-out")
    additions = [AddMember(user_id=UserId(name), display_name="") for name in usernames]
    # Half a frame's worth of additions per batch, so the frame stays under the limit.
    one = len(encode(SendCommand(id="x", conversation_id=conversation_id, command=additions[0])))
    chunk = max(1, MAX_FRAME_BYTES // 2 // one)
    for start in range(0, clients, chunk):
        batch = Batch(commands=tuple(additions[start : start + chunk]))
        await moderator.execute(conversation_id, batch)
    names = tuple(f"Room {number}" for number in range(1, rooms + 1))
    await moderator.execute(conversation_id, SetUpBreakouts(room_names=names))
    await moderator.execute(conversation_id, Distribute())
    await moderator.execute(conversation_id, StartBreakouts())
    return conversation_id, tokens


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of all
    values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def measure(clients: int, rooms: int, repeat: int, data_dir: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        roomcast_url = await stack.enter_async_context(
            child_server("roomcast", "--data-dir", str(data_dir))
        )
        bare_url = await stack.enter_async_context(child_server("bare"))
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )

        moderator = Client(roomcast_url, name="bench-moderator")
        await moderator.connect()
        stack.push_async_callback(moderator.close)
        await moderator.sign_up("moderator", PASSWORD, "Moderator")
        conversation_id, tokens = await set_up_conversation(
            session, roomcast_url, moderator, clients, rooms
        )

        roomcast = Receivers()
        stack.push_async_callback(roomcast.close)
        for socket in await limited(
            clients, lambda number: signed_in(session, roomcast_url, tokens[number])
        ):
            roomcast.listen(socket)

        bare = Receivers()
        stack.push_async_callback(bare.close)
        trigger = await bare_client(session, bare_url)
        stack.push_async_callback(trigger.close)
        draining = asyncio.create_task(drain(trigger))
        for socket in await limited(clients, lambda _: bare_client(session, bare_url)):
            bare.listen(socket)

        broadcast = Broadcast(text=TEXT)

        async def roomcast_round() -> list[float]:
            current = roomcast.start_round()
            current.sent_at = time.perf_counter()
            await moderator.execute(conversation_id, broadcast)
            return await current.finished()

        async def bare_round() -> list[float]:
            current = bare.start_round()
            current.sent_at = time.perf_counter()
            await trigger.send_str(roomcast.frame)
            return await current.finished()

        # A first round of each, not counted, warms both up; Roomcast's gives the
        # frame the bare server sends.
        await roomcast_round()
        await bare_round()
        fanout: list[float] = []
        baseline: list[float] = []
        for _ in range(repeat):
            fanout.extend(await roomcast_round())
            baseline.extend(await bare_round())

        await trigger.close()
        await draining

    fanout_p99 = percentile(fanout, 0.99)
    bare_p99 = percentile(baseline, 0.99)
    print(f"clients={clients}")
    print(f"rooms={rooms}")
    print(f"frame_bytes={len(roomcast.frame.encode())}")
    print(f"fanout_p50_ms={percentile(fanout, 0.50) * 1e3:.3f}")
    print(f"fanout_p99_ms={fanout_p99 * 1e3:.3f}")
    print(f"bare_p50_ms={percentile(baseline, 0.50) * 1e3:.3f}")
    print(f"bare_p99_ms={bare_p99 * 1e3:.3f}")
    print(f"fanout_vs_bare_ratio={fanout_p99 / bare_p99:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rooms", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--serve", choices=("roomcast", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve == "roomcast":
        asyncio.run(serve_roomcast(args.data_dir))
    elif args.serve == "bare":
        asyncio.run(serve_bare())
    else:
        with tempfile.TemporaryDirectory(prefix="roomcast-fanout-") as data_dir:
            asyncio.run(measure(args.clients, args.rooms, args.repeat, Path(data_dir)))


if __name__ == "__main__":
    main()

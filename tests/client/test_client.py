"""The SDK's connection: what it raises when there is no Roomcast server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from desktop.client import Client, ConnectionFailed

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def echo_url() -> AsyncIterator[str]:
    """A websocket server of another kind: it sends back whatever it gets."""

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str(message.data)
        return ws

    app = web.Application()
    app.router.add_get("/ws", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"ws://127.0.0.1:{runner.addresses[0][1]}/ws"
    finally:
        await runner.cleanup()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_server_raises_connection_failed() -> None:
    client = Client(f"ws://127.0.0.1:{closed_port()}/ws")
    try:
        with pytest.raises(ConnectionFailed, match="Cannot reach"):
            await client.connect()
    finally:
        await client.close()


async def test_a_server_of_another_kind_raises_connection_failed(echo_url: str) -> None:
    client = Client(echo_url)
    try:
        with pytest.raises(ConnectionFailed, match="is not a Roomcast server"):
            await client.connect()
    finally:
        await client.close()

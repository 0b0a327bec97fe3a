"""One connection for one invocation: connect, and afterwards log out and close.

Logging out revokes the token that logging in created, so a script that runs
the command line a thousand times leaves no thousand live tokens behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from desktop.client import Client, ClientError, ConnectionState

CLIENT_NAME = "roomcast-cli"
LOG_OUT_WAIT = 5.0
"""Seconds to wait for the log-out's answer; the result is printed either way."""


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[Client]:
    """A client connected to ``url``; raises :class:`~desktop.client.ConnectionFailed`
    when the server cannot be reached."""
    client = Client(url, name=CLIENT_NAME)
    try:
        await client.connect()
        try:
            yield client
        finally:
            await _log_out(client)
    finally:
        await client.close()


async def _log_out(client: Client) -> None:
    if client.account is None or client.state is not ConnectionState.ONLINE:
        return
    with contextlib.suppress(ClientError, TimeoutError):
        async with asyncio.timeout(LOG_OUT_WAIT):
            await client.log_out()

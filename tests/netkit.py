"""Helpers for tests that run a real server on 127.0.0.1 and real SDK clients."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from argon2 import PasswordHasher

from desktop.client import Client
from desktop.client.mirror import Change, ConversationMirror
from desktop.core import Conversation
from desktop.server import EmbeddedServer, Settings

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


def server_settings(data_dir: Path, clock: Clock, **overrides: object) -> Settings:
    """Settings for a test server: a free port and a cheap password hash (argon2id
    still, with a small cost so that hundreds of sign-ups stay quick)."""
    options: dict[str, object] = {
        "data_dir": data_dir,
        "port": 0,
        "clock": clock.now,
        "hasher": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    }
    options.update(overrides)
    return Settings(**options)  # type: ignore[arg-type]


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

"""``kill -9`` of the server in the middle of a session: after a restart every
acknowledged command is there exactly once, and every client resumes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from netkit import WAIT, gather_party, state, until, view

from desktop.client import Client
from desktop.core import AssignmentMode, AudioConnection, BreakoutSettings
from desktop.core.commands import PostMessage, SetUpBreakouts, StartBreakouts
from desktop.core.events import MessagePosted

pytestmark = pytest.mark.asyncio

POSTS = 40
KILL_AFTER = 10


@dataclass
class ServerProcess:
    """``python -m desktop.server`` in a child process, its log drained."""

    process: asyncio.subprocess.Process
    drain: asyncio.Task[None]

    @classmethod
    async def start(cls, port: int, data_dir: Path) -> ServerProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "desktop.server",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            stderr=asyncio.subprocess.PIPE,
        )
        listening = asyncio.Event()
        assert process.stderr is not None
        drain = asyncio.create_task(_drain(process.stderr, listening))
        async with asyncio.timeout(60):
            await listening.wait()
        return cls(process, drain)

    async def kill(self) -> None:
        self.process.kill()
        await self.process.wait()
        await self.drain

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        await self.drain


async def _drain(stream: asyncio.StreamReader, listening: asyncio.Event) -> None:
    async for line in stream:
        if b"event=listening" in line:
            listening.set()


def caught_up(client: Client, conversation_id: str, seq: int) -> bool:
    return view(client, conversation_id).seq == seq


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def server_process(port: int, data_dir: Path) -> AsyncIterator[list[ServerProcess]]:
    """The running process, in a list so a test can replace it."""
    processes = [await ServerProcess.start(port, data_dir)]
    try:
        yield processes
    finally:
        await processes[-1].stop()


async def test_kill_9_mid_session_keeps_every_acknowledged_command(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "data"
    url = f"ws://127.0.0.1:{port}/ws"
    async with server_process(port, data) as processes:
        voip = AudioConnection.VOIP
        meeting = await gather_party(url, {"alice": voip, "bob": voip})
        cid, moderator = meeting.conversation_id, meeting.moderator
        try:
            automatic = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
            await moderator.execute(cid, SetUpBreakouts(room_names=("A",), settings=automatic))
            await moderator.execute(cid, StartBreakouts())

            acknowledged: list[int] = []
            enough = asyncio.Event()

            async def post(n: int) -> None:
                await moderator.execute(cid, PostMessage(text=f"m{n}"), request_id=f"post-{n}")
                acknowledged.append(n)
                if len(acknowledged) == KILL_AFTER:
                    enough.set()

            posts = [asyncio.create_task(post(n)) for n in range(POSTS)]
            async with asyncio.timeout(WAIT):
                await enough.wait()
            await processes[0].kill()
            before_restart = set(acknowledged)
            assert KILL_AFTER <= len(before_restart) < POSTS, "killed in the middle"

            processes.append(await ServerProcess.start(port, data))
            async with asyncio.timeout(30):
                await asyncio.gather(*posts)

            witness = Client(url, token=moderator.token)
            await witness.connect()
            try:
                await until(witness, lambda: cid in witness.mirror.conversations, "snapshot")
                page = await witness.history(cid, limit=200)
                texts = [r.body.text for r in page.records if isinstance(r.body, MessagePosted)]
                assert sorted(texts) == sorted(f"m{n}" for n in range(POSTS)), "exactly once"
                truth = state(witness, cid)
                head = view(witness, cid).seq
                for client in meeting.everyone:
                    await until(client, partial(caught_up, client, cid, head), "resumed")
                    assert state(client, cid) == truth
            finally:
                await witness.close()
        finally:
            await meeting.close()

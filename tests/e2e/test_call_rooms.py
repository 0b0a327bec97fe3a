"""Calls that follow the rooms, end to end: a real server, a moderator and four
participants, each in a process of their own (as each person's app is) with a
call engine whose microphone plays a tone of its own. Everyone hears everyone in
the main call; once Smart Distribute has made two rooms and the session starts,
each room hears its own members only; when the session ends everyone is back in
the main call and hears everyone again.

One process per person matters: five engines sharing one interpreter share one
lock between all their audio, which no real client does."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from caller_process import AMPLITUDE
from netkit import Clock, Party, party, running, server_settings, until

from desktop.core import AudioConnection, UserId
from desktop.core.commands import Distribute, EndBreakouts, SetUpBreakouts, StartBreakouts
from desktop.media.follow import CallKey
from desktop.media.ice import loopback_only

pytestmark = pytest.mark.asyncio

TONES = {"mod": 400.0, "ann": 600.0, "ben": 850.0, "cat": 1100.0, "dan": 1400.0}
LISTENER = UserId("dan")
"""Just Listening: in every call, sending nothing, and always joined muted."""
PARTICIPANTS = {
    name: AudioConnection.JUST_LISTENING if name == LISTENER else AudioConnection.VOIP
    for name in TONES
    if name != "mod"
}
PROGRAM = Path(__file__).with_name("caller_process.py")
READY_SECONDS = 60.0
"""A caller's process starting up (imports, the engine, signing in)."""


class Caller:
    """One person's app in its own process, driven line by line."""

    def __init__(self, user: UserId, process: asyncio.subprocess.Process) -> None:
        self.user = user
        self.process = process

    @classmethod
    async def start(cls, user: UserId, url: str, token: str, cid: str) -> Caller:
        tests = str(Path(__file__).parents[1])
        path = os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROGRAM),
            "--",  # a token may begin with a dash
            url,
            token,
            cid,
            str(TONES[user]),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        return cls(user, process)

    async def ready(self) -> None:
        async with asyncio.timeout(READY_SECONDS):
            assert await self._answer() == {"ready": True}, f"{self.user} did not start"

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        return await self._answer()

    async def in_call(self, key: CallKey, peers: set[UserId]) -> None:
        """Wait until this person follows the call ``key`` and hears ``peers``."""
        talkers = peers - {LISTENER}
        command = {"follow": key.room_id, "peers": sorted(peers), "talkers": sorted(talkers)}
        answer = await self.ask(command)
        assert answer.get("ok"), f"{self.user} in {key}: {answer.get('error')}"

    async def record(self, seconds: float) -> dict[str, Any]:
        return await self.ask({"record": seconds, "tones": TONES})

    async def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the process of {self.user} ended: {await self.process.wait()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


@asynccontextmanager
async def callers(
    url: str, cid: str, tokens: dict[UserId, str]
) -> AsyncIterator[dict[UserId, Caller]]:
    everyone: dict[UserId, Caller] = {}
    try:
        for user, token in tokens.items():
            everyone[user] = await Caller.start(user, url, token, cid)
        await asyncio.gather(*(caller.ready() for caller in everyone.values()))
        yield everyone
    finally:
        for caller in everyone.values():
            await caller.close()


async def hears_exactly(everyone: dict[UserId, Caller], calls: dict[CallKey, set[UserId]]) -> None:
    """In each call everyone hears the others, and nobody hears anyone else."""
    for key, group in calls.items():
        await asyncio.gather(*(everyone[user].in_call(key, group - {user}) for user in group))
    groups = list(calls.values())
    listeners = [user for group in groups for user in group]
    recordings = await asyncio.gather(*(everyone[user].record(1.0) for user in listeners))
    heard = dict(zip(listeners, recordings, strict=True))
    wrong = []
    for group in groups:
        for listener in group:
            levels = heard[listener]["levels"]
            for speaker in TONES:
                level = levels[speaker]
                if speaker in group and speaker not in (listener, LISTENER):
                    if level <= 0.7 * AMPLITUDE:
                        wrong.append(f"{listener} hardly hears {speaker}: {level:.3f}")
                elif level >= 0.1 * AMPLITUDE:
                    wrong.append(f"{listener} hears {speaker}: {level:.3f}")
    if wrong:
        diagnoses = [f"{user}:\n{heard[user]['diagnosis']}" for user in listeners]
        raise AssertionError("\n".join(wrong + diagnoses))


def tokens_of(people: Party) -> dict[UserId, str]:
    tokens = {}
    for client in people.everyone:
        assert client.account is not None
        assert client.token is not None
        tokens[client.account.user_id] = client.token
    return tokens


async def test_calls_follow_the_rooms_from_start_to_end(tmp_path: Path) -> None:
    with loopback_only():
        async with (
            running(server_settings(tmp_path, Clock())) as server,
            party(server.url, PARTICIPANTS) as people,
            callers(server.url, people.conversation_id, tokens_of(people)) as everyone,
        ):
            cid, host = people.conversation_id, people.moderator
            main = CallKey(cid, None)
            await hears_exactly(everyone, {main: set(everyone)})

            await host.execute(cid, SetUpBreakouts(room_names=("Team Alpha", "Team Beta")))
            await host.execute(cid, Distribute())
            await host.execute(cid, StartBreakouts())
            plan = host.mirror.conversations[cid].conversation.breakouts.plan
            calls: dict[CallKey, set[UserId]] = {main: {UserId("mod")}}
            for user, room in plan.rooms_of.items():
                calls.setdefault(CallKey(cid, room), set()).add(user)
            assert sorted(map(len, calls.values())) == [1, 2, 2]
            await hears_exactly(everyone, calls)
            # The follower brought the listener into the room's call, muted.
            room_calls = host.mirror.conversations[cid].calls
            [listener] = [
                p
                for state in room_calls.values()
                for p in state.participants
                if p.user_id == LISTENER
            ]
            assert listener.muted

            await host.execute(cid, EndBreakouts())
            await until(
                host, lambda: not host.mirror.conversations[cid].conversation.breakouts.is_live
            )
            await hears_exactly(everyone, {main: set(everyone)})

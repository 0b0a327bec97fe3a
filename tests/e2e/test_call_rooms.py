"""Calls that follow the rooms, end to end: a real server, a moderator and four
participants, each with a call engine whose microphone plays a tone of its own.
Everyone hears everyone in the main call; once Smart Distribute has made two
rooms and the session starts, each room hears its own members only; when the
session ends everyone is back in the main call and hears everyone again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from audiokit import Recorder, Tone, level_at, sounding, virtual_devices
from netkit import Clock, party, running, server_settings, until
from rtckit import Connections

from desktop.client import Client
from desktop.core import AudioConnection, UserId
from desktop.core.commands import Distribute, EndBreakouts, SetUpBreakouts, StartBreakouts
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.follow import CallFollower, CallKey
from desktop.media.ice import loopback_only
from desktop.media.sound_io import VirtualSoundIO

pytestmark = pytest.mark.asyncio

AMPLITUDE = 0.1
"""Five tones at this level add up to no more than half of full scale."""
TONES = {"mod": 400.0, "ann": 600.0, "ben": 850.0, "cat": 1100.0, "dan": 1400.0}
AUDIBLE_DBFS = -30.0
LISTENER = UserId("dan")
"""Just Listening: in every call, sending nothing, and always joined muted."""
PARTICIPANTS = {
    name: AudioConnection.JUST_LISTENING if name == LISTENER else AudioConnection.VOIP
    for name in TONES
    if name != "mod"
}


class Caller:
    """One person's client with a call engine that follows their call."""

    def __init__(self, client: Client) -> None:
        assert client.account is not None
        self.user = client.account.user_id
        self.client = client
        self.connections = Connections()
        self.recorder = Recorder()
        devices = virtual_devices(Tone(TONES[self.user], AMPLITUDE), self.recorder)
        self.sound: VirtualSoundIO | None = None

        def open_devices(plan: AudioPlan) -> VirtualSoundIO:
            self.sound = devices(plan)
            return self.sound

        self.engine = MediaEngine(
            audio=open_devices, tell=self.connections.tell, echo_cancellation=False
        )
        self.engine.start()
        self.follower = CallFollower(client, self.engine)

    async def in_call(self, key: CallKey, users: set[UserId]) -> None:
        """Wait until we follow the call ``key`` and are connected to ``users``."""
        await until(self.client, lambda: self.follower.current == key, f"{self.user} in {key}")
        # The engine works through what it was told in order: once this no-op has
        # run, it has left the previous call and joined this one.
        await asyncio.wrap_future(self.engine.submit(asyncio.sleep(0)))
        condition = self.connections.connected(*users)
        await asyncio.to_thread(self.connections.wait_for, condition)
        talkers = users - {LISTENER}
        await sounding(lambda: self.hears(talkers), f"{self.user} hearing {talkers}")

    def hears(self, users: set[UserId]) -> bool:
        levels = self.engine.levels()
        return all(levels.get(user, -100.0) > AUDIBLE_DBFS for user in users)

    async def diagnosis(self) -> str:
        """How this person's sound ran and how each voice was played out, for a
        failure message."""
        stats = await asyncio.wrap_future(self.engine.playout_stats())
        lines = [f"{self.user}:"]
        if self.sound is not None:
            lines.append(f"  sound {self.sound.lateness()} underruns={self.sound.underruns}")
        lines.extend(f"  {user}: {playout}" for user, playout in sorted(stats.items()))
        return "\n".join(lines)

    async def close(self) -> None:
        await self.follower.close()
        await asyncio.to_thread(self.engine.stop)


@asynccontextmanager
async def callers(clients: list[Client]) -> AsyncIterator[dict[UserId, Caller]]:
    everyone = {caller.user: caller for caller in map(Caller, clients)}
    try:
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
    recordings = await asyncio.gather(
        *(asyncio.to_thread(everyone[user].recorder.record, 1.0) for user in listeners)
    )
    heard = dict(zip(listeners, recordings, strict=True))
    wrong = []
    for group in groups:
        for listener in group:
            for speaker, frequency in TONES.items():
                level = level_at(heard[listener], frequency)
                if speaker in group and speaker not in (listener, LISTENER):
                    if level <= 0.7 * AMPLITUDE:
                        wrong.append(f"{listener} hardly hears {speaker}: {level:.3f}")
                elif level >= 0.1 * AMPLITUDE:
                    wrong.append(f"{listener} hears {speaker}: {level:.3f}")
    if wrong:
        diagnoses = [await everyone[user].diagnosis() for user in listeners]
        raise AssertionError("\n".join(wrong + diagnoses))


async def test_calls_follow_the_rooms_from_start_to_end(tmp_path: Path) -> None:
    with loopback_only():
        async with (
            running(server_settings(tmp_path, Clock())) as server,
            party(server.url, PARTICIPANTS) as people,
            callers(people.everyone) as everyone,
        ):
            cid, host = people.conversation_id, people.moderator
            for client in people.everyone:
                await client.join_call(cid)
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

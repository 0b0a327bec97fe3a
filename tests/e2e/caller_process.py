"""One person of the end-to-end call test, in a process of their own, as each
person's app is: a client, a call engine whose microphone plays a tone, and the
follower that takes the engine from call to call.

    python caller_process.py URL TOKEN CONVERSATION FREQUENCY

It signs in with ``TOKEN``, joins the conversation's call and prints
``{"ready": true}``. Then it answers one JSON command per line on standard
input with one JSON line on standard output:

- ``{"follow": ROOM, "peers": [...], "talkers": [...]}``: wait until it follows
  the call of ``ROOM`` (null: the main room), is connected to ``peers`` and hears
  ``talkers``; answers ``{"ok": true}`` or ``{"error": "..."}``.
- ``{"record": SECONDS, "tones": {name: frequency}}``: record what the speaker
  plays; answers ``{"levels": {name: level}, "diagnosis": "..."}``.

It leaves the call and ends when standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from audiokit import Recorder, Tone, level_at, sounding, virtual_devices
from netkit import until
from rtckit import Connections

from desktop.client import Client
from desktop.core import RoomId, UserId
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.follow import CallFollower, CallKey
from desktop.media.ice import loopback_only
from desktop.media.sound_io import VirtualSoundIO

AMPLITUDE = 0.1
"""Five tones at this level add up to no more than half of full scale."""
AUDIBLE_DBFS = -30.0


class Caller:
    """This person's client, engine and follower."""

    def __init__(self, client: Client, conversation_id: str, frequency: float) -> None:
        self.client = client
        self.conversation_id = conversation_id
        self.connections = Connections()
        self.recorder = Recorder()
        self.sound: VirtualSoundIO | None = None
        self._devices = virtual_devices(Tone(frequency, AMPLITUDE), self.recorder)
        self.engine = MediaEngine(
            audio=self._open_devices, tell=self.connections.tell, echo_cancellation=False
        )
        self.engine.start()
        self.follower = CallFollower(client, self.engine)

    def _open_devices(self, plan: AudioPlan) -> VirtualSoundIO:
        self.sound = self._devices(plan)
        return self.sound

    async def follow(self, room: RoomId | None, peers: set[UserId], talkers: set[UserId]) -> None:
        key = CallKey(self.conversation_id, room)
        await until(self.client, lambda: self.follower.current == key, f"following {key}")
        # The engine works through what it was told in order: once this no-op has
        # run, it has left the previous call and joined this one.
        await asyncio.wrap_future(self.engine.submit(asyncio.sleep(0)))
        await asyncio.to_thread(self.connections.wait_for, self.connections.connected(*peers))
        await sounding(lambda: self.hears(talkers), f"hearing {sorted(talkers)}")

    def hears(self, users: set[UserId]) -> bool:
        levels = self.engine.levels()
        return all(levels.get(user, -100.0) > AUDIBLE_DBFS for user in users)

    async def record(self, seconds: float, tones: dict[str, float]) -> dict[str, Any]:
        heard = await asyncio.to_thread(self.recorder.record, seconds)
        levels = {name: level_at(heard, frequency) for name, frequency in tones.items()}
        return {"levels": levels, "diagnosis": await self.diagnosis()}

    async def diagnosis(self) -> str:
        """How the sound device ran and how each voice was played out."""
        stats = await asyncio.wrap_future(self.engine.playout_stats())
        lines = []
        if self.sound is not None:
            lines.append(f"sound {self.sound.lateness()} underruns={self.sound.underruns}")
        lines.extend(f"{user}: {playout}" for user, playout in sorted(stats.items()))
        return "\n".join(lines)

    async def close(self) -> None:
        await self.follower.close()
        await asyncio.to_thread(self.engine.stop)


async def answer(caller: Caller, command: dict[str, Any]) -> dict[str, Any]:
    if "follow" in command:
        room = command["follow"]
        try:
            await caller.follow(
                None if room is None else RoomId(room),
                {UserId(user) for user in command["peers"]},
                {UserId(user) for user in command["talkers"]},
            )
        except (AssertionError, TimeoutError) as error:
            return {"error": f"{error}\n{await caller.diagnosis()}"}
        return {"ok": True}
    return await caller.record(float(command["record"]), command["tones"])


def say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def run(url: str, token: str, conversation_id: str, frequency: float) -> None:
    client = Client(url, token=token)
    await client.connect()
    caller = Caller(client, conversation_id, frequency)
    try:
        await client.join_call(conversation_id)
        say({"ready": True})
        while line := await asyncio.to_thread(sys.stdin.readline):
            say(await answer(caller, json.loads(line)))
    finally:
        await caller.close()
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="One caller of the end-to-end call test.")
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("conversation")
    parser.add_argument("frequency", type=float)
    args = parser.parse_args()
    with loopback_only():
        asyncio.run(run(args.url, args.token, args.conversation, args.frequency))


if __name__ == "__main__":
    main()

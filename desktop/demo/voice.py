"""What a simulated attendee sounds like in a call with a real person.

Simulated attendees do not talk to each other: a call engine per attendee that
connected to every other one would cost the demo more than the app. Each
attendee's :class:`DemoVoice` joins the call only while a real person (someone
not of the crowd, the app's user) is in it and it is small enough for a
peer-to-peer call (the whole crowd in the main room is not), connects to them
alone, and, for a
VOIP attendee, now and then hums a short "mm-hmm" at a pitch of its own; Just
Listening attendees only listen.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import numpy as np

from desktop.client import Client
from desktop.client.mirror import Change, ChangeKind
from desktop.core import AudioConnection, UserId
from desktop.media.call import MESH_LIMIT
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.follow import CallKey, ClientSignaling
from desktop.media.pcm import SAMPLE_RATE, Samples
from desktop.media.sound_io import VirtualSoundIO
from desktop.protocol.messages import Signal

HUM_SECONDS = 0.6
PAUSE_SECONDS = (3.0, 9.0)
"""How long an attendee stays quiet between two hums."""


class Hum:
    """A microphone that hums "mm-hmm" now and then: a few harmonics of a low
    pitch under a two-bump envelope."""

    def __init__(self, rng: random.Random) -> None:
        pitch = rng.uniform(110.0, 230.0)
        times = np.arange(int(HUM_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
        voice = sum(np.sin(2 * np.pi * pitch * k * times) / k for k in (1, 2, 3, 4))
        bumps = np.sin(np.pi * times / HUM_SECONDS * 2) ** 2
        self._sound: Samples = (0.15 * voice * bumps).astype(np.float32)
        self._rng = rng
        self._at = 0
        self._quiet = self._pause()

    def __call__(self, block: Samples) -> None:
        block.fill(0.0)
        if self._quiet > 0:
            self._quiet -= len(block)
            return
        part = self._sound[self._at : self._at + len(block)]
        block[: len(part)] = part
        self._at += len(block)
        if self._at >= len(self._sound):
            self._at, self._quiet = 0, self._pause()

    def _pause(self) -> int:
        return int(self._rng.uniform(*PAUSE_SECONDS) * SAMPLE_RATE)


class DemoVoice:
    """One attendee in calls with real people; see the module."""

    def __init__(
        self,
        client: Client,
        conversation_id: str,
        is_real: Callable[[UserId], bool],
        rng: random.Random,
    ) -> None:
        self._client = client
        self._conversation_id = conversation_id
        self._is_real = is_real
        self._hum = Hum(rng)
        self._engine = MediaEngine(
            audio=self._devices, tell=lambda _: None, echo_cancellation=False
        )
        self._current: CallKey | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._engine.start()
        self._unsubscribe = self._client.mirror.subscribe(self._on_change)
        self._client.on_signal.append(self._on_signal)

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._client.on_signal.remove(self._on_signal)
        await asyncio.to_thread(self._engine.stop)

    def _devices(self, plan: AudioPlan) -> VirtualSoundIO:
        return VirtualSoundIO(
            plan.render, capture=plan.capture, receive_only=plan.capture is None, source=self._hum
        )

    def _on_change(self, change: Change) -> None:
        if change.conversation_id == self._conversation_id and change.kind in (
            ChangeKind.CALL,
            ChangeKind.SNAPSHOT,
        ):
            self._follow()

    def _follow(self) -> None:
        me = self._client.account.user_id if self._client.account else None
        mirror = self._client.mirror.conversations.get(self._conversation_id)
        member = mirror.conversation.members.get(me) if mirror and me else None
        if me is None or mirror is None or member is None:
            return
        call = mirror.call_with(me)
        real = {p.user_id for p in call.participants if self._is_real(p.user_id)} if call else set()
        if (
            call is None
            or not real
            or member.audio is AudioConnection.PHONE
            or len(call.participants) > MESH_LIMIT  # the real person's engine stays out too
        ):
            if self._current is not None:
                self._current = None
                self._engine.leave()
            return
        key = CallKey(self._conversation_id, call.room_id)
        if key == self._current:
            self._engine.set_members({me, *real})
            return
        self._current = key
        signaling = ClientSignaling(self._client, self._conversation_id, asyncio.get_running_loop())
        sends = member.audio is AudioConnection.VOIP
        self._engine.join(me, {me, *real}, sends_audio=sends, signaling=signaling)

    def _on_signal(self, signal: Signal) -> None:
        if self._current is not None and self._is_real(signal.sender):
            self._engine.deliver(signal.sender, signal.kind, signal.sdp)

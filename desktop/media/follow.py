"""Keeps the engine in the call the server says we are in, and follows the room.

The UI joins and leaves calls through the client (``join_call``); the server
answers with ``call_state``, also when it takes us out of a call itself: a
breakout session starts while we are in the main call, a moderator moves us, the
session ends. :class:`CallFollower` watches those states on the UI's loop, tells
the engine which mesh to be in, and when the server took us out of a call we did
not leave, joins the call of the place we belong now (our breakout room while the
session runs, else the main room). It also carries signals between the client
and the engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktop.client import Client, ServerError
from desktop.client.mirror import Change, ChangeKind
from desktop.core import AudioConnection, RoomId, UserId
from desktop.protocol.messages import Signal, SignalKind

from .engine import MediaEngine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallKey:
    conversation_id: str
    room_id: RoomId | None


class ClientSignaling:
    """Sends our offers and answers through the client, on the client's loop."""

    def __init__(self, client: Client, conversation_id: str, loop: asyncio.AbstractEventLoop):
        self._client = client
        self._conversation_id = conversation_id
        self._loop = loop

    def send(self, to: UserId, kind: SignalKind, sdp: str) -> None:
        """Thread-safe; a signal to someone who has just left is of no concern."""
        asyncio.run_coroutine_threadsafe(self._send(to, kind, sdp), self._loop)

    async def _send(self, to: UserId, kind: SignalKind, sdp: str) -> None:
        try:
            await self._client.signal(self._conversation_id, to, kind, sdp)
        except ServerError as error:
            logger.info("call.signal_not_sent to=%s kind=%s code=%s", to, kind, error.code)


class CallFollower:
    """Puts the engine in our call, and keeps its members up to date."""

    def __init__(self, client: Client, engine: MediaEngine) -> None:
        self._client = client
        self._engine = engine
        self.current: CallKey | None = None
        self.on_followed: list[Callable[[], None]] = []
        """Told after every call state the follower has acted on."""
        self._leaving = False
        self._rejoining: set[asyncio.Task[None]] = set()
        self._unsubscribe = client.mirror.subscribe(self._on_change)
        client.on_signal.append(self._on_signal)

    async def leave_call(self, conversation_id: str) -> None:
        """Leave the call on purpose: the follower will not bring us back."""
        self._leaving = True
        await self._client.leave_call(conversation_id)

    async def close(self) -> None:
        self._unsubscribe()
        self._client.on_signal.remove(self._on_signal)
        for task in self._rejoining:
            task.cancel()
        await asyncio.gather(*self._rejoining, return_exceptions=True)
        if self.current is not None:
            self.current = None
            self._engine.leave()

    def _on_change(self, change: Change) -> None:
        if change.kind in (ChangeKind.CALL, ChangeKind.SNAPSHOT, ChangeKind.REMOVED):
            self._follow()
            for listener in tuple(self.on_followed):
                listener()

    def _follow(self) -> None:
        account = self._client.account
        if account is None:
            return
        me = account.user_id
        found = self._our_call(me)
        if found is None:
            previous, self.current = self.current, None
            if previous is not None:
                self._engine.leave()
                if not self._leaving:
                    self._rejoin(previous.conversation_id, me)
            return
        self._leaving = False
        key, members, audio = found
        if key == self.current:
            self._engine.set_members(members)
            return
        self.current = key
        signaling = ClientSignaling(self._client, key.conversation_id, asyncio.get_running_loop())
        self._engine.join(
            me,
            members,
            sends_audio=audio is not AudioConnection.JUST_LISTENING,
            signaling=signaling,
        )

    def _our_call(self, me: UserId) -> tuple[CallKey, frozenset[UserId], AudioConnection] | None:
        """The call we are in (a member is in at most one), who is in it, our audio."""
        for conversation_id, mirror in self._client.mirror.conversations.items():
            member = mirror.conversation.members.get(me)
            if member is None or member.audio is AudioConnection.PHONE:
                continue
            state = mirror.call_with(me)
            if state is not None:
                members = frozenset(p.user_id for p in state.participants)
                return CallKey(conversation_id, state.room_id), members, member.audio
        return None

    def _rejoin(self, conversation_id: str, me: UserId) -> None:
        """Into the call of where we belong now: our room while it runs, else the
        main room."""
        mirror = self._client.mirror.conversations.get(conversation_id)
        if mirror is None:
            return
        breakouts = mirror.conversation.breakouts
        room = breakouts.plan.rooms_of.get(me) if breakouts.is_live else None
        member = mirror.conversation.members.get(me)
        listening = member is not None and member.audio is AudioConnection.JUST_LISTENING
        task = asyncio.ensure_future(self._join(conversation_id, room, muted=listening))
        self._rejoining.add(task)
        task.add_done_callback(self._rejoining.discard)

    async def _join(self, conversation_id: str, room: RoomId | None, *, muted: bool) -> None:
        try:
            await self._client.join_call(conversation_id, room, muted=muted)
        except ServerError as error:
            logger.info("call.follow_refused room=%s code=%s", room, error.code)

    def _on_signal(self, signal: Signal) -> None:
        if self.current is not None and signal.conversation_id == self.current.conversation_id:
            self._engine.deliver(signal.sender, signal.kind, signal.sdp)

"""One simulated attendee: a signed-in client that acts on its notices the way
a person in a workshop would.

An attendee reacts to what reaches its mirror: sent to a room, it joins that
room's call after a moment (Just Listening muted; phone attendees are on the
bridge, not in the app's call), sometimes says hello in the room's chat and
now and then asks for help, cancelling later if nobody came. When attendees
choose their own rooms it picks one; asked to switch to the phone, it may
agree; back in the main room, it joins the main call again. In a call with a
real person it is heard (see ``voice.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from typing import Any

from desktop.client import (
    Change,
    ChangeKind,
    Client,
    ClientError,
    ConnectionFailed,
    ConnectionState,
    ServerError,
)
from desktop.client.mirror import ConversationMirror
from desktop.core import AssignmentMode, AudioConnection, Breakouts, Phase, Role, RoomId, UserId
from desktop.core.commands import (
    CancelHelp,
    Command,
    JoinRoom,
    PostMessage,
    RequestHelp,
    SetAudio,
)
from desktop.core.events import SessionStarted
from desktop.protocol import Body
from desktop.protocol.notices import Assigned, BackInMainRoom, SwitchToPhone

from .logs import failed, log
from .order import Behaviour, Span
from .people import Person
from .voice import DemoVoice

GREETINGS = (
    "Hi everyone!",
    "Hello from my kitchen table 👋",
    "Hallo zusammen!",
    "Hola a todos",
    "Good to see you all.",
    "Hi! Ready when you are.",
    "Bonjour à tous !",
    "Hey team, can you hear me?",
    "Morning all ☕",
    "Hello! Who wants to take notes?",
)

HANG_UP_WAIT = 2.0
"""Seconds to wait for the server to confirm a hang-up before disconnecting anyway."""


class Attendee:
    """A person in the demo, acting through their own :class:`Client`.

    It owns the tasks its reactions run in and cancels them in :meth:`close`.
    """

    def __init__(
        self,
        client: Client,
        person: Person,
        conversation_id: str,
        behaviour: Behaviour,
        rng: random.Random,
    ) -> None:
        self.client = client
        self.person = person
        self._conversation_id = conversation_id
        self._behaviour = behaviour
        self._rng = rng
        self._tasks: set[asyncio.Task[None]] = set()
        self._calls = asyncio.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        self._voice: DemoVoice | None = None

    @property
    def user_id(self) -> UserId:
        assert self.client.account is not None, "an attendee acts once signed up"
        return self.client.account.user_id

    async def arrived(self) -> None:
        """Wait until the conversation has reached this attendee's mirror."""
        if self._view() is not None:
            return
        here = asyncio.Event()

        def look(_: Change) -> None:
            if self._view() is not None:
                here.set()

        unsubscribe = self.client.mirror.subscribe(look)
        try:
            await here.wait()
        finally:
            unsubscribe()

    def start(self, is_real: Callable[[UserId], bool]) -> None:
        """Follow the conversation from now on, starting with a look around;
        ``is_real`` tells people from the crowd, for calls (see ``voice.py``)."""
        self._voice = DemoVoice(self.client, self._conversation_id, is_real, self._rng)
        self._voice.start()
        self._unsubscribe = self.client.mirror.subscribe(self._on_change)
        self._soon(self._look_around())

    async def close(self) -> None:
        """Stop acting, wait for every reaction to end, hang up, and disconnect."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = tuple(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._voice is not None:
            await self._voice.close()
        await self._hang_up()
        await self.client.close()

    async def _hang_up(self) -> None:
        """Leave the call before disconnecting, as a person would: the server
        then tells the others while every connection is still open."""
        view = self._view()
        if self.client.state is not ConnectionState.ONLINE or view is None:
            return
        if self.client.account is None or view.call_of(self.user_id) is False:
            return
        with contextlib.suppress(ClientError, TimeoutError):
            async with asyncio.timeout(HANG_UP_WAIT):
                await self.client.leave_call(self._conversation_id)

    # What reaches the mirror

    def _on_change(self, change: Change) -> None:
        if change.conversation_id != self._conversation_id:
            return
        if change.kind is ChangeKind.SNAPSHOT:
            self._soon(self._look_around())
        elif change.kind is ChangeKind.RECORD and change.record is not None:
            self._react(change.record.body)

    def _react(self, body: Body) -> None:
        me = self.user_id
        match body:
            case Assigned(user_id=user, room_id=room_id) if user == me:
                self._soon(self._arrive(room_id))
            case BackInMainRoom(user_id=user) if user == me:
                self._soon(self._look_around())
            case SwitchToPhone(user_id=user) if user == me:
                if self._chance(self._behaviour.phone_switch_probability):
                    self._soon(self._switch_to_phone())
            case SessionStarted() if self._chooses_own_room():
                self._soon(self._look_around())

    # Reactions, each after a human moment

    async def _look_around(self) -> None:
        """Pick a room if that is up to the attendee, else be in the right call."""
        await self._pause(self._behaviour.reaction)
        if self._chooses_own_room():
            await self._pick_room()
        else:
            await self._settle()

    async def _arrive(self, room_id: RoomId) -> None:
        await self._pause(self._behaviour.reaction)
        await self._settle()
        if self._chance(self._behaviour.greet_probability):
            text = self._rng.choice(GREETINGS)
            await self._execute(PostMessage(text=text, room_id=room_id))
            log("greeted", user=self.user_id, room=room_id)
        if self._chance(self._behaviour.help_probability):
            self._soon(self._ask_for_help(room_id))

    async def _ask_for_help(self, room_id: RoomId) -> None:
        await self._pause(self._behaviour.help_after)
        if self._breakouts().current_room(self.user_id) != room_id:
            return
        await self._execute(RequestHelp())
        log("asked_for_help", user=self.user_id, room=room_id)
        await self._pause(self._behaviour.help_for)
        if self.user_id in self._breakouts().help_requests:
            await self._execute(CancelHelp())
            log("cancelled_help", user=self.user_id, room=room_id)

    async def _switch_to_phone(self) -> None:
        await self._pause(self._behaviour.reaction)
        await self._execute(SetAudio(user_id=self.user_id, audio=AudioConnection.PHONE))
        log("switched_to_phone", user=self.user_id)
        await self._settle()

    async def _pick_room(self) -> None:
        breakouts = self._breakouts()
        rooms = breakouts.rooms
        if self._audio() is AudioConnection.PHONE:
            rooms = rooms[: breakouts.settings.phone_room_limit]
        if rooms:
            room = self._rng.choice(rooms)
            await self._execute(JoinRoom(room_id=room.id))
            log("picked_room", user=self.user_id, room=room.id)

    # Calls

    async def _settle(self) -> None:
        """Be in the call of the room the attendee is in now (``None``: the main
        room); phone attendees are in no call of the app."""
        async with self._calls:
            view = self._view()
            if view is None or self.user_id not in view.conversation.members:
                return
            now_in = view.call_of(self.user_id)
            audio = self._audio()
            if audio is AudioConnection.PHONE:
                if now_in is not False:
                    await self.client.leave_call(self._conversation_id)
                    log("left_call", user=self.user_id)
                return
            room_id = view.conversation.breakouts.current_room(self.user_id)
            if now_in is False or now_in != room_id:
                await self._enter_call(room_id, muted=audio is AudioConnection.JUST_LISTENING)

    async def _enter_call(self, room_id: RoomId | None, *, muted: bool) -> None:
        """Join the call of ``room_id``: the one place an attendee enters a call."""
        await self.client.join_call(self._conversation_id, room_id, muted=muted)
        log("joined_call", user=self.user_id, room=room_id or "main", muted=muted)

    # Reading the mirror

    def _view(self) -> ConversationMirror | None:
        return self.client.mirror.conversations.get(self._conversation_id)

    def _breakouts(self) -> Breakouts:
        view = self._view()
        return Breakouts() if view is None else view.conversation.breakouts

    def _audio(self) -> AudioConnection | None:
        view = self._view()
        member = None if view is None else view.conversation.members.get(self.user_id)
        return None if member is None else member.audio

    def _chooses_own_room(self) -> bool:
        view = self._view()
        if view is None:
            return False
        member = view.conversation.members.get(self.user_id)
        breakouts = view.conversation.breakouts
        return (
            member is not None
            and member.role is Role.PARTICIPANT
            and breakouts.phase is Phase.RUNNING
            and breakouts.settings.mode is AssignmentMode.FREE_CHOICE
            and self.user_id not in breakouts.plan.rooms_of
        )

    # Running reactions

    def _soon(self, reaction: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(reaction), name=f"demo-{self.person.username}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, reaction: Coroutine[Any, Any, None]) -> None:
        """Run a reaction; a refusal is part of the game (the session may have
        ended while the person hesitated), anything else is a bug worth a trace."""
        try:
            await reaction
        except ServerError as error:
            log("refused", user=self.user_id, code=error.code, reason=error.message)
        except ConnectionFailed:
            pass  # closing down
        except Exception:
            failed("reaction_failed", user=self.person.username)

    async def _execute(self, command: Command) -> None:
        await self.client.execute(self._conversation_id, command)

    async def _pause(self, span: Span) -> None:
        # A person's hesitation, not synchronisation: nothing waits on it.
        await asyncio.sleep(self._rng.uniform(*span))

    def _chance(self, probability: float) -> bool:
        return self._rng.random() < probability

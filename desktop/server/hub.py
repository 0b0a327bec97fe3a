"""The conversations a server holds: their state, their logs and their clock.

The hub is the only writer of the logs. A request is decided against the state
in memory under the conversation's lock, its records are appended to the store
(durable on return), and only then does memory change and the records go out on
the bus. A request id seen before answers with its receipt and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import msgspec

from desktop.core import (
    Conversation,
    DomainError,
    ErrorCode,
    Member,
    Role,
    RoomId,
    UserId,
    created,
    decide,
    due_events,
    next_due,
    replay,
)
from desktop.core.commands import AddMember, Batch, Command
from desktop.core.events import BaseEvent, ConversationCreated, Event
from desktop.core.validation import clean_name
from desktop.protocol import ProtocolCode, ProtocolError, Record, decode_server, encode
from desktop.protocol.chat import chats_of
from desktop.protocol.messages import (
    Account,
    Ack,
    CallState,
    ConversationSummary,
    Delivery,
    Error,
    FetchHistory,
    History,
    RemovalReason,
    Removed,
    Signal,
    SignalKind,
    Snapshot,
)

from .bus import Bus
from .calls import Calls, Seat, may_join
from .entries import log_entries, room_audience
from .fanout import CHANNEL, Envelope, Kind, pack
from .logs import LOGGER, log
from .store import Entry, Receipt, Store

Answer = Ack | Error


@dataclass
class Live:
    conversation: Conversation
    head: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def refusal(request_id: str | None, error: DomainError | ProtocolError) -> Error:
    return Error(
        id=request_id,
        code=error.code.value,
        message=error.message,
        retry_after=getattr(error, "retry_after", None),
    )


class Hub:
    def __init__(self, store: Store, bus: Bus, clock: Callable[[], float]) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._live: dict[str, Live] = {}
        self._creating = asyncio.Lock()
        self._wake = asyncio.Event()
        self._clock_task: asyncio.Task[None] | None = None
        self.calls = Calls()

    async def start(self) -> None:
        """Load every conversation, write what the clock decided while the server
        was down, and keep the clock running."""
        for conversation_id in await self._store.conversation_ids():
            entries = await self._store.read(conversation_id, 0)
            events = [e.record.body for e in entries if isinstance(e.record.body, BaseEvent)]
            conversation = replay(events)
            self._live[conversation_id] = Live(conversation, entries[-1].record.seq)
        await self.tick()
        self._clock_task = asyncio.create_task(self._run_clock(), name="hub-clock")

    async def stop(self) -> None:
        if self._clock_task is not None:
            self._clock_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock_task
            self._clock_task = None

    # Reading

    def conversations_of(self, user: UserId) -> list[str]:
        return [cid for cid, live in self._live.items() if user in live.conversation.members]

    async def read(self, conversation_id: str, after: int, limit: int) -> list[Entry]:
        return await self._store.read(conversation_id, after, limit)

    def exists(self, conversation_id: str) -> bool:
        return conversation_id in self._live

    def head(self, conversation_id: str) -> int:
        return self._live[conversation_id].head

    def summaries(self, user: UserId) -> tuple[ConversationSummary, ...]:
        return tuple(
            ConversationSummary(
                conversation_id=cid,
                title=live.conversation.title,
                members=len(live.conversation.members),
                moderator=live.conversation.members[user].is_moderator,
                seq=live.head,
            )
            for cid, live in self._live.items()
            if user in live.conversation.members
        )

    def snapshot(self, conversation_id: str, user: UserId, *, resync: bool = False) -> Snapshot:
        live = self._live[conversation_id]
        return Snapshot(
            conversation_id=conversation_id,
            seq=live.head,
            conversation=live.conversation,
            calls=tuple(self._visible_calls(conversation_id, user)),
            resync=resync,
        )

    async def history(self, user: UserId, request: FetchHistory) -> History:
        live = self._membership(request.conversation_id, user)
        room_id = request.room_id
        if room_id is not None:
            live.conversation.breakouts.room(room_id)
            if user not in room_audience(live.conversation, room_id):
                raise DomainError(ErrorCode.FORBIDDEN, "Only its members read a room's chat.")
        entries = await self._store.chat_page(
            request.conversation_id, chats_of(room_id), request.before, request.limit + 1
        )
        return History(
            id=request.id,
            conversation_id=request.conversation_id,
            room_id=room_id,
            records=tuple(entry.record for entry in entries[: request.limit]),
            more=len(entries) > request.limit,
        )

    # Writing

    async def create_conversation(self, account: Account, request_id: str, title: str) -> Answer:
        async with self._creating:
            if (repeat := await self._repeat(account.user_id, request_id)) is not None:
                return repeat
            conversation_id = uuid.uuid4().hex
            try:
                event = ConversationCreated(
                    conversation_id=conversation_id,
                    title=clean_name(title, "conversation title"),
                    owner=Member(
                        user_id=account.user_id,
                        display_name=account.display_name,
                        role=Role.MODERATOR,
                    ),
                )
            except DomainError as error:
                return await self._refuse(account.user_id, request_id, error, conversation_id)
            record = Record(seq=1, at=self._clock(), actor=account.user_id, body=event)
            answer = Ack(id=request_id, conversation_id=conversation_id, seq=1)
            receipt = Receipt(account.user_id, request_id, encode(answer))
            await self._store.append(conversation_id, [Entry(record=record)], receipt)
            self._live[conversation_id] = Live(created(event), 1)
        await self._send(Envelope(Kind.JOINED, conversation_id, (account.user_id,)))
        log("conversation_created", conversation=conversation_id, user=account.user_id)
        return answer

    async def command(
        self, user: UserId, request_id: str, conversation_id: str, command: Command
    ) -> Answer:
        async def carry_out(live: Live) -> Answer:
            now = self._clock()
            missing: list[UserId] = []
            resolved = await self._resolved(command, missing)
            events = decide(live.conversation, user, resolved, now)
            if missing:
                raise ProtocolError(
                    ProtocolCode.UNKNOWN_ACCOUNT, f"There is no account {missing[0]!r}."
                )
            answer = await self._commit(conversation_id, live, events, user, now, request_id)
            assert answer is not None
            return answer

        return await self._once(user, request_id, conversation_id, carry_out)

    async def delete_conversation(
        self, user: UserId, request_id: str, conversation_id: str
    ) -> Answer:
        async def delete(live: Live) -> Answer:
            if not live.conversation.members[user].is_moderator:
                raise DomainError(ErrorCode.FORBIDDEN, "Only moderators can delete a conversation.")
            answer = Ack(id=request_id, conversation_id=conversation_id, seq=live.head)
            receipt = Receipt(user, request_id, encode(answer))
            await self._store.delete_conversation(conversation_id, receipt)
            del self._live[conversation_id]
            self.calls.drop(conversation_id)
            gone = encode(Removed(conversation_id=conversation_id, reason=RemovalReason.DELETED))
            members = tuple(live.conversation.members)
            await self._send(Envelope(Kind.LEFT, conversation_id, members, gone))
            log("conversation_deleted", conversation=conversation_id, user=user)
            return answer

        return await self._once(user, request_id, conversation_id, delete)

    async def _once(
        self,
        user: UserId,
        request_id: str,
        conversation_id: str,
        work: Callable[[Live], Awaitable[Answer]],
    ) -> Answer:
        """Do ``work`` for a member under the conversation's lock, unless the
        request was answered before; a refusal is kept as the answer too."""
        live = self._live.get(conversation_id)
        if live is None:
            return await self._repeat(user, request_id) or refusal(
                request_id, _unknown(conversation_id)
            )
        async with live.lock:
            if (repeat := await self._repeat(user, request_id)) is not None:
                return repeat
            try:
                self._membership(conversation_id, user)  # also: not deleted while waiting
                return await work(live)
            except (DomainError, ProtocolError) as error:
                return await self._refuse(user, request_id, error, conversation_id)

    async def tick(self) -> None:
        """Write what the clock has decided by now, in every conversation."""
        now = self._clock()
        for conversation_id, live in tuple(self._live.items()):
            due = next_due(live.conversation.breakouts)
            if due is None or due > now:
                continue
            async with live.lock:
                events = due_events(live.conversation, now)
                if events and self._live.get(conversation_id) is live:
                    await self._commit(conversation_id, live, events, None, now, None)

    # Calls

    async def join_call(
        self,
        user: UserId,
        connection: str,
        conversation_id: str,
        room_id: RoomId | None,
        muted: bool,
    ) -> None:
        live = self._membership(conversation_id, user)
        if not may_join(live.conversation, user, room_id):
            where = "the main room" if room_id is None else f"breakout room {room_id}"
            raise ProtocolError(
                ProtocolCode.CALL_NOT_ALLOWED, f"You cannot join the call of {where} now."
            )
        old = self.calls.take(conversation_id, user, Seat(room_id, muted, connection))
        if old is not None and old.room_id != room_id:
            await self._send_call_state(conversation_id, old.room_id)
        await self._send_call_state(conversation_id, room_id)

    async def leave_call(self, user: UserId, conversation_id: str) -> None:
        self._membership(conversation_id, user)
        seat = self.calls.leave(conversation_id, user)
        if seat is None:
            raise ProtocolError(ProtocolCode.NOT_IN_CALL, "You are not in a call here.")
        await self._send_call_state(conversation_id, seat.room_id)

    async def set_muted(self, user: UserId, conversation_id: str, muted: bool) -> None:
        seat = self._seat(conversation_id, user)
        self.calls.take(conversation_id, user, Seat(seat.room_id, muted, seat.connection))
        await self._send_call_state(conversation_id, seat.room_id)

    async def signal(
        self, user: UserId, conversation_id: str, to: UserId, kind: SignalKind, sdp: str
    ) -> None:
        seat = self._seat(conversation_id, user)
        peer = self.calls.seat(conversation_id, to)
        if to == user or peer is None or peer.room_id != seat.room_id:
            raise ProtocolError(ProtocolCode.PEER_NOT_IN_CALL, f"{to!r} is not in your call.")
        frame = encode(Signal(conversation_id=conversation_id, sender=user, kind=kind, sdp=sdp))
        await self._send(
            Envelope(Kind.FRAME, conversation_id, (to,), frame, connection=peer.connection)
        )

    async def connection_closed(self, connection: str) -> None:
        for conversation_id, user in self.calls.of_connection(connection):
            seat = self.calls.leave(conversation_id, user)
            if seat is not None:
                await self._send_call_state(conversation_id, seat.room_id)

    # Internals

    def _membership(self, conversation_id: str, user: UserId) -> Live:
        live = self._live.get(conversation_id)
        if live is None or user not in live.conversation.members:
            raise _unknown(conversation_id)
        return live

    def _seat(self, conversation_id: str, user: UserId) -> Seat:
        self._membership(conversation_id, user)
        seat = self.calls.seat(conversation_id, user)
        if seat is None:
            raise ProtocolError(ProtocolCode.NOT_IN_CALL, "You are not in a call here.")
        return seat

    async def _resolved(self, command: Command, missing: list[UserId]) -> Command:
        """The command with what only the server knows filled in: the display
        names of invited accounts. Accounts that do not exist go to ``missing``
        (and keep their user id as a name, so the command can still be decided)."""
        if isinstance(command, Batch):
            inner = [await self._resolved(each, missing) for each in command.commands]
            return Batch(commands=tuple(inner))
        if not isinstance(command, AddMember):
            return command
        account = await self._store.account(command.user_id)
        if account is None:
            missing.append(command.user_id)
        return msgspec.structs.replace(
            command, display_name=command.user_id if account is None else account.display_name
        )

    async def _repeat(self, user: UserId, request_id: str) -> Answer | None:
        stored = await self._store.receipt(user, request_id)
        if stored is None:
            return None
        answer = decode_server(stored)
        assert isinstance(answer, Ack | Error)
        return answer

    async def _refuse(
        self,
        user: UserId,
        request_id: str,
        error: DomainError | ProtocolError,
        conversation_id: str,
    ) -> Error:
        answer = refusal(request_id, error)
        await self._store.append(conversation_id, [], Receipt(user, request_id, encode(answer)))
        return answer

    async def _commit(
        self,
        conversation_id: str,
        live: Live,
        events: Sequence[Event],
        actor: UserId | None,
        now: float,
        request_id: str | None,
    ) -> Ack | None:
        """Append the records of ``events`` (and, for a request, its receipt),
        then change memory and send them out."""
        before = live.conversation
        after, entries = log_entries(before, events, actor, now, live.head + 1)
        head = live.head + len(entries)
        answer = receipt = None
        if request_id is not None and actor is not None:
            answer = Ack(id=request_id, conversation_id=conversation_id, seq=head)
            receipt = Receipt(actor, request_id, encode(answer))
        await self._store.append(conversation_id, entries, receipt)
        live.conversation, live.head = after, head
        # The records reach every local connection's outbox before the caller
        # queues its ack: clients may resume from an ack's seq. A bus that
        # delivers later must keep that order (or acks must wait for delivery).
        await self._publish(conversation_id, before, after, entries, actor)
        await self._follow_calls(conversation_id)
        self._wake.set()
        if entries:
            log("records_appended", conversation=conversation_id, actor=actor, seq=live.head)
        return answer

    async def _publish(
        self,
        conversation_id: str,
        before: Conversation,
        after: Conversation,
        entries: Iterable[Entry],
        actor: UserId | None,
    ) -> None:
        everyone = tuple(sorted(before.members.keys() | after.members.keys()))
        for entry in entries:
            frame = encode(Delivery(conversation_id=conversation_id, record=entry.record))
            recipients = everyone if entry.audience is None else tuple(sorted(entry.audience))
            await self._send(
                Envelope(Kind.RECORD, conversation_id, recipients, frame, entry.record.seq)
            )
        joined = tuple(sorted(after.members.keys() - before.members.keys()))
        if joined:
            await self._send(Envelope(Kind.JOINED, conversation_id, joined))
        for user in sorted(before.members.keys() - after.members.keys()):
            reason = RemovalReason.LEFT if user == actor else RemovalReason.REMOVED
            gone = encode(Removed(conversation_id=conversation_id, reason=reason))
            await self._send(Envelope(Kind.LEFT, conversation_id, (user,), gone))

    async def _follow_calls(self, conversation_id: str) -> None:
        """Take members out of calls they may no longer be in (moved, session
        ended, removed)."""
        conversation = self._live[conversation_id].conversation
        changed: set[RoomId | None] = set()
        for user, seat in self.calls.seats(conversation_id):
            if not may_join(conversation, user, seat.room_id):
                self.calls.leave(conversation_id, user)
                changed.add(seat.room_id)
        for room_id in sorted(changed, key=lambda room: -1 if room is None else room):
            await self._send_call_state(conversation_id, room_id)

    async def _send_call_state(self, conversation_id: str, room_id: RoomId | None) -> None:
        conversation = self._live[conversation_id].conversation
        state = self.calls.state(conversation_id, room_id)
        audience = (
            conversation.members.keys() if room_id is None else room_audience(conversation, room_id)
        )
        await self._send(
            Envelope(Kind.FRAME, conversation_id, tuple(sorted(audience)), encode(state))
        )

    def _visible_calls(self, conversation_id: str, user: UserId) -> Iterator[CallState]:
        conversation = self._live[conversation_id].conversation
        for room_id in sorted(
            self.calls.rooms(conversation_id), key=lambda room: -1 if room is None else room
        ):
            if room_id is None or user in room_audience(conversation, room_id):
                yield self.calls.state(conversation_id, room_id)

    async def _send(self, envelope: Envelope) -> None:
        await self._bus.publish(CHANNEL, pack(envelope))

    async def _run_clock(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except Exception:
                LOGGER.exception("clock_failed")
            dues = [
                due
                for live in self._live.values()
                if (due := next_due(live.conversation.breakouts)) is not None
            ]
            timeout = None if not dues else max(0.0, min(dues) - self._clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


def _unknown(conversation_id: str) -> ProtocolError:
    return ProtocolError(
        ProtocolCode.UNKNOWN_CONVERSATION,
        f"You are not a member of a conversation with id {conversation_id!r}.",
    )

"""The client's copy of its conversations, kept from what the server sends.

Pure state: ``apply`` takes a server message and tells its listeners what
changed, so a UI model can turn each change into row updates.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from desktop.core import Conversation, RoomId, UserId, evolve
from desktop.core.events import ConversationCreated
from desktop.protocol import Record, ServerMessage
from desktop.protocol.chat import chat_of
from desktop.protocol.messages import (
    CallState,
    Delivery,
    RemovalReason,
    Removed,
    Snapshot,
    Synced,
)
from desktop.protocol.notices import BaseNotice, SystemMessage

CHAT_KEPT = 500
"""Chat records kept per chat; older ones are fetched as history."""


class ChangeKind(StrEnum):
    SNAPSHOT = "snapshot"
    RECORD = "record"
    CALL = "call"
    REMOVED = "removed"


@dataclass(frozen=True)
class Change:
    conversation_id: str
    kind: ChangeKind
    record: Record | None = None
    call: CallState | None = None
    reason: RemovalReason | None = None


@dataclass
class ConversationMirror:
    conversation: Conversation
    seq: int
    calls: dict[RoomId | None, CallState] = field(default_factory=dict)
    chats: dict[str, deque[Record]] = field(default_factory=dict)
    notices: deque[Record] = field(default_factory=lambda: deque(maxlen=CHAT_KEPT))

    def call_of(self, user: UserId) -> RoomId | bool | None:
        """The room whose call ``user`` is in; ``False`` when in none."""
        state = self.call_with(user)
        return False if state is None else state.room_id

    def call_with(self, user: UserId) -> CallState | None:
        """The call ``user`` is in (a member is in at most one), if any."""
        for state in self.calls.values():
            if any(participant.user_id == user for participant in state.participants):
                return state
        return None


Listener = Callable[[Change], None]


class Mirror:
    def __init__(self) -> None:
        self.conversations: dict[str, ConversationMirror] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def resume(self) -> dict[str, int]:
        """Where to resume each conversation after a reconnect."""
        return {cid: mirror.seq for cid, mirror in self.conversations.items()}

    def apply(self, message: ServerMessage) -> None:
        match message:
            case Snapshot():
                self._snapshot(message)
            case Delivery(conversation_id=cid, record=record):
                self._record(cid, record)
            case Synced(conversation_id=cid, seq=seq) if cid in self.conversations:
                mirror = self.conversations[cid]
                mirror.seq = max(mirror.seq, seq)
            case CallState(conversation_id=cid) if cid in self.conversations:
                mirror = self.conversations[cid]
                if message.participants:
                    mirror.calls[message.room_id] = message
                else:
                    mirror.calls.pop(message.room_id, None)
                self._tell(Change(cid, ChangeKind.CALL, call=message))
            case Removed(conversation_id=cid):
                self.conversations.pop(cid, None)
                self._tell(Change(cid, ChangeKind.REMOVED, reason=message.reason))

    def _snapshot(self, snapshot: Snapshot) -> None:
        old = self.conversations.get(snapshot.conversation_id)
        mirror = ConversationMirror(
            conversation=snapshot.conversation,
            seq=snapshot.seq,
            calls={state.room_id: state for state in snapshot.calls if state.participants},
            chats={} if old is None or snapshot.resync else old.chats,
        )
        self.conversations[snapshot.conversation_id] = mirror
        self._tell(Change(snapshot.conversation_id, ChangeKind.SNAPSHOT))

    def _record(self, conversation_id: str, record: Record) -> None:
        mirror = self.conversations.get(conversation_id)
        if mirror is None or record.seq <= mirror.seq:
            return
        mirror.seq = record.seq
        body = record.body
        if not isinstance(body, BaseNotice | ConversationCreated):
            mirror.conversation = evolve(mirror.conversation, body)
        if (chat := chat_of(body)) is not None:
            mirror.chats.setdefault(chat, deque(maxlen=CHAT_KEPT)).append(record)
        elif isinstance(body, BaseNotice) and not isinstance(body, SystemMessage):
            mirror.notices.append(record)
        self._tell(Change(conversation_id, ChangeKind.RECORD, record=record))

    def _tell(self, change: Change) -> None:
        for listener in tuple(self._listeners):
            listener(change)

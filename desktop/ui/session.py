"""The signed-in client, adapted to Qt: mirror changes become signals.

Everything runs on the Qt main thread's qasync loop, so the SDK's plain
callbacks can emit signals directly. Requests the UI starts are owned by one
:class:`Tasks`; a refusal reaches the user as ``error_reported(code, message)``.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.client import Change, ChangeKind, Client, ConnectionState, ConversationMirror
from desktop.client.apply import apply_plan
from desktop.core import RoomId, UserId
from desktop.core.commands import Batch, Command, PostMessage
from desktop.core.events import BaseEvent
from desktop.protocol.chat import chat_of

from .breakout_panel import ApplyRequest
from .tasks import Tasks


class Session(QObject):
    """Signals:

    - ``conversation_changed(str)``: a conversation's state or its list entry changed.
    - ``conversation_removed(str)``: it was deleted, or we left or were removed.
    - ``record_arrived(str, object)``: a new log record (chat line, event, notice).
    - ``call_changed(str)``: who is in which call of a conversation changed.
    - ``connection_changed(str)``: a :class:`ConnectionState` value.
    - ``history_loaded(str, object, object)``: older records of a chat (cid, room, records).
    - ``error_reported(str, str)``: a stable code and a sentence for the user.
    """

    conversation_changed = Signal(str)
    conversation_removed = Signal(str)
    record_arrived = Signal(str, object)
    call_changed = Signal(str)
    connection_changed = Signal(str)
    history_loaded = Signal(str, object, object)
    error_reported = Signal(str, str)

    def __init__(self, client: Client, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.tasks = Tasks(self.error_reported.emit)
        self._unsubscribe = client.mirror.subscribe(self._on_change)
        client.on_state.append(self._on_state)
        client.on_error.append(lambda error: self.error_reported.emit(error.code, error.message))

    @property
    def me(self) -> UserId:
        assert self.client.account is not None, "signed in first"
        return self.client.account.user_id

    def conversation(self, conversation_id: str) -> ConversationMirror | None:
        return self.client.mirror.conversations.get(conversation_id)

    def conversation_ids(self) -> list[str]:
        return list(self.client.mirror.conversations)

    # Requests

    def run(self, work: Coroutine[Any, Any, object], name: str = "") -> None:
        self.tasks.run(work, name)

    def execute(self, conversation_id: str, *commands: Command) -> None:
        command = commands[0] if len(commands) == 1 else Batch(commands=commands)
        self.run(self.client.execute(conversation_id, command), type(command).__name__)

    def post(self, conversation_id: str, room_id: RoomId | None, text: str) -> None:
        self.execute(conversation_id, PostMessage(text=text, room_id=room_id))

    def create_conversation(self, title: str) -> None:
        self.run(self.client.create_conversation(title), "create_conversation")

    def apply(self, request: ApplyRequest) -> None:
        """Change the rooms, then save the panel's plan, maybe starting the session."""
        self.run(self._apply(request), "apply")

    async def _apply(self, request: ApplyRequest) -> None:
        cid = request.conversation_id
        if request.room_changes:
            await self.client.execute(cid, Batch(commands=request.room_changes))
        mirror = self.conversation(cid)
        saved = request.saved if mirror is None else mirror.conversation.breakouts.plan
        await apply_plan(self.client, cid, saved, request.wanted, start=request.start)

    def load_older(self, conversation_id: str, room_id: RoomId | None, before: int | None) -> None:
        """Fetch a page of a chat's history before ``before`` (``None``: the newest page)."""
        self.run(self._load_older(conversation_id, room_id, before), "history")

    async def _load_older(
        self, conversation_id: str, room_id: RoomId | None, before: int | None
    ) -> None:
        history = await self.client.history(conversation_id, room_id, before=before)
        self.history_loaded.emit(conversation_id, room_id, history.records)

    async def close(self) -> None:
        self._unsubscribe()
        await self.tasks.close()
        await self.client.close()

    # From the client

    def _on_change(self, change: Change) -> None:
        cid = change.conversation_id
        match change.kind:
            case ChangeKind.SNAPSHOT:
                self.conversation_changed.emit(cid)
            case ChangeKind.RECORD:
                assert change.record is not None
                self.record_arrived.emit(cid, change.record)
                body = change.record.body
                if isinstance(body, BaseEvent) and chat_of(body) is None:
                    self.conversation_changed.emit(cid)
            case ChangeKind.CALL:
                self.call_changed.emit(cid)
            case ChangeKind.REMOVED:
                self.conversation_removed.emit(cid)

    def _on_state(self, state: ConnectionState) -> None:
        self.connection_changed.emit(state.value)

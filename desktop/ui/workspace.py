"""Ties the session to the main window: which conversation is open, which chat
shows, the conversation list with unread counts, the participants and the header.

The breakout-specific parts live next door: :mod:`breakout_flow` for
moderators and :mod:`attendance` for participants.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core import Conversation, Phase, RoomId, UserId
from desktop.protocol import Record
from desktop.protocol.chat import chat_of

from .main_window import MainWindow
from .models.chat_model import ChatModel, shows_in, visible_chat
from .session import Session

Clock = Callable[[], float]


class Workspace(QObject):
    """Signals: ``room_shown(str, object)`` when the chat switches to a room
    (conversation id, room id or ``None`` for the main room)."""

    room_shown = Signal(str, object)

    def __init__(self, session: Session, window: MainWindow, now: Clock) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.view = window.conversation
        self.now = now
        self.current: str | None = None
        self.room: RoomId | None = None
        self.visiting = False
        self.chat = ChatModel(self.name_of, session.me, self)
        self.view.chat.set_model(self.chat)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._show_countdown)
        self._ticker.start()
        self._connect()

    def _connect(self) -> None:
        session, view, window = self.session, self.view, self.window
        session.conversation_changed.connect(self.on_session_conversation_changed)
        session.conversation_removed.connect(self.on_session_conversation_removed)
        session.record_arrived.connect(self.on_session_record_arrived)
        session.history_loaded.connect(self.on_session_history_loaded)
        session.connection_changed.connect(self.on_session_connection_changed)
        session.error_reported.connect(self.on_session_error_reported)
        window.conversations.conversation_selected.connect(self.open)
        window.conversation_requested.connect(session.create_conversation)
        view.chat.message_submitted.connect(self.on_chat_message_submitted)
        view.chat.older_requested.connect(self.on_chat_older_requested)
        view.main_room_requested.connect(lambda: self.show_room(None))

    # Reading the mirror

    def conversation(self, cid: str | None = None) -> Conversation | None:
        mirror = self.session.conversation(cid or self.current or "")
        return None if mirror is None else mirror.conversation

    def name_of(self, user: UserId) -> str:
        conversation = self.conversation()
        member = None if conversation is None else conversation.members.get(user)
        return user if member is None else member.display_name

    def is_moderator(self) -> bool:
        conversation = self.conversation()
        me = conversation.members.get(self.session.me) if conversation else None
        return me is not None and me.is_moderator

    # Opening and showing

    def open(self, cid: str) -> None:
        self.current = cid
        self.window.conversations.model.set_open(cid)
        self.window.show_conversation_page(True)
        self.show_room(None)
        self.refresh()

    def show_room(self, room: RoomId | None, *, visiting: bool = False) -> None:
        """Show the chat of ``room`` (``None``: the main room)."""
        self.room, self.visiting = room, visiting and room is not None
        mirror = self.session.conversation(self.current or "")
        self.chat.reset(visible_chat(mirror.chats, room) if mirror is not None else [])
        if room is not None and self.current is not None:
            # The mirror holds a room's lines only from when we could read them;
            # someone moved into a room sees what was said there before.
            self.session.load_older(self.current, room, None)
        self._show_place()
        if self.current is not None:
            self.room_shown.emit(self.current, room)

    def _show_place(self) -> None:
        conversation = self.conversation()
        name = None
        if conversation is not None and self.room is not None:
            rooms = {room.id: room.name for room in conversation.breakouts.rooms}
            name = rooms.get(self.room)
        self.view.show_place(name, moderator=self.is_moderator(), visiting=self.visiting)

    def refresh(self) -> None:
        conversation = self.conversation()
        if conversation is None:
            return
        self.view.show_title(conversation.title)
        self.view.participants.model.update(conversation)
        if self.room is not None and all(r.id != self.room for r in conversation.breakouts.rooms):
            self.show_room(None)
        self._show_place()
        self._show_countdown()

    def _show_countdown(self) -> None:
        conversation = self.conversation()
        breakouts = conversation.breakouts if conversation else None
        if breakouts is None or not breakouts.is_live:
            self.view.show_countdown("")
            return
        until = breakouts.closing_at if breakouts.phase is Phase.CLOSING else breakouts.deadline
        if until is None:
            self.view.show_countdown(self.tr("Breakout rooms are open"))
            return
        left = max(0, round(until - self.now()))
        text = (
            self.tr("Closing in {0}") if breakouts.phase is Phase.CLOSING else self.tr("{0} left")
        )
        self.view.show_countdown(text.format(f"{left // 60}:{left % 60:02d}"))

    # Slots

    def on_session_conversation_changed(self, cid: str) -> None:
        conversation = self.conversation(cid)
        if conversation is not None:
            self.window.conversations.model.upsert(cid, conversation.title)
        if cid == self.current:
            self.refresh()

    def on_session_conversation_removed(self, cid: str) -> None:
        self.window.conversations.model.remove(cid)
        if cid == self.current:
            self.current = None
            self.window.show_conversation_page(False)

    def on_session_record_arrived(self, cid: str, record: Record) -> None:
        if chat_of(record.body) is None:
            return
        if cid == self.current and shows_in(record, self.room):
            self.chat.append(record)
        self.window.conversations.model.record_arrived(cid, record.actor != self.session.me)

    def on_session_history_loaded(self, cid: str, room: RoomId | None, records: object) -> None:
        if cid == self.current and room == self.room:
            assert isinstance(records, tuple)
            self.chat.prepend(list(records))

    def on_session_connection_changed(self, state: str) -> None:
        labels = {
            "online": self.tr("Connected"),
            "connecting": self.tr("Connecting…"),
            "offline": self.tr("Offline — reconnecting"),
            "closed": self.tr("Disconnected"),
        }
        self.window.show_connection(labels.get(state, state))

    def on_session_error_reported(self, code: str, message: str) -> None:
        self.window.show_error(f"{message} ({code})")

    def on_chat_message_submitted(self, text: str) -> None:
        if self.current is not None:
            self.session.post(self.current, self.room, text)

    def on_chat_older_requested(self) -> None:
        first = self.chat.first_seq()
        if self.current is not None and first is not None:
            self.session.load_older(self.current, self.room, first)

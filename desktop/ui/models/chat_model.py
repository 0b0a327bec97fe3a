"""The lines of one visible chat: the main room's or one breakout room's.

A room's visible chat is its own chat merged by ``seq`` with the everywhere
chat (broadcasts and session-wide system messages). The model keeps the lines
in ``seq`` order whatever order they arrive in: live records are appended,
pages of older history are prepended, and a record seen twice (a live record
that a history page repeats) shows once.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from desktop.core import RoomId, UserId
from desktop.core.events import BroadcastSent, MessagePosted
from desktop.protocol import Record
from desktop.protocol.chat import chat_of, chats_of
from desktop.protocol.notices import SystemMessage

Names = Callable[[UserId], str]
"""Display name of a user id; may raise ``KeyError`` for someone unknown."""

AnyIndex = QModelIndex | QPersistentModelIndex


class ChatRole(IntEnum):
    AuthorRole = Qt.ItemDataRole.UserRole
    TextRole = Qt.ItemDataRole.UserRole + 1
    TimeRole = Qt.ItemDataRole.UserRole + 2
    KindRole = Qt.ItemDataRole.UserRole + 3
    SeqRole = Qt.ItemDataRole.UserRole + 4
    IsOwnRole = Qt.ItemDataRole.UserRole + 5


ROLE_NAMES: Final = {
    ChatRole.AuthorRole: b"author",
    ChatRole.TextRole: b"text",
    ChatRole.TimeRole: b"time",
    ChatRole.KindRole: b"kind",
    ChatRole.SeqRole: b"seq",
    ChatRole.IsOwnRole: b"isOwn",
}
"""Role names for QML and for debugging tools."""


class LineKind(StrEnum):
    MESSAGE = "message"
    SYSTEM = "system"
    BROADCAST = "broadcast"


@dataclass(frozen=True, slots=True)
class ChatLine:
    """What one chat record shows; ``author`` is ``None`` for the server's lines."""

    seq: int
    at: float
    author: UserId | None
    text: str
    kind: LineKind


def chat_line(record: Record) -> ChatLine | None:
    """The line ``record`` shows as, or ``None`` if it is no chat line."""
    match record.body:
        case MessagePosted(author=author, text=text):
            return ChatLine(record.seq, record.at, author, text, LineKind.MESSAGE)
        case BroadcastSent(author=author, text=text):
            return ChatLine(record.seq, record.at, author, text, LineKind.BROADCAST)
        case SystemMessage(text=text):
            return ChatLine(record.seq, record.at, None, text, LineKind.SYSTEM)
        case _:
            return None


def visible_chat(chats: Mapping[str, Iterable[Record]], room_id: RoomId | None) -> list[Record]:
    """The records a room shows: its own chat and the everywhere chat, by ``seq``."""
    parts = [chats.get(chat, ()) for chat in chats_of(room_id)]
    return list(heapq.merge(*parts, key=lambda record: record.seq))


def shows_in(record: Record, room_id: RoomId | None) -> bool:
    """Whether ``record`` is a line of ``room_id``'s visible chat."""
    return chat_of(record.body) in chats_of(room_id)


class ChatModel(QAbstractListModel):
    """One visible chat, oldest line first.

    ``names`` turns author ids into display names; ids it does not know show
    as themselves. ``me`` marks the user's own messages (``IsOwnRole``).
    """

    def __init__(self, names: Names, me: UserId | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names = names
        self._me = me
        self._lines: list[ChatLine] = []
        self._seqs: list[int] = []

    def first_seq(self) -> int | None:
        """Where the next page of older history starts (its ``before``)."""
        return self._seqs[0] if self._seqs else None

    def reset(self, records: Iterable[Record]) -> None:
        """Show exactly ``records`` (chat lines only), e.g. on switching rooms."""
        lines = _unique_lines(records)
        self.beginResetModel()
        self._lines = lines
        self._seqs = [line.seq for line in lines]
        self.endResetModel()

    def append(self, record: Record) -> None:
        """Add a live record; one already shown or no chat line is ignored."""
        self._insert(_unique_lines((record,)))

    def prepend(self, records: Iterable[Record]) -> None:
        """Add a page of older history, in any order; repeats are ignored."""
        self._insert(_unique_lines(records))

    def refresh_names(self) -> None:
        """Ask views to show authors again, e.g. after members joined."""
        if self._lines:
            roles = [Qt.ItemDataRole.DisplayRole, ChatRole.AuthorRole]
            self.dataChanged.emit(self.index(0), self.index(len(self._lines) - 1), roles)

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._lines)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names.update({int(role): QByteArray(name) for role, name in ROLE_NAMES.items()})
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        line = self._lines[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._spoken(line)
            case Qt.ItemDataRole.ToolTipRole:
                return _local_time(line.at).toString(Qt.DateFormat.TextDate)
            case ChatRole.AuthorRole:
                return self._name(line.author)
            case ChatRole.TextRole:
                return line.text
            case ChatRole.TimeRole:
                return _local_time(line.at)
            case ChatRole.KindRole:
                return line.kind.value
            case ChatRole.SeqRole:
                return line.seq
            case ChatRole.IsOwnRole:
                return line.author is not None and line.author == self._me
        return None

    def _name(self, user: UserId | None) -> str:
        if user is None:
            return ""
        try:
            return self._names(user)
        except KeyError:
            return str(user)

    def _spoken(self, line: ChatLine) -> str:
        if line.kind is LineKind.SYSTEM:
            return line.text
        if line.kind is LineKind.BROADCAST:
            return self.tr("Broadcast from {author}: {text}").format(
                author=self._name(line.author), text=line.text
            )
        return f"{self._name(line.author)}: {line.text}"

    def _insert(self, lines: list[ChatLine]) -> None:
        """Insert ``lines`` (sorted, unique) where their ``seq`` puts them.

        Lines that land at the same place go in with one insert, so a page of
        history is one ``rowsInserted`` however long it is.
        """
        fresh = [line for line in lines if not self._has(line.seq)]
        runs: list[tuple[int, list[ChatLine]]] = []
        for line in fresh:
            at = bisect_left(self._seqs, line.seq)
            if runs and runs[-1][0] == at:
                runs[-1][1].append(line)
            else:
                runs.append((at, [line]))
        # From the last place back, so the earlier places stay where they were.
        for at, run in reversed(runs):
            self.beginInsertRows(QModelIndex(), at, at + len(run) - 1)
            self._lines[at:at] = run
            self._seqs[at:at] = [line.seq for line in run]
            self.endInsertRows()

    def _has(self, seq: int) -> bool:
        at = bisect_left(self._seqs, seq)
        return at < len(self._seqs) and self._seqs[at] == seq


def _unique_lines(records: Iterable[Record]) -> list[ChatLine]:
    by_seq = {line.seq: line for record in records if (line := chat_line(record)) is not None}
    return [by_seq[seq] for seq in sorted(by_seq)]


def _local_time(at: float) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(round(at * 1000)).toLocalTime()

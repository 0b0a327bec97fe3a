"""The user's conversations with how many unread lines each has.

A line counts as unread when it arrives in a conversation that is not the
open one; opening a conversation reads it. What counts as a line (a chat
message, a notice addressed to the user) is the caller's decision, passed as
``counts_as_unread``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

AnyIndex = QModelIndex | QPersistentModelIndex


class ConversationRole(IntEnum):
    IdRole = Qt.ItemDataRole.UserRole
    UnreadRole = Qt.ItemDataRole.UserRole + 1


@dataclass(slots=True)
class _Entry:
    id: str
    title: str
    unread: int = 0


class ConversationListModel(QAbstractListModel):
    """Conversations in the order given, each with an unread count."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[_Entry] = []
        self._open: str | None = None

    @property
    def open_id(self) -> str | None:
        return self._open

    def set_conversations(self, conversations: Iterable[tuple[str, str]]) -> None:
        """Show these ``(id, title)`` pairs; known ones keep their unread counts."""
        unread = {entry.id: entry.unread for entry in self._entries}
        self.beginResetModel()
        self._entries = [_Entry(cid, title, unread.get(cid, 0)) for cid, title in conversations]
        self.endResetModel()

    def upsert(self, conversation_id: str, title: str) -> None:
        """Rename a listed conversation, or append one just created or joined."""
        if self.row_of(conversation_id) is not None:
            self.rename(conversation_id, title)
            return
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(_Entry(conversation_id, title))
        self.endInsertRows()

    def record_arrived(self, conversation_id: str, counts_as_unread: bool) -> None:
        """Count a line that arrived, unless it is in the open conversation."""
        row = self.row_of(conversation_id)
        if row is None or not counts_as_unread or conversation_id == self._open:
            return
        self._entries[row].unread += 1
        self._changed(row, ConversationRole.UnreadRole)

    def set_open(self, conversation_id: str | None) -> None:
        """The conversation now on screen: its lines are read."""
        self._open = conversation_id
        row = None if conversation_id is None else self.row_of(conversation_id)
        if row is not None and self._entries[row].unread:
            self._entries[row].unread = 0
            self._changed(row, ConversationRole.UnreadRole)

    def rename(self, conversation_id: str, title: str) -> None:
        row = self.row_of(conversation_id)
        if row is not None and self._entries[row].title != title:
            self._entries[row].title = title
            self._changed(row, Qt.ItemDataRole.DisplayRole)

    def remove(self, conversation_id: str) -> None:
        row = self.row_of(conversation_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self.endRemoveRows()
        if conversation_id == self._open:
            self._open = None

    def unread(self, conversation_id: str) -> int:
        row = self.row_of(conversation_id)
        return 0 if row is None else self._entries[row].unread

    def total_unread(self) -> int:
        return sum(entry.unread for entry in self._entries)

    def row_of(self, conversation_id: str) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.id == conversation_id:
                return row
        return None

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._entries)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names[int(ConversationRole.IdRole)] = QByteArray(b"conversationId")
        names[int(ConversationRole.UnreadRole)] = QByteArray(b"unread")
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        entry = self._entries[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return entry.title
            case Qt.ItemDataRole.ToolTipRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._describe(entry)
            case ConversationRole.IdRole:
                return entry.id
            case ConversationRole.UnreadRole:
                return entry.unread
        return None

    def _describe(self, entry: _Entry) -> str:
        if not entry.unread:
            return entry.title
        unread = self.tr("%n unread", "", entry.unread)
        return f"{entry.title} — {unread}"

    def _changed(self, row: int, role: int) -> None:
        roles = [role, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole]
        self.dataChanged.emit(self.index(row), self.index(row), roles)

"""The room lists the dialogs edit: names of rooms about to be set up, and the
rooms a conversation has.

Both are edited in place (double-click or F2). The set-up list remembers names
typed for rooms that the count removed, so raising the count again brings them
back. The list of existing rooms does not rename anything itself: it reports the
edit with :attr:`RoomsModel.name_edited` and shows the new name until the
server's state replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtCore import Signal as QtSignal

from desktop.core import DomainError, Room, RoomId
from desktop.core.breakouts import DEFAULT_PHONE_ROOM_LIMIT
from desktop.core.validation import clean_name
from desktop.ui.resources import icon

from .parts import InvalidInput

Index = QModelIndex | QPersistentModelIndex

_VALID = QAbstractListModel.CheckIndexOption.IndexIsValid
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole)


def default_room_name(position: int) -> str:
    return _translate("Room %n", position)


class RoomNamesModel(QAbstractListModel):
    """The names of the rooms to set up, one row per room, editable."""

    def __init__(self, count: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._count = 0
        self.set_count(count)

    def names(self) -> tuple[str, ...]:
        return tuple(self._names[: self._count])

    def set_count(self, count: int) -> None:
        """Show ``count`` rooms: new rows get default names, hidden rows keep theirs."""
        count = max(count, 0)
        while len(self._names) < count:
            self._names.append(default_room_name(len(self._names) + 1))
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, _VALID):
            return None
        if role in _TEXT_ROLES:
            return self._names[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("room")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Double-click to rename room %n", "", index.row() + 1)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self.checkIndex(index, _VALID):
            return False
        name = str(value)
        if name == self._names[index.row()]:
            return False
        self._names[index.row()] = name
        self.dataChanged.emit(index, index, list(_TEXT_ROLES))
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.isValid() else flags


class RoomRole(IntEnum):
    ID = Qt.ItemDataRole.UserRole
    POSITION = Qt.ItemDataRole.UserRole + 1


class RoomsModel(QAbstractListModel):
    """The breakout rooms of a conversation in their order.

    Rooms reachable from the phone bridge (positions 1 to the phone room limit)
    carry a phone icon.

    Signals:
        name_edited(int, str): the user typed a new name for the room with this id.
    """

    name_edited = QtSignal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rooms: list[Room] = []
        self._edited: dict[RoomId, str] = {}
        self._phone_rooms = DEFAULT_PHONE_ROOM_LIMIT
        self._editable = False

    def rooms(self) -> tuple[Room, ...]:
        return tuple(self._rooms)

    def room_at(self, row: int) -> Room:
        return self._rooms[row]

    def row_of(self, room_id: RoomId) -> int | None:
        for row, room in enumerate(self._rooms):
            if room.id == room_id:
                return row
        return None

    def set_editable(self, editable: bool) -> None:
        self._editable = editable

    def set_phone_room_limit(self, limit: int) -> None:
        if limit != self._phone_rooms:
            self._phone_rooms = limit
            self._all_changed()

    def set_rooms(self, rooms: Sequence[Room]) -> None:
        """Show ``rooms`` as the server has them, with row removals and inserts
        rather than a reset, so an open editor on a room that stays survives."""
        self._edited.clear()
        wanted = {room.id for room in rooms}
        for row in reversed(range(len(self._rooms))):
            if self._rooms[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rooms[row]
                self.endRemoveRows()
        kept = {room.id for room in self._rooms}
        if [room.id for room in self._rooms] != [room.id for room in rooms if room.id in kept]:
            self.beginResetModel()
            self._rooms = list(rooms)
            self.endResetModel()
            return
        for row, room in enumerate(rooms):
            if row == len(self._rooms) or self._rooms[row].id != room.id:
                self.beginInsertRows(QModelIndex(), row, row)
                self._rooms.insert(row, room)
                self.endInsertRows()
            else:
                self._rooms[row] = room
        self._all_changed()

    def _all_changed(self) -> None:
        if self._rooms:
            self.dataChanged.emit(self.index(0), self.index(len(self._rooms) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rooms)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, _VALID):
            return None
        room = self._rooms[index.row()]
        position = index.row() + 1
        if role in _TEXT_ROLES:
            return self._edited.get(room.id, room.name)
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("phone" if position <= self._phone_rooms else "room")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(position)
        if role == RoomRole.ID:
            return room.id
        if role == RoomRole.POSITION:
            return position
        return None

    def _tooltip(self, position: int) -> str:
        if position <= self._phone_rooms:
            return self.tr("Breakout %n: phone attendees can join it", "", position)
        return self.tr("Breakout %n: not reachable from the phone bridge", "", position)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self.checkIndex(index, _VALID):
            return False
        room = self._rooms[index.row()]
        name = str(value)
        if name == self.data(index, Qt.ItemDataRole.EditRole):
            return False
        self._edited[room.id] = name
        self.dataChanged.emit(index, index, list(_TEXT_ROLES))
        self.name_edited.emit(room.id, name)
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self._editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


def checked_room_name(name: str, others: Iterable[str], position: int) -> str:
    """``name`` as the domain will store it; raises :class:`InvalidInput` when it is
    empty, unusable or the name of another room (``position`` counts from 1)."""
    if not name.strip():
        raise InvalidInput(_translate("Room %n needs a name.", position))
    try:
        cleaned = clean_name(name, "room name")
    except DomainError as error:
        raise InvalidInput(error.message) from None
    if cleaned.casefold() in {other.casefold() for other in others}:
        message = _translate("Two rooms are named “{name}”: give each a name of its own.")
        raise InvalidInput(message.format(name=cleaned))
    return cleaned


def _translate(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("RoomNames", text, None, n)

"""The PINs of the telephone bridge: one per phone-capable breakout room.

A caller dials the bridge's number and enters a PIN; PIN ``i`` admits them to
breakout ``i``. The table keeps what the user typed for rooms that drop out of
the phone range when the range shrinks, so widening it again brings them back.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.core.breakouts import DEFAULT_PHONE_ROOM_LIMIT

PIN_LENGTH = 6
"""Digits of a generated PIN: hard to guess, easy to type on a phone keypad."""

MAX_PIN_LENGTH = 12

Index = QModelIndex | QPersistentModelIndex


class PinColumn(IntEnum):
    ROOM = 0
    PIN = 1


def generate_pins(pins: Sequence[str], rng: random.Random) -> list[str]:
    """``pins`` with every empty one replaced by a new random PIN unlike the others."""
    taken = {pin for pin in pins if pin}
    result = []
    for pin in pins:
        if not pin:
            pin = _new_pin(taken, rng)
            taken.add(pin)
        result.append(pin)
    return result


def _new_pin(taken: set[str], rng: random.Random) -> str:
    while True:
        pin = "".join(rng.choices("0123456789", k=PIN_LENGTH))
        if pin not in taken:
            return pin


class PinsModel(QAbstractTableModel):
    """Breakout position and PIN, one row per phone-capable room; PINs are editable.

    Room names label the rows where a room exists at that position already.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pins: list[str] = []
        self._count = 0
        self._names: tuple[str, ...] = ()
        self.set_count(DEFAULT_PHONE_ROOM_LIMIT)

    # Reading and writing the whole table

    def pins(self) -> tuple[str, ...]:
        return tuple(self._pins[: self._count])

    def set_pins(self, pins: Sequence[str]) -> None:
        self.beginResetModel()
        self._pins = [pin.strip() for pin in pins]
        self._count = len(self._pins)
        self.endResetModel()

    def set_count(self, count: int) -> None:
        """Show ``count`` rows, remembering PINs of rows that are hidden."""
        count = max(count, 0)
        if count > len(self._pins):
            self._pins.extend([""] * (count - len(self._pins)))
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def generate(self, rng: random.Random) -> None:
        """Fill every empty PIN with a random one that no other room uses."""
        generated = generate_pins(self.pins(), rng)
        self._pins[: self._count] = generated
        if self._count:
            last = self.index(self._count - 1, PinColumn.PIN)
            self.dataChanged.emit(self.index(0, PinColumn.PIN), last)

    def set_room_names(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        if self._count:
            last = self.index(self._count - 1, PinColumn.ROOM)
            self.dataChanged.emit(self.index(0, PinColumn.ROOM), last)

    # The model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(PinColumn)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractTableModel.CheckIndexOption.IndexIsValid):
            return None
        row = index.row()
        if index.column() == PinColumn.ROOM:
            return self._room_data(row, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._pins[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Callers who enter this PIN join breakout %n.", "", row + 1)
        return None

    def _room_data(self, row: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            position = str(row + 1)
            return f"{position}  {self._names[row]}" if row < len(self._names) else position
        if role == Qt.ItemDataRole.ToolTipRole and row >= len(self._names):
            return self.tr("No room is at this position yet; the PIN is kept for later.")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not self.checkIndex(index, QAbstractTableModel.CheckIndexOption.IndexIsValid)
            or index.column() != PinColumn.PIN
        ):
            return False
        pin = str(value).strip()
        if pin == self._pins[index.row()]:
            return False
        self._pins[index.row()] = pin
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == PinColumn.PIN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == PinColumn.ROOM:
            return self.tr("Breakout room")
        if section == PinColumn.PIN:
            return self.tr("PIN")
        return None


class PinDelegate(QStyledItemDelegate):
    """Edits a PIN with a line edit that accepts digits only."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setMaxLength(MAX_PIN_LENGTH)
        pattern = QRegularExpression(f"[0-9]{{0,{MAX_PIN_LENGTH}}}")
        editor.setValidator(QRegularExpressionValidator(pattern, editor))
        editor.setAccessibleName(self.tr("PIN of breakout %n", "", index.row() + 1))
        return editor

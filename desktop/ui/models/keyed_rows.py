"""Bringing a list model's rows up to date with the fewest row changes.

People lists (participants, a call's tiles) are rebuilt from the server's state
on every change, but a view must see only what changed: rows removed, rows
inserted, rows whose data changed, never a reset that loses the selection and the
scroll position. Rows are keyed by ``user_id`` and kept in ``sort_key`` order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
)

from desktop.core import UserId


class KeyedRow(Protocol):
    @property
    def user_id(self) -> UserId: ...

    @property
    def sort_key(self) -> object: ...


Row = TypeVar("Row", bound=KeyedRow)


class KeyedListModel(QAbstractListModel, Generic[Row]):
    """A flat list of people rows, kept up to date by :meth:`reconcile`;
    subclasses name their roles in ``role_names`` and answer ``data``."""

    role_names: ClassVar[Mapping[Any, bytes]] = {}
    """Each custom role (a member of the subclass's role enum) and its name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def reconcile(self, wanted: list[Row]) -> None:
        reconcile(self, self._rows, wanted)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names.update({int(role): QByteArray(name) for role, name in self.role_names.items()})
        return names


def reconcile(model: QAbstractListModel, rows: list[Row], wanted: list[Row]) -> None:
    """Make ``rows`` (the model's own list) equal ``wanted``, telling ``model``'s
    views each change: removals, then insertions, then changed rows."""
    keys = {row.user_id: row.sort_key for row in wanted}
    # Whoever left, or moved in the order, goes; what is left is in wanted's order.
    doomed = [at for at, row in enumerate(rows) if keys.get(row.user_id) != row.sort_key]
    for first, last in reversed(_runs(doomed)):
        model.beginRemoveRows(QModelIndex(), first, last)
        del rows[first : last + 1]
        model.endRemoveRows()
    shown = {row.user_id for row in rows}
    missing = [at for at, row in enumerate(wanted) if row.user_id not in shown]
    for first, last in _runs(missing):
        model.beginInsertRows(QModelIndex(), first, last)
        rows[first:first] = wanted[first : last + 1]
        model.endInsertRows()
    changed = [at for at, row in enumerate(wanted) if rows[at] != row]
    for first, last in _runs(changed):
        rows[first : last + 1] = wanted[first : last + 1]
        model.dataChanged.emit(model.index(first), model.index(last))


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers grouped into (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs

"""The Smart Distribute panel's model: rooms and the attendees in them, as a tree.

Top-level rows are the Unassigned list and then the rooms in order; their
children are attendees. Dragging attendees onto a room moves them in the
:class:`PlanDraft`; a drop the phone rule forbids is refused with a message.
Red rows (an audio conflict) come from ``BackgroundRole``.

The rows are standard items, each attendee's holding only their user id
and flags: a tree view lays out every expanded row again after each move (2,000
in a large workshop), and rows kept in C++ spare it a call into Python per row.
What a row shows is read from the draft in :meth:`BreakoutPlanModel.data`, which
views call only for the rows they paint. Rows change only through the model's
own methods; views cannot insert or remove any.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QIcon, QStandardItem, QStandardItemModel

from desktop.core import Problem, RoomId, UserId, describe_reason
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.plan_draft import Bucket, PlanDraft

from .attendee_mime import MIME_TYPE, attendees_in, attendees_mime

Index = QModelIndex | QPersistentModelIndex

_ROOT = QModelIndex()

_ROOM_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
)
_ATTENDEE_FLAGS = _ROOM_FLAGS | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemNeverHasChildren
"""Attendees never have children, which spares the view asking each of them for
its rows."""


class PlanRole(IntEnum):
    USER_ID = Qt.ItemDataRole.UserRole + 1
    ROOM_ID = Qt.ItemDataRole.UserRole + 2
    AUDIO = Qt.ItemDataRole.UserRole + 3
    CONFLICT = Qt.ItemDataRole.UserRole + 4
    COUNT = Qt.ItemDataRole.UserRole + 5
    IS_ROOM = Qt.ItemDataRole.UserRole + 6


def _tr(text: str) -> str:
    return QCoreApplication.translate("BreakoutPlanModel", text)


class BreakoutPlanModel(QStandardItemModel):
    """Signals: ``drop_refused(str)`` with the reason a move was not allowed;
    ``draft_changed()`` after every change of the draft."""

    drop_refused = Signal(str)
    draft_changed = Signal()

    def __init__(
        self,
        draft: PlanDraft,
        icons: Callable[[str], QIcon],
        conflict_brush: QBrush,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.draft = draft
        self._icons = icons
        self._conflict = conflict_brush
        self._bold = QFont()
        self._bold.setBold(True)
        self._icon_cache: dict[str, QIcon] = {}
        self._room_prototype = QStandardItem()
        self._room_prototype.setFlags(_ROOM_FLAGS)
        self._attendee_prototype = QStandardItem()
        self._attendee_prototype.setFlags(_ATTENDEE_FLAGS)
        self.invisibleRootItem().setFlags(Qt.ItemFlag.NoItemFlags)
        self._fill()

    # Structure

    def bucket(self, top_row: int) -> Bucket:
        return None if top_row == 0 else self.draft.rooms[top_row - 1].id

    def top_row(self, bucket: Bucket) -> int:
        return 0 if bucket is None else self.draft.positions[bucket]

    def bucket_index(self, bucket: Bucket) -> QModelIndex:
        return self.index(self.top_row(bucket), 0)

    def user_at(self, index: Index) -> UserId | None:
        if not index.isValid() or not index.parent().isValid():
            return None
        user: UserId = super().data(index, PlanRole.USER_ID)
        return user

    def bucket_at(self, index: Index) -> Bucket:
        """The room a valid index is, or is in."""
        parent = index.parent()
        return self.bucket(parent.row() if parent.isValid() else index.row())

    def _room_item(self, bucket: Bucket) -> QStandardItem:
        return self.item(self.top_row(bucket))

    def _attendee_item(self, user: UserId) -> QStandardItem:
        item = self._attendee_prototype.clone()
        item.setData(user, PlanRole.USER_ID)
        return item

    def _fill(self) -> None:
        """Rows for the whole draft, replacing any there were."""
        root = self.invisibleRootItem()
        root.removeRows(0, root.rowCount())
        rooms = []
        for bucket in (None, *(room.id for room in self.draft.rooms)):
            room = self._room_prototype.clone()
            people = self.draft.people(bucket)
            if people:
                room.appendRows([self._attendee_item(user) for user in people])
            rooms.append(room)
        root.appendRows(rooms)

    def insertRows(self, row: int, count: int, parent: Index = _ROOT) -> bool:
        """Refused: only the draft adds rows. (A view dragging rows away with
        MoveAction would otherwise remove them once they arrived elsewhere.)"""
        return False

    def removeRows(self, row: int, count: int, parent: Index = _ROOT) -> bool:
        """Refused, like :meth:`insertRows`."""
        return False

    # Data

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        user = self.user_at(index)
        if user is None:
            return self._room_data(self.bucket(index.row()), role)
        return self._attendee_data(user, role)

    def _attendee_data(self, user: UserId, role: int) -> Any:
        draft = self.draft
        member = draft.members[user]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return member.display_name
            case Qt.ItemDataRole.DecorationRole:
                return self._icon(AUDIO_ICONS[member.audio])
            case Qt.ItemDataRole.BackgroundRole:
                return self._conflict if draft.is_affected(user) else None
            case Qt.ItemDataRole.ToolTipRole:
                return self._attendee_tooltip(user)
            case Qt.ItemDataRole.AccessibleTextRole:
                return f"{member.display_name}, {audio_label(member.audio)}"
            case PlanRole.USER_ID:
                return user
            case PlanRole.AUDIO:
                return member.audio.value
            case PlanRole.CONFLICT:
                return draft.is_affected(user)
            case PlanRole.IS_ROOM:
                return False
        return None

    def _attendee_tooltip(self, user: UserId) -> str:
        draft = self.draft
        member = draft.members[user]
        lines = [f"{member.display_name} — {audio_label(member.audio)}"]
        reason = draft.reasons.get(user)
        if reason is not None:
            lines.append(_tr("Placed: {0}").format(describe_reason(reason, draft.limit)))
        if user in draft.pinned:
            lines.append(_tr("Pinned: Smart Distribute keeps them here"))
        if draft.is_affected(user):
            callers = _names(draft, draft.phone_people(draft.bucket_of(user)))
            lines.append(
                _tr(
                    "Audio conflict: {0} on the phone cannot hear them; they will be asked to "
                    "switch to phone audio"
                ).format(callers)
            )
        return "\n".join(lines)

    def _room_data(self, bucket: Bucket, role: int) -> Any:
        draft = self.draft
        count = len(draft.people(bucket))
        conflict = draft.has_conflict(bucket)
        match role:
            case Qt.ItemDataRole.DisplayRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._room_title(bucket, count, conflict)
            case Qt.ItemDataRole.DecorationRole:
                name = "unassigned" if bucket is None else "conflict" if conflict else "room"
                return self._icon(name)
            case Qt.ItemDataRole.FontRole:
                return self._bold
            case Qt.ItemDataRole.ToolTipRole:
                return self._room_tooltip(bucket, conflict)
            case PlanRole.ROOM_ID:
                return bucket
            case PlanRole.COUNT:
                return count
            case PlanRole.CONFLICT:
                return conflict
            case PlanRole.IS_ROOM:
                return True
        return None

    def _icon(self, name: str) -> QIcon:
        # Looking an icon up costs more than the rest of a row's data; a view asks
        # for it on every paint of every visible row.
        found = self._icon_cache.get(name)
        if found is None:
            found = self._icon_cache[name] = self._icons(name)
        return found

    def _room_title(self, bucket: Bucket, count: int, conflict: bool) -> str:
        if bucket is None:
            return _tr("Unassigned ({0})").format(count)
        position = self.draft.positions[bucket]
        title = f"{position}. {self.draft.rooms[position - 1].name} ({count})"
        return title + _tr(" — audio conflict") if conflict else title

    def _room_tooltip(self, bucket: Bucket, conflict: bool) -> str:
        draft = self.draft
        if bucket is None:
            return _tr("Attendees without a room: drag them onto a room")
        lines = []
        if draft.positions[bucket] > draft.limit:
            lines.append(
                _tr("Beyond the phone bridge (rooms 1–{0}): no phone attendees here").format(
                    draft.limit
                )
            )
        if conflict:
            callers = _names(draft, draft.phone_people(bucket))
            lines.append(
                _tr("Audio conflict: {0} on the phone cannot hear the others in this room").format(
                    callers
                )
            )
        return "\n".join(lines) or _tr("Drop attendees here to move them into this room")

    # Drag and drop

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        users = (self.user_at(index) for index in indexes)
        return attendees_mime(dict.fromkeys(user for user in users if user is not None))

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return attendees_in(data) is not None and parent.isValid()

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        users = attendees_in(data)
        if action == Qt.DropAction.IgnoreAction or users is None or not parent.isValid():
            return False
        return self.move(users, self.bucket_at(parent)) is None

    def move(self, users: Iterable[UserId], target: Bucket) -> str | None:
        """Move attendees into ``target``; returns why not, if refused."""
        users = [user for user in users if user in self.draft.members]
        if (why := self.draft.refusal(users, target)) is not None:
            self.drop_refused.emit(why)
            return why
        touched = {target}
        for user in users:
            touched.add(self.draft.bucket_of(user))
            self._move_row(user, target)
        for bucket in touched:
            self._refresh(bucket)
        self.draft_changed.emit()
        return None

    def _move_row(self, user: UserId, target: Bucket) -> None:
        draft = self.draft
        source = draft.bucket_of(user)
        row = draft.insertion_row(user, source)
        if source == target:
            draft.move([user], target)  # pins them where they are
            return
        destination = draft.insertion_row(user, target)
        # Between the two, the draft and the rows disagree on the source room's
        # count only: every attendee row answers for the user it holds.
        taken = self._room_item(source).takeRow(row)
        draft.move([user], target)
        self._room_item(target).insertRow(destination, taken)

    def _refresh(self, bucket: Bucket) -> None:
        """Tell views that a room's header and rows may look different now."""
        parent = self.bucket_index(bucket)
        self.dataChanged.emit(parent, parent)
        count = self.rowCount(parent)
        if count:
            self.dataChanged.emit(self.index(0, 0, parent), self.index(count - 1, 0, parent))

    # Whole-plan changes

    def reset_with(self, change: Callable[[], None]) -> None:
        """Run a change that reshapes the whole draft (Smart Distribute, a fix)."""
        self.beginResetModel()
        try:
            change()
        finally:
            # Views hear of the reset only: the rows are rebuilt in between.
            blocked = self.blockSignals(True)
            try:
                self._fill()
            finally:
                self.blockSignals(blocked)
            self.endResetModel()
        self.draft_changed.emit()

    def apply_fix(self, problem: Problem) -> None:
        self.reset_with(lambda: self.draft.fix(problem))

    def room_ids(self) -> list[RoomId]:
        return [room.id for room in self.draft.rooms]


_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.FontRole,
        *PlanRole,
    )
)
"""Every role the model answers; views ask for many more on each paint."""


def _names(draft: PlanDraft, users: Sequence[UserId]) -> str:
    names = [draft.members[user].display_name for user in users]
    if len(names) > 3:
        return _tr("{0} and {1} more").format(", ".join(names[:3]), len(names) - 3)
    return ", ".join(names)

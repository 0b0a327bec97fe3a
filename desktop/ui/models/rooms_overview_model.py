"""Where everybody is while breakout rooms run: rooms as a tree of attendees.

The top-level rows are the breakout rooms in their order, then the main room
(attendees in no breakout room). Each room's children are its attendees, sorted
by name. A running session changes one attendee at a time (a move, a help
request, a switch to phone audio), so :meth:`RoomsOverviewModel.update` compares
the new conversation with what is shown and applies only the difference: a move
is one ``rowsMoved``, never a reset. Only a wholesale change (the session
starting, another conversation) resets.

Drag and drop lives here too, but the server decides: a drop changes nothing in
the model, it asks for the move (:attr:`RoomsOverviewModel.move_requested`)
and the result comes back later through :meth:`~RoomsOverviewModel.update`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication

from desktop.core import AudioConnection, Conversation, Room, RoomId, UserId, analyze
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.models.attendee_mime import MIME_TYPE, attendees_in, attendees_mime
from desktop.ui.resources import icon
from desktop.ui.theme import conflict_background

AnyIndex = QModelIndex | QPersistentModelIndex

_TOP = 0
"""The internal id of top-level rows; an attendee's is its room's token."""

_MAIN = 0x7FFFFFFF
"""The main room's token; a breakout room's token is its id (ids start at 1)."""

_BULK = 64
"""Past this many attendees arriving, leaving or changing room, one reset is
cheaper for the views than as many single moves (the session starting)."""


class RowKind(IntEnum):
    ROOM = 1
    MAIN_ROOM = 2
    ATTENDEE = 3


class OverviewRole(IntEnum):
    KindRole = Qt.ItemDataRole.UserRole
    RoomIdRole = Qt.ItemDataRole.UserRole + 1
    """The room of a room row or of an attendee; ``None`` is the main room."""
    UserIdRole = Qt.ItemDataRole.UserRole + 2
    HelpRole = Qt.ItemDataRole.UserRole + 3
    """An attendee's open help request; for a room: anyone in it asked."""
    CountRole = Qt.ItemDataRole.UserRole + 4
    AudioRole = Qt.ItemDataRole.UserRole + 5
    ConflictRole = Qt.ItemDataRole.UserRole + 6
    """Whether the row is painted red; for a room: any of its rows is."""
    PositionRole = Qt.ItemDataRole.UserRole + 7
    """A room's 1-based place (phone rules count by it); 0 for the main room."""


class Conflict(Enum):
    NONE = "none"
    CANNOT_HEAR_PHONE = "cannot_hear_phone"
    """VOIP or Just Listening next to Phone attendees: painted red."""
    CANNOT_HEAR_APP = "cannot_hear_app"
    """A Phone attendee next to app audio: explained, not painted (the others are)."""
    OUT_OF_REACH = "out_of_reach"
    """On the phone in a room past the bridge's limit: painted red."""


@dataclass(frozen=True, slots=True)
class Attendee:
    user_id: UserId
    name: str
    audio: AudioConnection
    room_id: RoomId | None
    needs_help: bool
    conflict: Conflict

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.name.casefold(), self.user_id)

    @property
    def is_red(self) -> bool:
        return self.conflict in (Conflict.CANNOT_HEAR_PHONE, Conflict.OUT_OF_REACH)


@dataclass(slots=True)
class _Group:
    """A top-level row and the user ids of its children, in display order."""

    token: int
    room_id: RoomId | None
    name: str
    position: int
    users: list[UserId] = field(default_factory=list)
    shown: tuple[object, ...] = ()
    """What its row last reported, to tell when it needs ``dataChanged``."""


def attendees(conversation: Conversation) -> dict[UserId, Attendee]:
    """Every attendee (moderators are not placed) with their room and conflict."""
    breakouts = conversation.breakouts
    rooms_of = dict(breakouts.plan.rooms_of) if breakouts.is_live else {}
    report = analyze(
        conversation.members, rooms_of, breakouts.positions(), breakouts.settings.phone_room_limit
    )
    conflicts: dict[UserId, Conflict] = {}
    for room_conflict in report.rooms.values():
        conflicts.update(dict.fromkeys(room_conflict.phone_attendees, Conflict.CANNOT_HEAR_APP))
        conflicts.update(dict.fromkeys(room_conflict.affected, Conflict.CANNOT_HEAR_PHONE))
    for violation in report.phone_violations:
        conflicts[violation.user_id] = Conflict.OUT_OF_REACH
    return {
        member.user_id: Attendee(
            user_id=member.user_id,
            name=member.display_name,
            audio=member.audio,
            room_id=rooms_of.get(member.user_id),
            needs_help=member.user_id in breakouts.help_requests,
            conflict=conflicts.get(member.user_id, Conflict.NONE),
        )
        for member in conversation.attendees()
    }


def _token(room_id: RoomId | None) -> int:
    return _MAIN if room_id is None else int(room_id)


class RoomsOverviewModel(QAbstractItemModel):
    """Breakout rooms and the main room, each with its attendees.

    Signals:
        move_requested(list, object): attendees (user ids) were dropped on a room
            (a ``RoomId``, or ``None`` for the main room); the model is unchanged.
        drop_refused(str): a drop would break the phone rule; says why.
    """

    move_requested = Signal(list, object)
    drop_refused = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conversation_id: str | None = None
        self._phone_room_limit = 0
        self._rows: dict[UserId, Attendee] = {}
        main = _Group(_MAIN, None, "", 0)
        self._groups: list[_Group] = [main]
        self._by_token: dict[int, _Group] = {_MAIN: main}
        self._group_rows: dict[int, int] = {_MAIN: 0}
        self._last_refusal: tuple[tuple[UserId, ...], int] | None = None

    # Reading

    def attendee(self, user: UserId) -> Attendee | None:
        return self._rows.get(user)

    def room_index(self, room_id: RoomId | None) -> QModelIndex:
        """The row of a breakout room, or of the main room for ``None``."""
        row = self._group_rows.get(_token(room_id))
        return QModelIndex() if row is None else self.createIndex(row, 0, _TOP)

    def attendee_index(self, user: UserId) -> QModelIndex:
        attendee = self._rows.get(user)
        if attendee is None:
            return QModelIndex()
        group = self._by_token[_token(attendee.room_id)]
        return self.createIndex(group.users.index(user), 0, group.token)

    def rooms(self) -> list[tuple[RoomId | None, str]]:
        """Every room as (id, name), breakout rooms first, then the main room."""
        return [(group.room_id, self._group_name(group)) for group in self._groups]

    def refusal(self, users: Iterable[UserId], room_id: RoomId | None) -> str | None:
        """Why moving ``users`` to ``room_id`` breaks the phone rule, or ``None``."""
        group = self._by_token.get(_token(room_id))
        if group is None or room_id is None or group.position <= self._phone_room_limit:
            return None
        rows = (self._rows.get(user) for user in users)
        callers = [row.name for row in rows if row is not None and row.audio is _PHONE]
        if not callers:
            return None
        if len(callers) == 1:
            text = self.tr("{names} is on the phone; the bridge reaches rooms 1–{limit} only.")
        else:
            text = self.tr("{names} are on the phone; the bridge reaches rooms 1–{limit} only.")
        return text.format(names=self._names(callers), limit=self._phone_room_limit)

    # Updating

    def update(self, conversation: Conversation) -> None:
        """Show ``conversation``, changing only the rows that differ."""
        breakouts = conversation.breakouts
        rooms = breakouts.rooms if breakouts.is_set_up else ()
        wanted = attendees(conversation)
        self._phone_room_limit = breakouts.settings.phone_room_limit
        self._last_refusal = None
        if conversation.id != self._conversation_id or self._is_bulk(wanted):
            self._conversation_id = conversation.id
            self._reset(rooms, wanted)
            return
        self._add_rooms(rooms)
        self._remove_departed(wanted)
        for attendee in wanted.values():
            self._place(attendee)
        self._drop_rooms(rooms)
        self._order_rooms(rooms)
        self._refresh_groups()

    def _is_bulk(self, wanted: Mapping[UserId, Attendee]) -> bool:
        changes = sum(user not in wanted for user in self._rows)
        for user, attendee in wanted.items():
            shown = self._rows.get(user)
            changes += shown is None or shown.room_id != attendee.room_id
        return changes > _BULK

    def _reset(self, rooms: Sequence[Room], wanted: Mapping[UserId, Attendee]) -> None:
        self.beginResetModel()
        groups = [_Group(int(room.id), room.id, room.name, at) for at, room in enumerate(rooms, 1)]
        groups.append(_Group(_MAIN, None, "", 0))
        self._groups = groups
        self._reindex_groups()
        self._rows = dict(wanted)
        for attendee in sorted(wanted.values(), key=lambda row: row.sort_key):
            self._by_token[_token(attendee.room_id)].users.append(attendee.user_id)
        for group in groups:
            group.shown = self._summary(group)
        self.endResetModel()

    def _add_rooms(self, rooms: Sequence[Room]) -> None:
        """New rooms go in before the main room; :meth:`_order_rooms` places them."""
        for room in rooms:
            if int(room.id) in self._by_token:
                continue
            row = len(self._groups) - 1
            self.beginInsertRows(QModelIndex(), row, row)
            self._groups.insert(row, _Group(int(room.id), room.id, room.name, 0))
            self._reindex_groups()
            self.endInsertRows()

    def _remove_departed(self, wanted: Mapping[UserId, Attendee]) -> None:
        for user in [user for user in self._rows if user not in wanted]:
            group = self._by_token[_token(self._rows[user].room_id)]
            row = group.users.index(user)
            self.beginRemoveRows(self._group_index(group), row, row)
            del group.users[row]
            del self._rows[user]
            self.endRemoveRows()

    def _place(self, attendee: Attendee) -> None:
        """Insert, move or refresh one attendee's row."""
        user = attendee.user_id
        shown = self._rows.get(user)
        target = self._by_token[_token(attendee.room_id)]
        if shown is None:
            row = bisect_left(target.users, attendee.sort_key, key=self._sort_key)
            self.beginInsertRows(self._group_index(target), row, row)
            target.users.insert(row, user)
            self._rows[user] = attendee
            self.endInsertRows()
            return
        if shown == attendee:
            return
        source = self._by_token[_token(shown.room_id)]
        if source is not target or shown.sort_key != attendee.sort_key:
            self._move(user, source, target, attendee.sort_key)
        self._rows[user] = attendee
        index = self.attendee_index(user)
        self.dataChanged.emit(index, index)

    def _move(self, user: UserId, source: _Group, target: _Group, key: tuple[str, str]) -> None:
        old_row = source.users.index(user)
        others = target.users if target is not source else [u for u in target.users if u != user]
        new_row = bisect_left(others, key, key=self._sort_key)
        # Qt counts the destination before the row leaves its parent.
        child = new_row + 1 if target is source and new_row >= old_row else new_row
        if target is source and child in (old_row, old_row + 1):
            return
        moved = self.beginMoveRows(
            self._group_index(source), old_row, old_row, self._group_index(target), child
        )
        assert moved, "a move within the tree is always valid"
        del source.users[old_row]
        target.users.insert(new_row, user)
        self.endMoveRows()

    def _drop_rooms(self, rooms: Sequence[Room]) -> None:
        """Remove rooms that are gone; their attendees have left them already."""
        kept = {int(room.id) for room in rooms} | {_MAIN}
        for group in [group for group in self._groups if group.token not in kept]:
            row = self._group_rows[group.token]
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._groups[row]
            self._reindex_groups()
            self.endRemoveRows()

    def _order_rooms(self, rooms: Sequence[Room]) -> None:
        for row, room in enumerate(rooms):
            old_row = self._group_rows[int(room.id)]
            if old_row != row:  # rows above are in place already, so old_row > row
                self.beginMoveRows(QModelIndex(), old_row, old_row, QModelIndex(), row)
                self._groups.insert(row, self._groups.pop(old_row))
                self._reindex_groups()
                self.endMoveRows()
            group = self._groups[row]
            group.name, group.position = room.name, row + 1

    def _refresh_groups(self) -> None:
        for row, group in enumerate(self._groups):
            summary = self._summary(group)
            if summary != group.shown:
                group.shown = summary
                index = self.createIndex(row, 0, _TOP)
                self.dataChanged.emit(index, index)

    def _summary(self, group: _Group) -> tuple[object, ...]:
        rows = [self._rows[user] for user in group.users]
        return (
            group.name,
            group.position,
            len(rows),
            any(row.needs_help for row in rows),
            any(row.is_red for row in rows),
        )

    def _reindex_groups(self) -> None:
        self._by_token = {group.token: group for group in self._groups}
        self._group_rows = {group.token: row for row, group in enumerate(self._groups)}

    def _sort_key(self, user: UserId) -> tuple[str, str]:
        return self._rows[user].sort_key

    def _group_index(self, group: _Group) -> QModelIndex:
        return self.createIndex(self._group_rows[group.token], 0, _TOP)

    # The tree

    def index(self, row: int, column: int, parent: AnyIndex | None = None) -> QModelIndex:
        parent = parent if parent is not None else QModelIndex()
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, self._groups[parent.row()].token)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: AnyIndex) -> QModelIndex: ...
    def parent(self, child: AnyIndex | None = None) -> QObject | QModelIndex | None:
        if child is None:
            return super().parent()
        token = child.internalId() if child.isValid() else _TOP
        if token == _TOP:
            return QModelIndex()
        return self.createIndex(self._group_rows[token], 0, _TOP)

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        if parent is None or not parent.isValid():
            return len(self._groups)
        if parent.column() != 0 or parent.internalId() != _TOP:
            return 0
        return len(self._groups[parent.row()].users)

    def columnCount(self, parent: AnyIndex | None = None) -> int:
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        token = index.internalId()
        if token == _TOP:
            return self._room_data(self._groups[index.row()], role)
        group = self._by_token[token]
        return self._attendee_data(self._rows[group.users[index.row()]], group, role)

    def _room_data(self, group: _Group, role: int) -> Any:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return self._group_name(group)
            case Qt.ItemDataRole.DecorationRole:
                return icon("room" if group.room_id is not None else "unassigned")
            case Qt.ItemDataRole.ToolTipRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._describe_room(group)
            case OverviewRole.KindRole:
                return RowKind.ROOM if group.room_id is not None else RowKind.MAIN_ROOM
            case OverviewRole.RoomIdRole:
                return group.room_id
            case OverviewRole.CountRole:
                return len(group.users)
            case OverviewRole.HelpRole:
                return any(self._rows[user].needs_help for user in group.users)
            case OverviewRole.ConflictRole:
                return any(self._rows[user].is_red for user in group.users)
            case OverviewRole.PositionRole:
                return group.position
        return None

    def _attendee_data(self, attendee: Attendee, group: _Group, role: int) -> Any:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return attendee.name
            case Qt.ItemDataRole.DecorationRole:
                return icon(AUDIO_ICONS[attendee.audio])
            case Qt.ItemDataRole.BackgroundRole if attendee.is_red:
                return conflict_background(QGuiApplication.palette())
            case Qt.ItemDataRole.ToolTipRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._describe_attendee(attendee, group)
            case OverviewRole.KindRole:
                return RowKind.ATTENDEE
            case OverviewRole.RoomIdRole:
                return attendee.room_id
            case OverviewRole.UserIdRole:
                return str(attendee.user_id)
            case OverviewRole.HelpRole:
                return attendee.needs_help
            case OverviewRole.AudioRole:
                return attendee.audio.value
            case OverviewRole.ConflictRole:
                return attendee.is_red
        return None

    # Texts

    def _group_name(self, group: _Group) -> str:
        return group.name if group.room_id is not None else self.tr("Main room")

    def _describe_room(self, group: _Group) -> str:
        count = len(group.users)
        people = self.tr("1 person") if count == 1 else self.tr("{n} people").format(n=count)
        parts = [self._group_name(group), people]
        helped = [self._rows[user].name for user in group.users if self._rows[user].needs_help]
        if helped:
            parts.append(self.tr("help requested by {names}").format(names=self._names(helped)))
        if any(self._rows[user].is_red for user in group.users):
            parts.append(self.tr("audio conflict"))
        return " · ".join(parts)

    def _describe_attendee(self, attendee: Attendee, group: _Group) -> str:
        lines = [f"{attendee.name} — {audio_label(attendee.audio)}"]
        if attendee.needs_help:
            lines.append(self.tr("Asked for help"))
        conflict = self._conflict_text(attendee, group)
        if conflict:
            lines.append(conflict)
        return "\n".join(lines)

    def _conflict_text(self, attendee: Attendee, group: _Group) -> str:
        others = [self._rows[user] for user in group.users if user != attendee.user_id]
        match attendee.conflict:
            case Conflict.CANNOT_HEAR_PHONE:
                callers = [row.name for row in others if row.audio is _PHONE]
                return self.tr(
                    "Audio conflict: {callers} on the phone cannot hear {name}. "
                    "Switch {name} to phone audio or move someone."
                ).format(callers=self._names(callers), name=attendee.name)
            case Conflict.CANNOT_HEAR_APP:
                app = [row.name for row in others if row.audio is not _PHONE]
                return self.tr("Audio conflict: {name} on the phone cannot hear {others}.").format(
                    name=attendee.name, others=self._names(app)
                )
            case Conflict.OUT_OF_REACH:
                return self.tr(
                    "{name} is on the phone; the bridge reaches rooms 1–{limit} only."
                ).format(name=attendee.name, limit=self._phone_room_limit)
            case Conflict.NONE:
                return ""

    def _names(self, names: Sequence[str], most: int = 3) -> str:
        """Names as a phrase: "Ada, Bo and Cy", or "Ada, Bo, Cy and 4 more"."""
        names = sorted(names, key=str.casefold)
        if len(names) == 1:
            return names[0]
        if len(names) > most:
            rest = self.tr("{n} more").format(n=len(names) - most)
            return self.tr("{first} and {last}").format(first=", ".join(names[:most]), last=rest)
        return self.tr("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])

    # Drag and drop

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        flags |= Qt.ItemFlag.ItemIsDropEnabled
        if index.internalId() != _TOP:
            flags |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        users = [
            self._by_token[index.internalId()].users[index.row()]
            for index in indexes
            if index.isValid() and index.internalId() != _TOP
        ]
        return attendees_mime(dict.fromkeys(users)) if users else QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return self._drop(data, action, parent) is not None

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        """Ask for the move; the rows move when the server's answer arrives."""
        drop = self._drop(data, action, parent)
        if drop is None:
            return False
        users, room_id = drop
        self.move_requested.emit(users, room_id)
        return True

    def _drop(
        self, data: QMimeData, action: Qt.DropAction, parent: AnyIndex
    ) -> tuple[list[UserId], RoomId | None] | None:
        """Who would move where if ``data`` were dropped on ``parent``."""
        users = attendees_in(data)
        target = self._drop_target(parent)
        if action != Qt.DropAction.MoveAction or users is None or target is None:
            return None
        moving = [
            user
            for user in dict.fromkeys(users)
            if user in self._rows and self._rows[user].room_id != target.room_id
        ]
        if not moving:
            return None
        refusal = self.refusal(moving, target.room_id)
        if refusal is not None:
            self._refuse(refusal, (tuple(moving), target.token))
            return None
        self._last_refusal = None
        return moving, target.room_id

    def _drop_target(self, parent: AnyIndex) -> _Group | None:
        """A room row, or the room of the attendee dropped on; not between rooms."""
        if not parent.isValid():
            return None
        token = parent.internalId()
        return self._groups[parent.row()] if token == _TOP else self._by_token[token]

    def _refuse(self, message: str, drop: tuple[tuple[UserId, ...], int]) -> None:
        """Tell why once per drag target, not on every mouse move over it."""
        if drop != self._last_refusal:
            self._last_refusal = drop
            self.drop_refused.emit(message)


_PHONE = AudioConnection.PHONE

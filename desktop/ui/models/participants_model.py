"""The members of a conversation as a list: moderators first, then by name.

A conversation can have thousands of members and changes one member at a
time (someone switches to phone audio, asks for help, moves room), so
:meth:`ParticipantsModel.update` compares the new conversation with what is
shown and applies only the difference: removed rows, inserted rows and
``dataChanged`` for rows whose details changed. A view keeps its selection and
scroll position through every update.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from desktop.core import AudioConnection, Conversation, Member, Role, UserId
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.resources import icon

AnyIndex = QModelIndex | QPersistentModelIndex


class ParticipantRole(IntEnum):
    UserIdRole = Qt.ItemDataRole.UserRole
    RoleRole = Qt.ItemDataRole.UserRole + 1
    AudioRole = Qt.ItemDataRole.UserRole + 2
    HelpRole = Qt.ItemDataRole.UserRole + 3
    RoomRole = Qt.ItemDataRole.UserRole + 4


ROLE_NAMES: Final = {
    ParticipantRole.UserIdRole: b"userId",
    ParticipantRole.RoleRole: b"role",
    ParticipantRole.AudioRole: b"audio",
    ParticipantRole.HelpRole: b"needsHelp",
    ParticipantRole.RoomRole: b"room",
}
"""Role names for QML and for debugging tools."""


@dataclass(frozen=True, slots=True)
class Participant:
    """What one row shows; ``room`` is the breakout room's name during a session."""

    user_id: UserId
    name: str
    role: Role
    audio: AudioConnection
    needs_help: bool
    room: str | None

    @property
    def sort_key(self) -> tuple[bool, str, str]:
        return (self.role is not Role.MODERATOR, self.name.casefold(), self.user_id)


def participants(conversation: Conversation) -> list[Participant]:
    """Every member of ``conversation`` as a row, in the order the list shows."""
    breakouts = conversation.breakouts
    room_names = {room.id: room.name for room in breakouts.rooms}

    def row(member: Member) -> Participant:
        room_id = breakouts.current_room(member.user_id)
        return Participant(
            user_id=member.user_id,
            name=member.display_name,
            role=member.role,
            audio=member.audio,
            needs_help=member.user_id in breakouts.help_requests,
            room=None if room_id is None else room_names.get(room_id),
        )

    return sorted(map(row, conversation.members.values()), key=lambda p: p.sort_key)


class ParticipantsModel(QAbstractListModel):
    """One row per member of a conversation, kept current by :meth:`update`."""

    def __init__(
        self, conversation: Conversation | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._rows: list[Participant] = []
        if conversation is not None:
            self.update(conversation)

    def participant(self, row: int) -> Participant:
        return self._rows[row]

    def update(self, conversation: Conversation) -> None:
        """Show ``conversation``'s members, changing only the rows that differ."""
        wanted = participants(conversation)
        self._remove_unwanted(wanted)
        self._insert_missing(wanted)
        self._refresh_changed(wanted)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names.update({int(role): QByteArray(name) for role, name in ROLE_NAMES.items()})
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        row = self._rows[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return row.name
            case Qt.ItemDataRole.DecorationRole:
                return icon(AUDIO_ICONS[row.audio])
            case Qt.ItemDataRole.ToolTipRole | Qt.ItemDataRole.AccessibleTextRole:
                return self._describe(row)
            case ParticipantRole.UserIdRole:
                return str(row.user_id)
            case ParticipantRole.RoleRole:
                return row.role.value
            case ParticipantRole.AudioRole:
                return row.audio.value
            case ParticipantRole.HelpRole:
                return row.needs_help
            case ParticipantRole.RoomRole:
                return row.room
        return None

    def _describe(self, row: Participant) -> str:
        """ "Ada — Moderator · Phone", plus help and room while a session runs."""
        parts = [self.role_text(row.role), audio_label(row.audio)]
        if row.room is not None:
            parts.append(self.tr("in {room}").format(room=row.room))
        if row.needs_help:
            parts.append(self.tr("asked for help"))
        return f"{row.name} — {' · '.join(parts)}"

    def role_text(self, role: Role) -> str:
        return self.tr("Moderator") if role is Role.MODERATOR else self.tr("Participant")

    def _remove_unwanted(self, wanted: list[Participant]) -> None:
        """Remove rows of members who left or whose place in the order changed."""
        keys = {row.user_id: row.sort_key for row in wanted}
        doomed = [at for at, row in enumerate(self._rows) if keys.get(row.user_id) != row.sort_key]
        for first, last in reversed(_runs(doomed)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()

    def _insert_missing(self, wanted: list[Participant]) -> None:
        """Insert the rows of ``wanted`` that are not shown yet.

        What is left after :meth:`_remove_unwanted` is a subsequence of
        ``wanted`` (same keys, same order), so one pass finds the gaps.
        """
        shown = {row.user_id for row in self._rows}
        missing = [at for at, row in enumerate(wanted) if row.user_id not in shown]
        for first, last in _runs(missing):
            self.beginInsertRows(QModelIndex(), first, last)
            self._rows[first:first] = wanted[first : last + 1]
            self.endInsertRows()

    def _refresh_changed(self, wanted: list[Participant]) -> None:
        changed = [at for at, row in enumerate(wanted) if self._rows[at] != row]
        for first, last in _runs(changed):
            self._rows[first : last + 1] = wanted[first : last + 1]
            self.dataChanged.emit(self.index(first), self.index(last))


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers grouped into (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs

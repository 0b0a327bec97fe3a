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
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from desktop.core import AudioConnection, Conversation, Member, Role, UserId
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.models.keyed_rows import KeyedListModel
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


class ParticipantsModel(KeyedListModel[Participant]):
    """One row per member of a conversation, kept current by :meth:`update`."""

    role_names = ROLE_NAMES

    def __init__(
        self, conversation: Conversation | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if conversation is not None:
            self.update(conversation)

    def participant(self, row: int) -> Participant:
        return self._rows[row]

    def update(self, conversation: Conversation) -> None:
        """Show ``conversation``'s members, changing only the rows that differ."""
        wanted = participants(conversation)
        self.reconcile(wanted)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

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

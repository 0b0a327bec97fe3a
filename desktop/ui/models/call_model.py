"""The people of one room's call, one tile each: who is in it, how they are
connected, who is speaking, and how loud the user wants to hear each of them.

Two sources feed it. The server's call state and the conversation say who is
in the call and who is muted (:meth:`CallModel.set_people`); the phone
attendees of the room get a row too, "on the phone", as they are on the
telephone bridge and not in the call. The call engine reports each peer's
connection state, audio levels ten times a second, and later video frames.
Levels change all the time, so a row is repainted only when its level moved
visibly or its speaking indicator turned on or off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage

from desktop.core import AudioConnection, Conversation, Role, RoomId, UserId
from desktop.protocol.messages import CallState
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.models.keyed_rows import KeyedListModel
from desktop.ui.resources import icon

AnyIndex = QModelIndex | QPersistentModelIndex

SPEAKING_LEVEL: Final = 0.1
"""Audio level (0–1) from which a person counts as speaking."""

SPEAKING_HOLD: Final = 0.6
"""Seconds someone still counts as speaking after their level dropped, so the
indicator does not flicker between words."""

LEVEL_STEP: Final = 0.05
"""Smallest change of level worth repainting a tile for."""

MAX_VOLUME: Final = 2.0
"""The loudest a peer can be turned up: twice as loud as they arrive."""


class PersonState(StrEnum):
    """What a tile says about its person's connection."""

    YOU = "you"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    ON_PHONE = "on_phone"


_PEER_STATES: Final = {
    "connecting": PersonState.CONNECTING,
    "connected": PersonState.CONNECTED,
    "failed": PersonState.FAILED,
    # A closed connection to someone the server still lists is being replaced.
    "closed": PersonState.CONNECTING,
}


def state_label(state: PersonState) -> str:
    """The caption a tile shows for ``state``."""
    match state:
        case PersonState.YOU:
            return QCoreApplication.translate("CallModel", "You")
        case PersonState.CONNECTING:
            return QCoreApplication.translate("CallModel", "Connecting…")
        case PersonState.CONNECTED:
            return QCoreApplication.translate("CallModel", "Connected")
        case PersonState.FAILED:
            return QCoreApplication.translate("CallModel", "Couldn't connect")
        case PersonState.ON_PHONE:
            return QCoreApplication.translate("CallModel", "On the phone")


class CallRole(IntEnum):
    UserIdRole = Qt.ItemDataRole.UserRole
    AudioRole = Qt.ItemDataRole.UserRole + 1
    RoleRole = Qt.ItemDataRole.UserRole + 2
    StateRole = Qt.ItemDataRole.UserRole + 3
    LevelRole = Qt.ItemDataRole.UserRole + 4
    SpeakingRole = Qt.ItemDataRole.UserRole + 5
    MutedRole = Qt.ItemDataRole.UserRole + 6
    VolumeRole = Qt.ItemDataRole.UserRole + 7
    VideoRole = Qt.ItemDataRole.UserRole + 8


ROLE_NAMES: Final = {
    CallRole.UserIdRole: b"userId",
    CallRole.AudioRole: b"audio",
    CallRole.RoleRole: b"role",
    CallRole.StateRole: b"state",
    CallRole.LevelRole: b"level",
    CallRole.SpeakingRole: b"speaking",
    CallRole.MutedRole: b"muted",
    CallRole.VolumeRole: b"volume",
    CallRole.VideoRole: b"video",
}
"""Role names for QML and for debugging tools."""

DESCRIBED: Final = (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole)
"""The roles that describe a row in words; they change with state, speaking and volume."""


@dataclass(frozen=True, slots=True)
class CallPerson:
    """Who a tile is for, as the server and the conversation describe them."""

    user_id: UserId
    name: str
    audio: AudioConnection
    role: Role
    muted: bool
    is_me: bool
    on_phone: bool

    @property
    def sort_key(self) -> tuple[bool, bool, str, str]:
        """The user first, then the call by name, then the phone attendees."""
        return (not self.is_me, self.on_phone, self.name.casefold(), self.user_id)


def call_people(
    conversation: Conversation, room_id: RoomId | None, call: CallState | None, me: UserId
) -> list[CallPerson]:
    """Everyone in ``call`` and the phone attendees of ``room_id``, in tile order."""
    muted = {each.user_id: each.muted for each in call.participants} if call else {}
    breakouts = conversation.breakouts
    phones = [
        member.user_id
        for member in conversation.members.values()
        if member.audio is AudioConnection.PHONE
        and member.user_id not in muted
        and breakouts.current_room(member.user_id) == room_id
    ]

    def person(user: UserId, on_phone: bool) -> CallPerson:
        member = conversation.members.get(user)
        return CallPerson(
            user_id=user,
            name=member.display_name if member else str(user),
            audio=member.audio if member else AudioConnection.VOIP,
            role=member.role if member else Role.PARTICIPANT,
            muted=muted.get(user, False),
            is_me=user == me,
            on_phone=on_phone,
        )

    rows = [person(user, False) for user in muted] + [person(user, True) for user in phones]
    return sorted(rows, key=lambda row: row.sort_key)


class CallModel(KeyedListModel[CallPerson]):
    """One row per person in a room's call and per phone attendee of the room.

    ``clock`` gives seconds on a monotonic scale; the speaking indicator's hold
    is measured with it.

    Signals:
        volume_changed(str, float): the user set how loud a peer plays (user
            id, gain 0–2, 1 as they arrive).
    """

    volume_changed = Signal(str, float)

    role_names = ROLE_NAMES

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rows: list[CallPerson] = []
        self._states: dict[UserId, PersonState] = {}
        self._levels: dict[UserId, float] = {}
        self._heard: dict[UserId, float] = {}
        self._speaking: set[UserId] = set()
        self._volumes: dict[UserId, float] = {}
        self._frames: dict[UserId, QImage] = {}

    # Reading

    def person(self, row: int) -> CallPerson:
        return self._rows[row]

    def row_of(self, user: str) -> int | None:
        return next((at for at, row in enumerate(self._rows) if row.user_id == user), None)

    def index_of(self, user: str) -> QModelIndex:
        row = self.row_of(user)
        return QModelIndex() if row is None else self.index(row)

    def state(self, row: CallPerson) -> PersonState:
        if row.is_me:
            return PersonState.YOU
        if row.on_phone:
            return PersonState.ON_PHONE
        return self._states.get(row.user_id, PersonState.CONNECTING)

    def volume(self, user: str) -> float:
        return self._volumes.get(UserId(user), 1.0)

    def is_speaking(self, user: str) -> bool:
        return UserId(user) in self._speaking

    # What the server says

    def set_people(
        self,
        conversation: Conversation,
        room_id: RoomId | None,
        call: CallState | None,
        me: UserId,
    ) -> None:
        """Show the call of ``room_id`` (``None``: the main room), changing only
        the rows that differ from what is shown."""
        wanted = call_people(conversation, room_id, call, me)
        self.reconcile(wanted)
        self._forget_all_but({row.user_id for row in wanted if not row.on_phone})

    def clear(self) -> None:
        """No call shown: every row goes, and what the engine said with them."""
        if self._rows:
            self.beginRemoveRows(QModelIndex(), 0, len(self._rows) - 1)
            self._rows = []
            self.endRemoveRows()
        self._forget_all_but(set())

    # What the call engine says

    def set_peer_state(self, user: str, state: str) -> None:
        """``state`` is the engine's: connecting, connected, failed or closed."""
        try:
            new = _PEER_STATES[state]
        except KeyError:
            raise ValueError(f"{state!r} is not a peer connection state") from None
        if self._states.get(UserId(user)) == new:
            return
        self._states[UserId(user)] = new
        self._changed(user, CallRole.StateRole, *DESCRIBED)

    def set_levels(self, levels: Mapping[str, float]) -> None:
        """Audio levels (0–1) by user id; whoever is missing is silent.

        Called ten times a second while the call runs: the speaking hold
        ends on the first call after it expired.
        """
        now = self._clock()
        for row in self._rows:
            if not row.on_phone:
                self._take_level(row, min(max(levels.get(row.user_id, 0.0), 0.0), 1.0), now)

    def set_video_frame(self, user: str, image: QImage | None) -> None:
        """The latest frame of ``user``'s camera; ``None`` when it stopped."""
        key = UserId(user)
        if self.row_of(user) is None or (image is None and key not in self._frames):
            return
        if image is None:
            del self._frames[key]
        else:
            self._frames[key] = image
        self._changed(user, CallRole.VideoRole)

    # What the user says

    def set_volume(self, user: str, volume: float) -> None:
        """Play ``user`` at ``volume`` (0–2); kept while they leave and come back."""
        volume = round(min(max(volume, 0.0), MAX_VOLUME), 2)
        if volume == self.volume(user):
            return
        self._volumes[UserId(user)] = volume
        self._changed(user, CallRole.VolumeRole, *DESCRIBED)
        self.volume_changed.emit(user, volume)

    # The model interface

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
        return self._call_data(row, role)

    def _call_data(self, row: CallPerson, role: int) -> Any:
        match role:
            case CallRole.UserIdRole:
                return str(row.user_id)
            case CallRole.AudioRole:
                return row.audio.value
            case CallRole.RoleRole:
                return row.role.value
            case CallRole.StateRole:
                return self.state(row).value
            case CallRole.LevelRole:
                return self._levels.get(row.user_id, 0.0)
            case CallRole.SpeakingRole:
                return row.user_id in self._speaking
            case CallRole.MutedRole:
                return row.muted
            case CallRole.VolumeRole:
                return self.volume(row.user_id)
            case CallRole.VideoRole:
                return self._frames.get(row.user_id)
        return None

    def _describe(self, row: CallPerson) -> str:
        """ "Ada — Moderator · VOIP · Connected · muted", for tooltips and screen readers."""
        role = self.tr("Moderator") if row.role is Role.MODERATOR else self.tr("Participant")
        parts = [role, audio_label(row.audio), state_label(self.state(row))]
        if row.muted:
            parts.append(self.tr("muted"))
        if row.user_id in self._speaking:
            parts.append(self.tr("speaking"))
        volume = self.volume(row.user_id)
        if volume != 1.0:
            parts.append(self.tr("volume {percent} %").format(percent=round(volume * 100)))
        return f"{row.name} — {' · '.join(parts)}"

    # Keeping rows current

    def _take_level(self, row: CallPerson, level: float, now: float) -> None:
        user = row.user_id
        if level >= SPEAKING_LEVEL:
            self._heard[user] = now
        heard = self._heard.get(user)
        speaking = not row.muted and heard is not None and now - heard < SPEAKING_HOLD
        shown = round(level / LEVEL_STEP) * LEVEL_STEP
        roles: list[int] = []
        if abs(shown - self._levels.get(user, 0.0)) > LEVEL_STEP / 2:
            self._levels[user] = shown
            roles.append(CallRole.LevelRole)
        if speaking != (user in self._speaking):
            (self._speaking.add if speaking else self._speaking.discard)(user)
            roles += [CallRole.SpeakingRole, *DESCRIBED]
        if roles:
            self._changed(user, *roles)

    def _changed(self, user: str, *roles: int) -> None:
        at = self.index_of(user)
        if at.isValid():
            self.dataChanged.emit(at, at, list(roles))

    def _forget_all_but(self, users: set[UserId]) -> None:
        """Drop what the engine said of people no longer in the call."""
        for store in (self._states, self._levels, self._heard, self._frames):
            for user in set(store) - users:
                del store[user]
        self._speaking &= users

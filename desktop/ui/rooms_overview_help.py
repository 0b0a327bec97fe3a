"""The help-requests strip of the rooms overview: who asked for help, in which
room, how long ago, with "Go to room" and "Clear" for each.

Requests are few (a handful at a time) and each needs two buttons, so the strip
is a short column of small row widgets, rebuilt only when the set of requests
changes; the ages are re-read from the injected clock on every tick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core import Conversation, RoomId, UserId
from desktop.ui.resources import icon
from desktop.ui.rooms_overview_notice import TintedFrame, blended, tinted
from desktop.ui.theme import help_badge

SHOWN = 4
"""Requests listed one by one; the rest are counted."""


@dataclass(frozen=True, slots=True)
class HelpRequest:
    user_id: UserId
    name: str
    room_id: RoomId | None
    room_name: str
    at: float


def help_requests(conversation: Conversation) -> list[HelpRequest]:
    """The open help requests, oldest first (they have waited longest)."""
    breakouts = conversation.breakouts
    names = {room.id: room.name for room in breakouts.rooms}
    main = QCoreApplication.translate("RoomsOverviewModel", "Main room")
    requests = []
    for user, at in breakouts.help_requests.items():
        member = conversation.members.get(user)
        if member is None:
            continue
        room_id = breakouts.current_room(user)
        room_name = names.get(room_id, main) if room_id is not None else main
        requests.append(HelpRequest(user, member.display_name, room_id, room_name, at))
    return sorted(requests, key=lambda request: (request.at, request.name.casefold()))


def age_text(seconds: float) -> str:
    """How long ago: "just now", "3 min ago", "1 h 5 min ago"."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return QCoreApplication.translate("HelpStrip", "just now")
    if minutes < 60:
        return QCoreApplication.translate("HelpStrip", "{n} min ago").format(n=minutes)
    return QCoreApplication.translate("HelpStrip", "{h} h {m} min ago").format(
        h=minutes // 60, m=minutes % 60
    )


def _help_tint(palette: QPalette) -> QColor:
    return blended(palette, help_badge(palette), 0.14)


class HelpStrip(TintedFrame):
    """Open help requests, each with "Go to room" and "Clear"; hidden when none.

    Signals:
        go_to_room_clicked(object): the room (``RoomId``, ``None`` = main room).
        clear_clicked(str): the user whose request the moderator cleared.
    """

    go_to_room_clicked = Signal(object)
    clear_clicked = Signal(str)

    def __init__(self, now: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(_help_tint, help_badge, parent)
        self._now = now
        self._requests: tuple[HelpRequest, ...] = ()
        self._ages: list[tuple[QLabel, HelpRequest]] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(16, 10, 10, 10)
        self._layout.setSpacing(6)
        self._title = QLabel()
        font = QFont(self._title.font())
        font.setWeight(QFont.Weight.DemiBold)
        self._title.setFont(font)
        self._title_icon = QLabel()
        title_row = QHBoxLayout()
        title_row.setSpacing(8)
        title_row.addWidget(self._title_icon)
        title_row.addWidget(self._title, 1)
        self._layout.addLayout(title_row)
        self._rows: list[QWidget] = []
        self.setAccessibleName(self.tr("Help requests"))
        self.hide()

    @property
    def requests(self) -> tuple[HelpRequest, ...]:
        return self._requests

    def show_requests(self, requests: Sequence[HelpRequest]) -> None:
        if tuple(requests) == self._requests:
            return
        self._requests = tuple(requests)
        for row in self._rows:
            row.hide()
            row.setParent(None)  # out of findChild's reach at once
            row.deleteLater()
        self._rows = []
        self._ages = []
        for request in self._requests[:SHOWN]:
            self._add_row(self._request_row(request))
        hidden = len(self._requests) - SHOWN
        if hidden > 0:
            more = QLabel(self.tr("and {n} more — see the rooms below").format(n=hidden))
            self._add_row(more)
        count = len(self._requests)
        self._title.setText(self.tr("Help requested ({n})").format(n=count))
        colour = help_badge(self.palette())
        self._title_icon.setPixmap(tinted("help", colour, 18, self.devicePixelRatioF()))
        self.setVisible(bool(self._requests))
        self.refresh_ages()

    def refresh_ages(self) -> None:
        now = self._now()
        for label, request in self._ages:
            label.setText(
                self.tr("in {room} · {age}").format(
                    room=request.room_name, age=age_text(now - request.at)
                )
            )

    def _add_row(self, row: QWidget) -> None:
        self._rows.append(row)
        self._layout.addWidget(row)

    def _request_row(self, request: HelpRequest) -> QWidget:
        row = QWidget()
        name = QLabel(request.name)
        font = QFont(name.font())
        font.setWeight(QFont.Weight.DemiBold)
        name.setFont(font)
        where = QLabel()
        where.setWordWrap(True)  # long room names wrap instead of widening the panel
        where.setMinimumWidth(80)
        muted = where.palette()
        muted.setColor(
            QPalette.ColorRole.WindowText, muted.color(QPalette.ColorRole.PlaceholderText)
        )
        where.setPalette(muted)
        self._ages.append((where, request))
        go = QPushButton(icon("join"), self.tr("Go to room"))
        go.setAccessibleName(
            self.tr("Go to {room}, where {name} asked for help").format(
                room=request.room_name, name=request.name
            )
        )
        go.clicked.connect(lambda: self.go_to_room_clicked.emit(request.room_id))
        clear = QPushButton(self.tr("Clear"))
        clear.setToolTip(self.tr("Mark {name}'s request as handled").format(name=request.name))
        clear.setAccessibleName(self.tr("Clear {name}'s help request").format(name=request.name))
        clear.clicked.connect(lambda: self.clear_clicked.emit(str(request.user_id)))
        layout = QHBoxLayout(row)
        layout.setContentsMargins(26, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(name)
        layout.addWidget(where, 1)
        layout.addWidget(go)
        layout.addWidget(clear)
        row.setObjectName(f"help-{request.user_id}")
        return row

    def buttons_of(self, user: UserId) -> tuple[QPushButton, QPushButton]:
        """The "Go to room" and "Clear" buttons of ``user``'s request."""
        row = self.findChild(QWidget, f"help-{user}")
        if row is None:
            raise KeyError(user)
        go, clear = row.findChildren(QPushButton)
        return go, clear

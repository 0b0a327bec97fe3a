"""The top of the rooms overview: where the session stands, its countdown, and
the moderator's session-wide actions (broadcast, extend, end).

The time shown is whatever the owner passes to
:meth:`RoomsOverviewHeader.show_time`; the overview reads it from an injected
clock every second. Nothing here blocks: the end confirmation opens with
``QMessageBox.open()`` and answers through its ``finished`` signal.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Breakouts, Phase
from desktop.ui.resources import icon
from desktop.ui.theme import help_badge, is_dark

EXTENSIONS = (5 * 60, 10 * 60, 15 * 60)
"""What "Extend time" offers, in seconds."""

URGENT = 60
"""Seconds left from which the countdown is drawn in the warning colour."""


def clock_text(seconds: float) -> str:
    """A duration as "12:34" or "1:02:03"; a started second counts as a whole one."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _destructive(palette: QPalette) -> QColor:
    """The red of a button that ends something; white text reads on it."""
    return QColor("#b42318" if is_dark(palette) else "#a8201a")


def _tr(text: str) -> str:
    return QCoreApplication.translate("RoomsOverviewHeader", text)


def countdown_text(breakouts: Breakouts, now: float) -> str:
    """What the countdown says: "12:34 left", "Closing in 0:45", "No time limit"."""
    if breakouts.phase is Phase.CLOSING:
        if breakouts.closing_at is None:
            return _tr("Closing")
        return _tr("Closing in {time}").format(time=clock_text(breakouts.closing_at - now))
    if breakouts.phase is not Phase.RUNNING:
        return ""
    if breakouts.deadline is None:
        return _tr("No time limit")
    return _tr("{time} left").format(time=clock_text(breakouts.deadline - now))


def seconds_left(breakouts: Breakouts, now: float) -> float | None:
    """Until the rooms close (or the closing countdown ends); ``None``: no limit."""
    end = breakouts.closing_at if breakouts.phase is Phase.CLOSING else breakouts.deadline
    return None if end is None or not breakouts.is_live else end - now


class RoomsOverviewHeader(QWidget):
    """Session state, countdown and the session-wide buttons.

    Signals:
        broadcast_requested(str): the moderator sent a message to every room.
        extend_requested(int): add this many seconds to the time limit.
        end_requested(): the moderator confirmed ending the breakout sessions.
    """

    broadcast_requested = Signal(str)
    extend_requested = Signal(int)
    end_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._breakouts = Breakouts()
        self._left: float | None = None
        self._confirmation: QMessageBox | None = None
        self._build()
        self._apply_icons()

    # Building

    def _build(self) -> None:
        self._title = QLabel(self.tr("Breakout rooms"))
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setWeight(QFont.Weight.DemiBold)
        self._title.setFont(title_font)
        self._state = QLabel()
        self._state.setAccessibleName(self.tr("Session state"))
        self._countdown = QLabel()
        self._countdown.setAccessibleName(self.tr("Time left"))
        countdown_font = QFont(title_font)
        countdown_font.setFeature(QFont.Tag("tnum"), 1)  # digits keep their width
        self._countdown.setFont(countdown_font)
        self._timer_icon = QLabel()

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self._title)
        self._dot = QLabel("●")
        self._dot.setAccessibleName(self.tr("Session state colour"))
        state_row = QHBoxLayout()
        state_row.setSpacing(6)
        state_row.addWidget(self._dot)
        state_row.addWidget(self._state, 1)
        titles.addLayout(state_row)
        top.addLayout(titles, 1)
        top.addWidget(self._timer_icon, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self._countdown, 0, Qt.AlignmentFlag.AlignVCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(self._build_buttons())
        layout.addWidget(self._build_composer())

    def _build_buttons(self) -> QHBoxLayout:
        self.broadcast_button = QPushButton(self.tr("Broadcast message"))
        self.broadcast_button.setAccessibleName(self.tr("Broadcast a message to every room"))
        self.broadcast_button.clicked.connect(self.on_broadcast_button_clicked)

        self.extend_button = QPushButton(self.tr("Extend time"))
        self.extend_button.setAccessibleName(self.tr("Extend the time limit"))
        self.extend_menu = QMenu(self.extend_button)
        for seconds in EXTENSIONS:
            action = self.extend_menu.addAction(self.tr("+{n} min").format(n=seconds // 60))
            action.setData(seconds)
        self.extend_menu.triggered.connect(self.on_extend_menu_triggered)
        self.extend_button.setMenu(self.extend_menu)

        self.end_button = QPushButton(self.tr("End breakout sessions"))
        self.end_button.setAccessibleName(self.tr("End breakout sessions"))
        self.end_button.clicked.connect(self.on_end_button_clicked)

        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.broadcast_button)
        row.addWidget(self.extend_button)
        row.addStretch(1)
        row.addWidget(self.end_button)
        return row

    def _build_composer(self) -> QWidget:
        """The inline broadcast field, hidden until "Broadcast message" is clicked."""
        self.composer = QWidget()
        self.message_edit = QLineEdit()
        self.message_edit.setPlaceholderText(self.tr("Message to every room…"))
        self.message_edit.setAccessibleName(self.tr("Broadcast message"))
        self.message_edit.setClearButtonEnabled(True)
        self.message_edit.textChanged.connect(self.on_message_edit_text_changed)
        self.message_edit.returnPressed.connect(self.on_send_button_clicked)
        self.send_button = QPushButton(self.tr("Send to all rooms"))
        self.send_button.setAccessibleName(self.tr("Send the broadcast"))
        self.send_button.setDefault(True)
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.on_send_button_clicked)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the broadcast"))
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        escape = QAction(self.composer)
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.triggered.connect(self.on_cancel_button_clicked)
        self.composer.addAction(escape)
        row = QHBoxLayout(self.composer)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.message_edit, 1)
        row.addWidget(self.send_button)
        row.addWidget(self.cancel_button)
        self.composer.hide()
        return self.composer

    # Showing the session

    def _apply_icons(self) -> None:
        """(Re)tint the icons and the destructive button for the palette in use."""
        destructive = QPalette(self.palette())
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            destructive.setColor(group, QPalette.ColorRole.Button, _destructive(self.palette()))
            destructive.setColor(group, QPalette.ColorRole.ButtonText, QColor("#ffffff"))
        self.end_button.setPalette(destructive)
        self._timer_icon.setPixmap(icon("timer").pixmap(20, 20))
        self.broadcast_button.setIcon(icon("broadcast"))
        self.extend_button.setIcon(icon("timer"))
        self.send_button.setIcon(icon("send"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() is QEvent.Type.PaletteChange:
            self._apply_icons()
            self._paint_countdown()
            self._paint_dot()

    # Showing the session

    def update_session(self, breakouts: Breakouts, attendees: int, now: float) -> None:
        self._breakouts = breakouts
        self._state.setText(self._state_text(breakouts, attendees))
        self._paint_dot()
        running = breakouts.phase is Phase.RUNNING
        self.extend_button.setEnabled(running and breakouts.deadline is not None)
        self.broadcast_button.setEnabled(breakouts.is_live)
        self.end_button.setEnabled(breakouts.is_live)
        closing = breakouts.phase is Phase.CLOSING
        self.end_button.setText(self.tr("End now") if closing else self.tr("End breakout sessions"))
        if not breakouts.is_live:
            self.on_cancel_button_clicked()
        self.show_time(now)

    def _state_text(self, breakouts: Breakouts, attendees: int) -> str:
        rooms = len(breakouts.rooms)
        states = {
            Phase.RUNNING: self.tr("In progress"),
            Phase.CLOSING: self.tr("Closing — everyone returns to the main room"),
        }
        state = states.get(breakouts.phase, self.tr("Not running"))
        room_count = self.tr("1 room") if rooms == 1 else self.tr("{n} rooms").format(n=rooms)
        people = (
            self.tr("1 attendee")
            if attendees == 1
            else self.tr("{n} attendees").format(n=attendees)
        )
        return " · ".join((state, room_count, people))

    @property
    def countdown(self) -> str:
        return self._countdown.text()

    @property
    def state(self) -> str:
        return self._state.text()

    def show_time(self, now: float) -> None:
        """Show the time left at ``now``; the last minute in the warning colour."""
        self._countdown.setText(countdown_text(self._breakouts, now))
        self._left = seconds_left(self._breakouts, now)
        self._timer_icon.setVisible(bool(self._countdown.text()))
        self._paint_countdown()

    def _paint_dot(self) -> None:
        """Green while rooms run, the warning colour while they close."""
        palette = self._dot.palette()
        phase = self._breakouts.phase
        colour = {
            Phase.RUNNING: QColor("#2fb36a" if is_dark(self.palette()) else "#1f9d55"),
            Phase.CLOSING: help_badge(self.palette()),
        }.get(phase, self.palette().color(QPalette.ColorRole.PlaceholderText))
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self._dot.setPalette(palette)

    def _paint_countdown(self) -> None:
        palette = self.palette()
        urgent = self._left is not None and self._left <= URGENT
        colour = help_badge(palette) if urgent else palette.color(QPalette.ColorRole.WindowText)
        countdown_palette = self._countdown.palette()
        countdown_palette.setColor(QPalette.ColorRole.WindowText, colour)
        self._countdown.setPalette(countdown_palette)

    # Broadcast

    def on_broadcast_button_clicked(self) -> None:
        self.composer.show()
        self.message_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def on_message_edit_text_changed(self, text: str) -> None:
        self.send_button.setEnabled(bool(text.strip()))

    def on_send_button_clicked(self) -> None:
        text = self.message_edit.text().strip()
        if not text:
            return
        self.broadcast_requested.emit(text)
        self.on_cancel_button_clicked()

    def on_cancel_button_clicked(self) -> None:
        self.message_edit.clear()
        self.composer.hide()

    # Extend and end

    def on_extend_menu_triggered(self, action: QAction) -> None:
        self.extend_requested.emit(int(action.data()))

    def on_end_button_clicked(self) -> None:
        """Ask first; the answer comes back through the box's ``finished`` signal."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("End breakout sessions"))
        box.setText(self._end_question())
        box.setInformativeText(self._end_consequence())
        end = box.addButton(self.end_button.text(), QMessageBox.ButtonRole.DestructiveRole)
        end.setAccessibleName(self.tr("Confirm ending the breakout sessions"))
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._on_confirmation_finished(box, end))
        self._confirmation = box
        box.open()

    @property
    def confirmation(self) -> QMessageBox | None:
        """The open end confirmation, if any."""
        return self._confirmation

    def _end_question(self) -> str:
        if self._breakouts.phase is Phase.CLOSING:
            return self.tr("End the breakout sessions now?")
        return self.tr("End the breakout sessions?")

    def _end_consequence(self) -> str:
        countdown = self._breakouts.settings.closing_countdown
        if self._breakouts.phase is Phase.CLOSING:
            return self.tr("The closing countdown stops and everyone returns to the main room now.")
        if countdown is None:
            return self.tr("Everyone returns to the main room now.")
        return self.tr(
            "Every room sees a {time} closing countdown, then everyone returns to the main room."
        ).format(time=clock_text(countdown))

    def _on_confirmation_finished(self, box: QMessageBox, end: QAbstractButton) -> None:
        self._confirmation = None
        if box.clickedButton() is end:
            self.end_requested.emit()

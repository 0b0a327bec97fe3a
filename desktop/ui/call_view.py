"""What someone sees while in a room's call: the people as tiles and the call's
controls.

A banner on top warns when the room has more callers than a peer-to-peer call
can connect. Below the tiles a bar holds what the user can do, which depends
on how they take part (:class:`CallMode`): someone who sends audio mutes and
unmutes, turns the camera on and off and watches their microphone's level; a
Just Listening attendee has no microphone controls, only a note; a phone
attendee, who is on the telephone bridge and not in the call, sees the number
to dial and the room's PIN instead. The remaining time of a breakout session
sits in the middle of the bar.

The view holds no call logic: it shows plain data and reports what the user
asked for through its signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core import AudioConnection, Conversation, RoomId
from desktop.ui.banner import Banner, BannerKind
from desktop.ui.call_grid import CallGrid
from desktop.ui.dialogs.parts import HintLabel, signals_blocked
from desktop.ui.level_meter import LevelMeter
from desktop.ui.models.call_model import CallModel
from desktop.ui.resources import icon

ICON = QSize(18, 18)
_LEAVE_STYLE = """
QPushButton#leave_call {
    color: #ffffff; background: #b3261e; border: 1px solid #8c1d18;
    border-radius: 4px; padding: 3px 12px;
}
QPushButton#leave_call:hover { background: #c62828; }
QPushButton#leave_call:pressed { background: #8c1d18; }
QPushButton#leave_call:focus { border: 2px solid palette(highlight); }
"""
"""White on a deep red (contrast 6.5) in both themes; the style's own button
would lighten the red until white text no longer reads on it."""


class CallMode(StrEnum):
    """How the user takes part in the call."""

    SENDING = "sending"
    LISTENING = "listening"
    PHONE = "phone"


def mode_for(audio: AudioConnection) -> CallMode:
    """The call mode of someone with ``audio``."""
    match audio:
        case AudioConnection.VOIP:
            return CallMode.SENDING
        case AudioConnection.JUST_LISTENING:
            return CallMode.LISTENING
        case AudioConnection.PHONE:
            return CallMode.PHONE


@dataclass(frozen=True)
class DialIn:
    """How to reach a room by phone; the main room has a number but no PIN."""

    number: str
    pin: str | None


def dial_in_for(conversation: Conversation, room_id: RoomId | None) -> DialIn | None:
    """The bridge's number and the PIN of ``room_id``; ``None`` without a bridge."""
    breakouts = conversation.breakouts
    bridge = breakouts.settings.bridge
    if bridge is None:
        return None
    pin = None if room_id is None else bridge.pin_for(breakouts.position(room_id))
    return DialIn(bridge.dial_in_number, pin)


class CallView(QWidget):
    """The tiles of a call with a warning banner above and the controls below.

    Signals:
        mute_toggled(bool): the user muted (``True``) or unmuted their microphone.
        camera_toggled(bool): the user turned their camera on (``True``) or off.
        devices_requested(): the user wants to choose microphone and speaker.
        leave_requested(): the user wants to leave the call.
        volume_changed(str, float): the user set how loud a peer plays (user id,
            gain 0–2).
    """

    mute_toggled = Signal(bool)
    camera_toggled = Signal(bool)
    devices_requested = Signal()
    leave_requested = Signal()
    volume_changed = Signal(str, float)

    def __init__(self, model: CallModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("call_view")
        self._model: CallModel | None = None
        self._mode = CallMode.SENDING
        self._too_large: tuple[int, int] | None = None
        self.banner = Banner(self)
        self.grid = CallGrid(self)
        self.mute_button = self._button(self.tr("Mute"), checkable=True)
        self.mute_button.toggled.connect(self.on_mute_button_toggled)
        self.camera_button = self._button(self.tr("Start camera"), checkable=True)
        self.camera_button.toggled.connect(self.on_camera_button_toggled)
        self.devices_button = self._button(self.tr("Devices…"), "settings")
        self.devices_button.setToolTip(self.tr("Choose your microphone and speaker"))
        self.devices_button.clicked.connect(self.devices_requested)
        self.leave_button = self._leave_button()
        self.leave_button.clicked.connect(self.leave_requested)
        self.meter = LevelMeter(self)
        self.meter.setAccessibleName(self.tr("Your microphone level"))
        self.meter.setToolTip(self.tr("How loud your microphone hears you"))
        self.meter.setFixedWidth(110)
        self.mic_icon = _icon_label("mic", self)
        self.listening_note = IconNote("listening", self.tr("Listening only"), self)
        self.listening_note.setToolTip(self.tr("You hear the call; your microphone is not used."))
        self.phone_panel = PhonePanel(self)
        self.remaining = IconNote("timer", "", self)
        self._lay_out()
        self.set_model(model if model is not None else CallModel(parent=self))
        self.set_muted(False)
        self.set_camera_available(True)
        self.set_mode(CallMode.SENDING)
        self.set_remaining(None)

    # Building

    def _button(
        self, text: str, icon_name: str | None = None, *, checkable: bool = False
    ) -> QPushButton:
        button = QPushButton(text, self)
        if icon_name is not None:
            button.setIcon(icon(icon_name))
        button.setIconSize(ICON)
        button.setAccessibleName(text)
        button.setCheckable(checkable)
        button.setAutoDefault(False)
        return button

    def _leave_button(self) -> QPushButton:
        """A red button: leaving is the one control that ends something."""
        button = self._button(self.tr("Leave call"))
        button.setObjectName("leave_call")
        ink = QPalette()
        ink.setColor(QPalette.ColorRole.WindowText, QColor("#ffffff"))
        button.setIcon(icon("leave_call", ink))
        button.setStyleSheet(_LEAVE_STYLE)
        return button

    def _lay_out(self) -> None:
        bar = QFrame(self)
        bar.setObjectName("call_bar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(8)
        for widget in (self.mute_button, self.camera_button, self.mic_icon, self.meter):
            row.addWidget(widget)
        row.addWidget(self.listening_note)
        row.addWidget(self.phone_panel)
        row.addStretch(1)
        row.addWidget(self.remaining)
        row.addStretch(1)
        row.addWidget(self.devices_button)
        row.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.grid, 1)
        layout.addWidget(bar)

    # The people

    def model(self) -> CallModel:
        assert self._model is not None, "the constructor sets a model"
        return self._model

    def set_model(self, model: CallModel) -> None:
        if self._model is not None:
            self._model.volume_changed.disconnect(self.volume_changed)
        self._model = model
        self.grid.setModel(model)
        model.volume_changed.connect(self.volume_changed)

    # How the user takes part

    def mode(self) -> CallMode:
        return self._mode

    def set_mode(self, mode: CallMode, dial_in: DialIn | None = None) -> None:
        """Show the controls of ``mode``; ``dial_in`` is for :attr:`CallMode.PHONE`."""
        self._mode = mode
        sending = mode is CallMode.SENDING
        for widget in (self.mute_button, self.camera_button, self.mic_icon, self.meter):
            widget.setVisible(sending)
        self.listening_note.setVisible(mode is CallMode.LISTENING)
        self.phone_panel.setVisible(mode is CallMode.PHONE)
        self.phone_panel.set_dial_in(dial_in)
        in_call = mode is not CallMode.PHONE
        self.devices_button.setVisible(in_call)
        self.leave_button.setVisible(in_call)

    def set_muted(self, muted: bool) -> None:
        """Show the microphone as muted or not, without reporting it back."""
        with signals_blocked(self.mute_button):
            self.mute_button.setChecked(muted)
        self._show_muted(muted)

    def is_muted(self) -> bool:
        return self.mute_button.isChecked()

    def set_camera_available(self, available: bool) -> None:
        """Without a camera the button is off and says why."""
        self.camera_button.setEnabled(available)
        if not available:
            self.set_camera_on(False)
        self._show_camera(self.camera_button.isChecked())

    def set_camera_on(self, on: bool) -> None:
        """Show the camera as on or off, without reporting it back."""
        with signals_blocked(self.camera_button):
            self.camera_button.setChecked(on)
        self._show_camera(on)

    def set_input_level(self, level: float) -> None:
        """The level (0–1) of the user's own microphone, as often as it is measured."""
        self.meter.set_level(level)

    # What the call is like

    def set_too_large(self, callers: int | None, limit: int) -> None:
        """Warn that ``callers`` are more than a peer-to-peer call connects
        (``limit``); ``None`` when the call is small enough again."""
        state = None if callers is None else (callers, limit)
        self.grid.set_audio_off(state is not None)
        if state == self._too_large:
            return
        self._too_large = state
        if callers is None:
            self.banner.hide()
            return
        text = self.tr(
            "There are {callers} people in this call. A call without a media server "
            "connects at most {limit}, so audio is off in this room for now; it comes "
            "back on when the call is down to {limit}."
        ).format(callers=callers, limit=limit)
        self.banner.show_message(text, kind=BannerKind.WARNING)

    def set_remaining(self, text: str | None) -> None:
        """The breakout session's remaining time, e.g. "12:30 left"; ``None`` hides it."""
        self.remaining.set_text(text or "")
        self.remaining.setVisible(bool(text))

    # Slots

    def on_mute_button_toggled(self, muted: bool) -> None:
        self._show_muted(muted)
        self.mute_toggled.emit(muted)

    def on_camera_button_toggled(self, on: bool) -> None:
        self._show_camera(on)
        self.camera_toggled.emit(on)

    def _show_muted(self, muted: bool) -> None:
        """The icon shows the microphone's state, the text what a click does."""
        text = self.tr("Unmute") if muted else self.tr("Mute")
        self.mute_button.setText(text)
        self.mute_button.setAccessibleName(text)
        self.mute_button.setIcon(icon("mic_off" if muted else "mic"))
        tip = (
            self.tr("You are muted: nobody hears you") if muted else self.tr("Mute your microphone")
        )
        self.mute_button.setToolTip(tip)
        self.mic_icon.setPixmap(
            icon("mic_off" if muted else "mic").pixmap(ICON, self.devicePixelRatioF())
        )

    def _show_camera(self, on: bool) -> None:
        text = self.tr("Stop camera") if on else self.tr("Start camera")
        self.camera_button.setText(text)
        self.camera_button.setAccessibleName(text)
        self.camera_button.setIcon(icon("camera" if on else "camera_off"))
        if not self.camera_button.isEnabled():
            self.camera_button.setToolTip(self.tr("No camera found"))
        else:
            self.camera_button.setToolTip(
                self.tr("Others see you") if on else self.tr("Let others see you")
            )


class IconNote(QWidget):
    """A line of text with an icon before it, such as "Listening only"."""

    def __init__(self, icon_name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text, self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(_icon_label(icon_name, self))
        layout.addWidget(self.label)
        self.setAccessibleName(text)

    def text(self) -> str:
        return self.label.text()

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)


class PhonePanel(QFrame):
    """ "Dial in: +1 555 0100, PIN 123456" for a phone attendee, selectable to copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phone_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.details = QLabel(self)
        font = self.details.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.details.setFont(font)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.details.setAccessibleName(self.tr("Dial-in details"))
        self.hint = HintLabel(self.tr("You talk and listen through the phone, not this app."), self)
        self.hint.setWordWrap(False)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.details)
        text.addWidget(self.hint)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 14, 6)
        layout.setSpacing(10)
        phone = QLabel(self)
        phone.setPixmap(icon("phone").pixmap(QSize(24, 24), self.devicePixelRatioF()))
        layout.addWidget(phone, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(text)

    def set_dial_in(self, dial_in: DialIn | None) -> None:
        if dial_in is None:
            text = self.tr("No dial-in details are set up; ask a moderator for the number.")
        elif dial_in.pin is None:
            text = self.tr("Dial in: {number}").format(number=dial_in.number)
        else:
            text = self.tr("Dial in: {number}, PIN {pin}").format(
                number=dial_in.number, pin=dial_in.pin
            )
        self.details.setText(text)
        self.details.setWordWrap(dial_in is None)
        self.setAccessibleDescription(text)


def _icon_label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setPixmap(icon(name).pixmap(ICON, parent.devicePixelRatioF()))
    return label

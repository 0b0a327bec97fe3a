"""The group boxes that edit :class:`~desktop.core.BreakoutSettings`: how attendees
get their rooms, the time limit and closing countdown, and the phone bridge.

The set-up dialog and the Breakout Rooms page lay the boxes out differently, so
each box is a widget of its own; :class:`SettingsEditor` reads and fills them
together and turns their values into settings the domain accepts.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.core import AssignmentMode, BreakoutSettings, DomainError
from desktop.core.breakouts import MAX_CLOSING_COUNTDOWN, MAX_DURATION, validate_settings

from .parts import HintLabel, InvalidInput, signals_blocked
from .phone_box import PhoneBridgeBox

DEFAULT_TIME_LIMIT = 15 * 60
DEFAULT_CLOSING_COUNTDOWN = 60


class AssignmentBox(QGroupBox):
    """Three choices of how attendees get their rooms, each with a line explaining it.

    Signals:
        edited(): the user picked another mode.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Assignment"), parent)
        self._group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        choices = (
            (self.tr("&Automatic"), self.tr("Smart Distribute fills the rooms evenly right away.")),
            (self.tr("&Manual"), self.tr("You drag attendees into rooms yourself.")),
            (self.tr("&Participants choose"), self.tr("Each participant picks a room to join.")),
        )
        indent = _indicator_indent(self, QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
        for number, (mode, (text, hint)) in enumerate(zip(AssignmentMode, choices, strict=True)):
            button = QRadioButton(text, self)
            button.setAccessibleName(text.replace("&", ""))
            button.setAccessibleDescription(hint)
            self._group.addButton(button, number)
            label = HintLabel(hint, self)
            label.setContentsMargins(indent, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(label)
            button.setObjectName(f"mode_{mode.value}")
        layout.addStretch(1)
        self.set_mode(AssignmentMode.MANUAL)
        self._group.idClicked.connect(self.on_group_id_clicked)

    def mode(self) -> AssignmentMode:
        return list(AssignmentMode)[self._group.checkedId()]

    def set_mode(self, mode: AssignmentMode) -> None:
        self._group.button(list(AssignmentMode).index(mode)).setChecked(True)

    def button(self, mode: AssignmentMode) -> QRadioButton:
        button = self._group.button(list(AssignmentMode).index(mode))
        assert isinstance(button, QRadioButton)
        return button

    def on_group_id_clicked(self, _number: int) -> None:
        self.edited.emit()


class TimingBox(QGroupBox):
    """An optional time limit (minutes) and an optional closing countdown (seconds).

    A limit loaded in seconds that is not a whole number of minutes is kept exact
    unless the user changes it.

    Signals:
        edited(): the user changed a value or ticked a box.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Timing"), parent)
        self.limit_check = QCheckBox(self.tr("&Time limit"), self)
        self.limit_minutes = _spin(self, 1, MAX_DURATION // 60, self.tr(" min"))
        self.countdown_check = QCheckBox(self.tr("&Closing countdown"), self)
        self.countdown_seconds = _spin(self, 1, MAX_CLOSING_COUNTDOWN, self.tr(" s"))
        self.limit_minutes.setAccessibleName(self.tr("Time limit in minutes"))
        self.countdown_seconds.setAccessibleName(self.tr("Closing countdown in seconds"))
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        limit_hint = self.tr("The rooms close by themselves when time is up.")
        countdown_hint = self.tr(
            "When the session ends, attendees get this long to finish before they "
            "return to the main room."
        )
        indent = _indicator_indent(self, QStyle.PixelMetric.PM_IndicatorWidth)
        rows = (
            (self.limit_check, self.limit_minutes, limit_hint),
            (self.countdown_check, self.countdown_seconds, countdown_hint),
        )
        for check, spin, hint in rows:
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(spin)
            row.addStretch(1)
            label = HintLabel(hint, self)
            label.setContentsMargins(indent, 0, 0, 6)
            layout.addLayout(row)
            layout.addWidget(label)
        layout.addStretch(1)
        self._exact_limit: int | None = None
        self.set_times(None, None)
        for check in (self.limit_check, self.countdown_check):
            check.toggled.connect(self.on_check_toggled)
            check.clicked.connect(self.edited)
        for spin in (self.limit_minutes, self.countdown_seconds):
            spin.valueChanged.connect(self.on_spin_value_changed)

    def time_limit(self) -> int | None:
        if not self.limit_check.isChecked():
            return None
        minutes = self.limit_minutes.value()
        if self._exact_limit is not None and math.ceil(self._exact_limit / 60) == minutes:
            return self._exact_limit
        return minutes * 60

    def closing_countdown(self) -> int | None:
        return self.countdown_seconds.value() if self.countdown_check.isChecked() else None

    def set_times(self, time_limit: int | None, closing_countdown: int | None) -> None:
        """Show the durations (in seconds, ``None`` for none) without reporting an edit."""
        widgets = (
            self.limit_check,
            self.limit_minutes,
            self.countdown_check,
            self.countdown_seconds,
        )
        with signals_blocked(*widgets):
            self._exact_limit = time_limit
            self.limit_check.setChecked(time_limit is not None)
            self.limit_minutes.setValue(math.ceil((time_limit or DEFAULT_TIME_LIMIT) / 60))
            self.countdown_check.setChecked(closing_countdown is not None)
            self.countdown_seconds.setValue(closing_countdown or DEFAULT_CLOSING_COUNTDOWN)
        self.on_check_toggled()

    def on_check_toggled(self) -> None:
        self.limit_minutes.setEnabled(self.limit_check.isChecked())
        self.countdown_seconds.setEnabled(self.countdown_check.isChecked())

    def on_spin_value_changed(self) -> None:
        if self.sender() is self.limit_minutes:
            self._exact_limit = None
        self.edited.emit()


def _indicator_indent(widget: QWidget, indicator: QStyle.PixelMetric) -> int:
    """How far a check box's or radio button's text starts from its left edge."""
    style = widget.style()
    spacing = style.pixelMetric(QStyle.PixelMetric.PM_RadioButtonLabelSpacing)
    return style.pixelMetric(indicator) + spacing


def _spin(parent: QWidget, minimum: int, maximum: int, suffix: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    spin.setMinimumWidth(90)
    return spin


class SettingsEditor(QObject):
    """Reads and fills the three boxes together.

    Remembers whether the user changed anything since the settings were last
    loaded, so a page can keep those edits when the server's state changes.

    Signals:
        edited(): the user changed any value.
    """

    edited = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.assignment = AssignmentBox(parent)
        self.timing = TimingBox(parent)
        self.phone = PhoneBridgeBox(parent)
        self._modified = False
        for box in (self.assignment, self.timing, self.phone):
            box.edited.connect(self.on_box_edited)

    @property
    def modified(self) -> bool:
        return self._modified

    def boxes(self) -> tuple[QGroupBox, ...]:
        return (self.assignment, self.timing, self.phone)

    def settings(self) -> BreakoutSettings:
        """The settings as typed; raises :class:`InvalidInput` explaining what to fix."""
        settings = BreakoutSettings(
            mode=self.assignment.mode(),
            time_limit=self.timing.time_limit(),
            closing_countdown=self.timing.closing_countdown(),
            phone_room_limit=self.phone.phone_room_limit(),
            bridge=self.phone.bridge(),
        )
        try:
            return validate_settings(settings)
        except DomainError as error:
            raise InvalidInput(error.message) from None

    def set_settings(self, settings: BreakoutSettings) -> None:
        """Show ``settings``; what the user typed before is replaced."""
        self.assignment.set_mode(settings.mode)
        self.timing.set_times(settings.time_limit, settings.closing_countdown)
        self.phone.set_values(settings.phone_room_limit, settings.bridge)
        self._modified = False

    def mark_saved(self) -> None:
        """The values shown are what the server has (or is about to have)."""
        self._modified = False

    def set_read_only(self, read_only: bool) -> None:
        for box in self.boxes():
            box.setEnabled(not read_only)

    def on_box_edited(self) -> None:
        self._modified = True
        self.edited.emit()

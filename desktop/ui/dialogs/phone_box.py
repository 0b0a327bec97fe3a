"""The phone part of the breakout settings: how many rooms the telephone bridge
reaches, and optionally its dial-in number and one PIN per reachable room."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import PhoneBridge
from desktop.core.breakouts import DEFAULT_PHONE_ROOM_LIMIT, MAX_ROOMS

from .parts import HintLabel, InvalidInput, signals_blocked
from .pins import MAX_PIN_LENGTH, PinColumn, PinDelegate, PinsModel

MIN_PIN_LENGTH = 3
_DIGITS = frozenset("0123456789")
_DIAL_IN_EXTRAS = frozenset("+-() ")


class PhoneBridgeBox(QGroupBox):
    """Phone rooms and dial-in details.

    Phone attendees can only be placed in breakouts 1 to the phone room limit;
    with dial-in details, each of those rooms has a PIN callers enter.

    Signals:
        edited(): the user changed a value, ticked the box or generated PINs.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Phone"), parent)
        self.rng: random.Random = random.SystemRandom()
        self.rooms = QSpinBox(self)
        self.rooms.setRange(1, MAX_ROOMS)
        self.rooms.setAccessibleName(self.tr("Rooms reachable by phone"))
        self.rooms_hint = HintLabel(parent=self)
        self.dial_in_check = QCheckBox(self.tr("&Dial-in details for phone attendees"), self)
        self.dial_in = QLineEdit(self)
        self.dial_in.setPlaceholderText(self.tr("e.g. +1 555 0100 200"))
        self.dial_in.setAccessibleName(self.tr("Dial-in number"))
        self.pins = PinsModel(self)
        self.pin_view = self._pin_view()
        self._dial_in_label = QLabel(self.tr("Dial-in &number:"), self)
        self._dial_in_label.setBuddy(self.dial_in)
        self._pins_label = QLabel(self.tr("Room &PINs:"), self)
        self._pins_label.setBuddy(self.pin_view)
        self.generate_button = QPushButton(self.tr("&Generate PINs"), self)
        self.generate_button.setAutoDefault(False)
        self.generate_button.setToolTip(self.tr("Give every room without a PIN a random one"))
        self._lay_out()
        self.set_values(DEFAULT_PHONE_ROOM_LIMIT, None)
        self.rooms.valueChanged.connect(self.on_rooms_value_changed)
        self.dial_in_check.clicked.connect(self.on_dial_in_check_clicked)
        self.dial_in.textEdited.connect(self.edited)
        self.generate_button.clicked.connect(self.on_generate_button_clicked)
        self.pins.dataChanged.connect(self.on_pins_data_changed)

    def _pin_view(self) -> QTableView:
        view = QTableView(self)
        view.setModel(self.pins)
        view.setItemDelegateForColumn(PinColumn.PIN, PinDelegate(view))
        view.setAccessibleName(self.tr("Room PINs"))
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(view.fontMetrics().height() + 10)
        header = view.horizontalHeader()
        header.setSectionResizeMode(PinColumn.ROOM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PinColumn.PIN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PinColumn.PIN, view.fontMetrics().horizontalAdvance("0" * 14))
        view.setMinimumHeight(header.sizeHint().height() + round(rows.defaultSectionSize() * 4.5))
        return view

    def _lay_out(self) -> None:
        rooms = QHBoxLayout()
        rooms.addWidget(self.rooms)
        rooms.addWidget(self.rooms_hint, 1)
        generate = QHBoxLayout()
        generate.addStretch(1)
        generate.addWidget(self.generate_button)
        pins = QVBoxLayout()
        pins.addWidget(self.pin_view, 1)
        pins.addLayout(generate)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rooms_label = QLabel(self.tr("Phone &rooms:"), self)
        rooms_label.setBuddy(self.rooms)
        form.addRow(rooms_label, rooms)
        form.addRow(self.dial_in_check)
        form.addRow(self._dial_in_label, self.dial_in)
        form.addRow(self._pins_label, pins)

    # Values

    def phone_room_limit(self) -> int:
        return self.rooms.value()

    def bridge(self) -> PhoneBridge | None:
        """The bridge as typed, ``None`` without dial-in details; raises
        :class:`InvalidInput` when the number or a PIN cannot be used."""
        if not self.dial_in_check.isChecked():
            return None
        return PhoneBridge(self._checked_dial_in(), self._checked_pins())

    def set_values(self, phone_room_limit: int, bridge: PhoneBridge | None) -> None:
        with signals_blocked(self.rooms, self.dial_in_check, self.dial_in, self.pins):
            self.rooms.setValue(phone_room_limit)
            self.dial_in_check.setChecked(bridge is not None)
            if bridge is not None:
                self.dial_in.setText(bridge.dial_in_number)
                self.pins.set_pins(bridge.pins)
        self.pins.set_count(phone_room_limit)
        self._refresh()

    def set_room_names(self, names: Sequence[str]) -> None:
        self.pins.set_room_names(names)

    def set_pins_visible(self, visible: bool) -> None:
        """Show or hide the PINs: participants should not learn every room's PIN."""
        for widget in (self.pin_view, self._pins_label, self.generate_button):
            widget.setVisible(visible)

    # Checks

    def _checked_dial_in(self) -> str:
        number = " ".join(self.dial_in.text().split())
        digits = sum(char in _DIGITS for char in number)
        if not number:
            raise InvalidInput(self.tr("Enter the bridge's dial-in number."), self._focus_dial_in)
        if digits < 3 or any(char not in _DIGITS | _DIAL_IN_EXTRAS for char in number):
            message = self.tr(
                "A dial-in number has at least 3 digits, and besides digits only "
                "spaces, '+', '-' and brackets."
            )
            raise InvalidInput(message, self._focus_dial_in)
        return number

    def _checked_pins(self) -> tuple[str, ...]:
        pins = self.pins.pins()
        for row, pin in enumerate(pins):
            if not pin:
                message = self.tr(
                    "Breakout %n needs a PIN: type one, or use Generate PINs.", "", row + 1
                )
                raise InvalidInput(message, self._focus_pin(row))
            if not (set(pin) <= _DIGITS and MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH):
                message = self.tr("The PIN of breakout {room} must have {least} to {most} digits.")
                text = message.format(room=row + 1, least=MIN_PIN_LENGTH, most=MAX_PIN_LENGTH)
                raise InvalidInput(text, self._focus_pin(row))
        for row, pin in enumerate(pins):
            first = pins.index(pin)
            if first < row:
                message = self.tr(
                    "Breakouts {first} and {second} have the same PIN; each needs its own."
                )
                text = message.format(first=first + 1, second=row + 1)
                raise InvalidInput(text, self._focus_pin(row))
        return pins

    def _focus_dial_in(self) -> None:
        self.dial_in.setFocus(Qt.FocusReason.OtherFocusReason)
        self.dial_in.selectAll()

    def _focus_pin(self, row: int) -> Callable[[], None]:
        def focus() -> None:
            index = self.pins.index(row, PinColumn.PIN)
            self.pin_view.setCurrentIndex(index)
            self.pin_view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.pin_view.scrollTo(index)

        return focus

    # Slots

    def on_rooms_value_changed(self, count: int) -> None:
        self.pins.set_count(count)
        self._refresh()
        self.edited.emit()

    def on_dial_in_check_clicked(self) -> None:
        self._refresh()
        self.edited.emit()

    def on_generate_button_clicked(self) -> None:
        self.pins.generate(self.rng)

    def on_pins_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if top_left.column() <= PinColumn.PIN <= bottom_right.column():
            self.edited.emit()

    def _refresh(self) -> None:
        enabled = self.dial_in_check.isChecked()
        details = (self.dial_in, self.pin_view, self.generate_button)
        for widget in (*details, self._dial_in_label, self._pins_label):
            widget.setEnabled(enabled)
        count = self.rooms.value()
        hint = self.tr("Phone attendees can only join breakout 1.")
        if count > 1:
            hint = self.tr("Phone attendees can only join breakouts 1–{last}.").format(last=count)
        self.rooms_hint.setText(hint)

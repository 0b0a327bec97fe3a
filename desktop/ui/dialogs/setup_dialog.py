""" "Set up breakout rooms": how many rooms, their names, and the settings.

The dialog only builds a :class:`~desktop.core.commands.SetUpBreakouts`; whoever
opened it sends the command. Changing rooms later is the Breakout Rooms page's
job (:mod:`desktop.ui.dialogs.settings_dialog`).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.breakouts import MAX_ROOMS
from desktop.core.commands import SetUpBreakouts

from .parts import HintLabel, InlineMessage, InvalidInput
from .room_lists import RoomNamesModel, checked_room_name
from .settings_boxes import SettingsEditor

MINIMUM_WIDTH = 780

FEW_ATTENDEES = 8
"""Below this many attendees the dialog suggests two rooms instead of four."""


def default_room_count(attendees: int) -> int:
    return 2 if 0 < attendees < FEW_ATTENDEES else 4


class SetUpDialog(QDialog):
    """Asks for the rooms and settings of a new set of breakout rooms.

    ``attendee_count`` (the participants to distribute, when known) picks the
    suggested number of rooms and shows how many people each room would get.
    Accepting checks everything first; a problem is shown inline and the dialog
    stays open with everything the user typed.
    """

    def __init__(self, parent: QWidget | None = None, *, attendee_count: int = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set up breakout rooms"))
        self._attendees = attendee_count
        self.count = QSpinBox(self)
        self.count.setRange(1, MAX_ROOMS)
        self.count.setValue(default_room_count(attendee_count))
        self.count.setAccessibleName(self.tr("Number of rooms"))
        self.names = RoomNamesModel(self.count.value(), self)
        self.name_view = self._name_view()
        self.per_room = HintLabel(parent=self)
        self.per_room.setWordWrap(False)
        self.editor = SettingsEditor(self)
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.set_up_button = self.buttons.addButton(
            self.tr("&Set Up Rooms"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.set_up_button.setDefault(True)
        self._lay_out()
        self.setMinimumWidth(MINIMUM_WIDTH)
        self._show_room_names()
        self.count.valueChanged.connect(self.on_count_value_changed)
        self.names.dataChanged.connect(self.on_names_changed)
        self.editor.edited.connect(self.message.clear)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _name_view(self) -> QListView:
        view = QListView(self)
        view.setModel(self.names)
        view.setAccessibleName(self.tr("Room names"))
        view.setAlternatingRowColors(True)
        view.setUniformItemSizes(True)
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        return view

    def _lay_out(self) -> None:
        rooms = QGroupBox(self.tr("Rooms"), self)
        count_label = QLabel(self.tr("&Number of rooms:"), rooms)
        count_label.setBuddy(self.count)
        count = QHBoxLayout()
        count.addWidget(count_label)
        count.addWidget(self.count)
        count.addWidget(self.per_room, 1)
        rooms_layout = QVBoxLayout(rooms)
        rooms_layout.addLayout(count)
        rooms_layout.addWidget(self.name_view, 1)
        rooms_layout.addWidget(HintLabel(self.tr("Double-click a name to change it."), rooms))
        left = QVBoxLayout()
        left.addWidget(rooms, 1)
        left.addWidget(self.editor.timing)
        right = QVBoxLayout()
        right.addWidget(self.editor.assignment)
        right.addWidget(self.editor.phone, 1)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        intro = HintLabel(
            self.tr(
                "Split the conversation into smaller rooms, each with its own chat and call. "
                "You can add, rename and remove rooms later."
            ),
            self,
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def command(self) -> SetUpBreakouts:
        """The set-up as typed; raises :class:`InvalidInput` saying what to fix."""
        names = self._checked_names()
        return SetUpBreakouts(room_names=names, settings=self.editor.settings())

    def _checked_names(self) -> tuple[str, ...]:
        checked: list[str] = []
        for row, name in enumerate(self.names.names()):
            try:
                checked.append(checked_room_name(name, checked, row + 1))
            except InvalidInput as problem:
                problem.focus = partial(self._edit_name, row)
                raise
        return tuple(checked)

    def _edit_name(self, row: int) -> None:
        index = self.names.index(row)
        self.name_view.setCurrentIndex(index)
        self.name_view.scrollTo(index)
        self.name_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_view.edit(index)

    def accept(self) -> None:
        try:
            self.command()
        except InvalidInput as problem:
            self.message.show_error(problem.message)
            problem.show_culprit()
            return
        self.message.clear()
        super().accept()

    def on_count_value_changed(self, count: int) -> None:
        self.names.set_count(count)
        self.message.clear()
        self._show_room_names()

    def on_names_changed(self) -> None:
        self.message.clear()
        self._show_room_names()

    def _show_room_names(self) -> None:
        self.editor.phone.set_room_names(self.names.names())
        count = self.count.value()
        if self._attendees:
            per_room = self._attendees / count
            text = self.tr("About {count} attendees per room").format(count=round(per_room))
            if round(per_room) == 1:
                text = self.tr("About 1 attendee per room")
            if per_room < 1:
                text = self.tr("More rooms than attendees: some rooms stay empty")
            self.per_room.setText(text)
        self.per_room.setVisible(bool(self._attendees))

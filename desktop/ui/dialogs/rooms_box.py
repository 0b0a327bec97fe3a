"""The list of existing breakout rooms with Add, Rename and Remove.

Every change is a command for the server; the list shows the server's rooms
again with each update, keeping an open rename editor where the room stays.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Breakouts, Phase, RoomId
from desktop.core.breakouts import MAX_ROOMS
from desktop.core.commands import AddRoom, RemoveRoom, RenameRoom

from .parts import HintLabel, InlineMessage, InvalidInput, confirm
from .room_lists import RoomsModel, checked_room_name, default_room_name

EDITABLE = frozenset({Phase.CONFIGURED, Phase.RUNNING, Phase.ENDED})
"""Phases in which the domain lets moderators add, rename and remove rooms."""


class RoomsBox(QGroupBox):
    """The rooms in their order; moderators add, rename (in place) and remove them.

    Signals:
        command_requested(object): an AddRoom, RenameRoom or RemoveRoom to send.
    """

    command_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Rooms"), parent)
        self.model = RoomsModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Breakout rooms"))
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.add_button = self._button(self.tr("&Add Room"))
        self.rename_button = self._button(self.tr("Re&name"))
        self.remove_button = self._button(self.tr("Re&move…"))
        self.hint = HintLabel(
            self.tr("Phone attendees can join the rooms with a phone icon."), self
        )
        self.message = InlineMessage(self)
        self._editable = False
        self._lay_out()
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.rename_button.clicked.connect(self.on_rename_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.model.name_edited.connect(self.on_model_name_edited)
        self.view.selectionModel().selectionChanged.connect(self.on_view_selection_changed)

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        return button

    def _lay_out(self) -> None:
        buttons = QVBoxLayout()
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.view, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        self.view.setMinimumHeight(self.view.sizeHintForRow(0) * 5 + 8)

    def update_breakouts(self, breakouts: Breakouts, moderator: bool) -> None:
        self.model.set_phone_room_limit(breakouts.settings.phone_room_limit)
        self.model.set_rooms(breakouts.rooms)
        self._editable = moderator and breakouts.phase in EDITABLE
        self.model.set_editable(self._editable)
        for button in (self.add_button, self.rename_button, self.remove_button):
            button.setVisible(moderator)
        if not self.view.currentIndex().isValid() and breakouts.rooms:
            self.view.setCurrentIndex(self.model.index(0))
        self._refresh()

    def _refresh(self) -> None:
        count = self.model.rowCount()
        selected = self.view.currentIndex().isValid()
        self.add_button.setEnabled(self._editable and count < MAX_ROOMS)
        self.rename_button.setEnabled(self._editable and selected)
        self.remove_button.setEnabled(self._editable and selected and count > 1)
        if count == 1:
            self.remove_button.setToolTip(
                self.tr("The last room cannot be removed; delete the breakout rooms instead.")
            )
        else:
            self.remove_button.setToolTip("")

    # Slots

    def on_view_selection_changed(self, _selected: QItemSelection, _gone: QItemSelection) -> None:
        self._refresh()

    def on_add_button_clicked(self) -> None:
        taken = {room.name.casefold() for room in self.model.rooms()}
        position = len(taken) + 1
        while default_room_name(position).casefold() in taken:
            position += 1
        self.message.clear()
        self.command_requested.emit(AddRoom(name=default_room_name(position)))

    def on_rename_button_clicked(self) -> None:
        self.message.clear()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.view.edit(self.view.currentIndex())

    def on_remove_button_clicked(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            return
        room = self.model.room_at(index.row())
        text = self.tr("Remove the room “{name}”?").format(name=room.name)
        details = self.tr(
            "Its attendees go back to the main room and its chat is deleted. "
            "The other rooms stay as they are."
        )
        confirm(self, text, details, self.tr("&Remove Room"), lambda: self._remove(room.id))

    def _remove(self, room_id: RoomId) -> None:
        self.command_requested.emit(RemoveRoom(room_id=room_id))

    def on_model_name_edited(self, room_id: int, name: str) -> None:
        row = self.model.row_of(RoomId(room_id))
        if row is None:
            return
        others = [room.name for room in self.model.rooms() if room.id != room_id]
        try:
            cleaned = checked_room_name(name, others, row + 1)
        except InvalidInput as problem:
            self.message.show_error(problem.message)
            # The editor is still closing; reopen it once it is gone.
            QTimer.singleShot(0, self.view, lambda: self.view.edit(self.model.index(row)))
            return
        self.message.clear()
        self.command_requested.emit(RenameRoom(room_id=RoomId(room_id), name=cleaned))

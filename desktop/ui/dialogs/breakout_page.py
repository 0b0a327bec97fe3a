"""The Breakout Rooms page of the conversation settings.

Without rooms it offers to set them up. With rooms it shows them (see
:mod:`desktop.ui.dialogs.rooms_box`), their settings with Apply and Revert, and
Delete. Participants see the same, read-only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import BreakoutSettings, Conversation, Phase, UserId
from desktop.core.commands import ChangeSettings, DeleteBreakouts
from desktop.ui.resources import icon

from .parts import HintLabel, InlineMessage, InvalidInput, confirm, heading
from .rooms_box import RoomsBox
from .settings_boxes import SettingsEditor

EMPTY_TEXT_WIDTH = 420

IDLE = frozenset({Phase.CONFIGURED, Phase.ENDED})
"""Phases in which the domain lets moderators change settings or delete the rooms."""


class BreakoutRoomsPage(QWidget):
    """Sets up, shows, changes and deletes a conversation's breakout rooms.

    Settings the user is changing are kept when the server's state changes;
    a note says when the server's settings changed meanwhile.

    Signals:
        command_requested(object): a command to send (rooms, settings, delete).
        set_up_requested(): the user asked to set breakout rooms up.
    """

    command_requested = Signal(object)
    set_up_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded = BreakoutSettings()
        self.stack = QStackedWidget(self)
        self.set_up_button = QPushButton(self.tr("&Set up breakout rooms for this conversation"))
        self.set_up_button.setAutoDefault(False)
        self.empty_hint = HintLabel()
        self.status = HintLabel()
        self.rooms = RoomsBox()
        self.editor = SettingsEditor(self)
        self.apply_button = QPushButton(self.tr("A&pply Changes"))
        self.revert_button = QPushButton(self.tr("Re&vert"))
        self.delete_button = QPushButton(icon("close"), self.tr("&Delete Breakout Rooms…"))
        self.settings_message = InlineMessage()
        self.read_only_note = InlineMessage()
        for button in (self.apply_button, self.revert_button, self.delete_button):
            button.setAutoDefault(False)
        self.stack.addWidget(self._empty_state())
        self.stack.addWidget(self._configured_state())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.set_up_button.clicked.connect(self.set_up_requested)
        self.rooms.command_requested.connect(self.command_requested)
        self.editor.edited.connect(self.on_editor_edited)
        self.apply_button.clicked.connect(self.on_apply_button_clicked)
        self.revert_button.clicked.connect(self.on_revert_button_clicked)
        self.delete_button.clicked.connect(self.on_delete_button_clicked)

    def _empty_state(self) -> QWidget:
        page = QWidget()
        picture = QLabel(page)
        picture.setPixmap(icon("room").pixmap(56, 56))
        title = heading(self.tr("No breakout rooms yet"), page)
        text = HintLabel(
            self.tr(
                "Breakout rooms split the conversation into smaller groups, each with its "
                "own chat and call. Everyone comes back to the main room at the end."
            ),
            page,
        )
        self.empty_hint.setParent(page)
        for label in (text, self.empty_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column = QWidget(page)
        column.setFixedWidth(EMPTY_TEXT_WIDTH)
        column_layout = QVBoxLayout(column)
        column_layout.setSpacing(10)
        column_layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        column_layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column_layout.addWidget(text)
        column_layout.addSpacing(6)
        column_layout.addWidget(self.set_up_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column_layout.addWidget(self.empty_hint)
        # Centred by stretches, not by an alignment flag, so the wrapped text
        # gets its height for the column's width.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _configured_state(self) -> QWidget:
        content = QWidget()
        settings = QGridLayout()
        settings.setHorizontalSpacing(12)
        settings.addWidget(self.editor.assignment, 0, 0)
        settings.addWidget(self.editor.timing, 0, 1)
        settings.addWidget(self.editor.phone, 1, 0, 1, 2)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.apply_button)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(12)
        layout.addWidget(heading(self.tr("Breakout Rooms"), content))
        layout.addWidget(self.status)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.rooms)
        layout.addLayout(settings)
        layout.addWidget(self.settings_message)
        layout.addLayout(actions)
        layout.addWidget(self._delete_box())
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        return scroll

    def _delete_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Delete"))
        text = HintLabel(
            self.tr(
                "Removes all breakout rooms and their chats. The main conversation and "
                "its message history stay untouched."
            ),
            box,
        )
        layout = QHBoxLayout(box)
        layout.addWidget(text, 1)
        layout.addWidget(self.delete_button)
        self.delete_box = box
        return box

    def update_conversation(self, conversation: Conversation, me: UserId) -> None:
        member = conversation.members.get(me)
        moderator = member is not None and member.is_moderator
        breakouts = conversation.breakouts
        self.set_up_button.setVisible(moderator)
        self.empty_hint.setText(
            self.tr("Moderators set up breakout rooms.") if not moderator else ""
        )
        self.empty_hint.setVisible(not moderator)
        self.stack.setCurrentIndex(1 if breakouts.is_set_up else 0)
        if not breakouts.is_set_up:
            self.editor.set_settings(BreakoutSettings())
            self._loaded = BreakoutSettings()
            return
        self.rooms.update_breakouts(breakouts, moderator)
        self.status.setText(self._status_text(len(breakouts.rooms), breakouts.phase))
        self._load_settings(breakouts.settings)
        self.editor.phone.set_room_names([room.name for room in breakouts.rooms])
        self._set_permissions(moderator, breakouts.phase)

    def _load_settings(self, settings: BreakoutSettings) -> None:
        changed_meanwhile = self.editor.modified and settings != self._loaded
        if not self.editor.modified:
            self.editor.set_settings(settings)
        self._loaded = settings
        if changed_meanwhile:
            self.settings_message.show_note(
                self.tr(
                    "Someone else changed these settings. Apply replaces them with yours; "
                    "Revert shows theirs."
                )
            )

    def _set_permissions(self, moderator: bool, phase: Phase) -> None:
        idle = phase in IDLE
        self.editor.set_read_only(not (moderator and idle))
        self.editor.phone.set_pins_visible(moderator)
        for widget in (self.apply_button, self.revert_button, self.delete_box):
            widget.setVisible(moderator)
        self.delete_button.setEnabled(idle)
        if not moderator:
            self.read_only_note.show_note(self.tr("Only moderators can change breakout rooms."))
        elif phase is Phase.RUNNING:
            self.read_only_note.show_note(
                self.tr(
                    "While the session runs, rooms can still be added, renamed and removed; "
                    "the settings can change once it ends."
                )
            )
        elif not idle:
            self.read_only_note.show_note(
                self.tr("The rooms are closing; changes can be made once the session ends.")
            )
        else:
            self.read_only_note.clear()
        self._refresh_buttons()

    def _status_text(self, count: int, phase: Phase) -> str:
        rooms = self.tr("1 room") if count == 1 else self.tr("{count} rooms").format(count=count)
        state = {
            Phase.CONFIGURED: self.tr("not started yet"),
            Phase.RUNNING: self.tr("running now"),
            Phase.CLOSING: self.tr("closing"),
            Phase.ENDED: self.tr("ended; can be started again"),
        }.get(phase, "")
        return f"{rooms} · {state}"

    def _refresh_buttons(self) -> None:
        editable = self.editor.assignment.isEnabled()
        self.apply_button.setEnabled(editable and self.editor.modified)
        self.revert_button.setEnabled(editable and self.editor.modified)

    # Slots

    def on_editor_edited(self) -> None:
        self.settings_message.clear()
        self._refresh_buttons()

    def on_apply_button_clicked(self) -> None:
        try:
            settings = self.editor.settings()
        except InvalidInput as problem:
            self.settings_message.show_error(problem.message)
            problem.show_culprit()
            return
        self.settings_message.clear()
        self.editor.mark_saved()
        self._refresh_buttons()
        self.command_requested.emit(ChangeSettings(settings=settings))

    def on_revert_button_clicked(self) -> None:
        self.editor.set_settings(self._loaded)
        self.settings_message.clear()
        self._refresh_buttons()

    def on_delete_button_clicked(self) -> None:
        confirm(
            self,
            self.tr("Delete all breakout rooms?"),
            self.tr(
                "The rooms and their chats are removed for everyone. The main conversation "
                "and its message history stay untouched."
            ),
            self.tr("&Delete Breakout Rooms"),
            lambda: self.command_requested.emit(DeleteBreakouts()),
        )

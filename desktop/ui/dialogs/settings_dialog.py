"""Conversation Settings: sections on the left, one page per section on the right.

The dialog holds plain state (a :class:`~desktop.core.Conversation` and who the
local user is) and turns the user's actions into commands; the app sends them
and calls :meth:`ConversationSettingsDialog.update_conversation` with the new
state as it arrives.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Conversation, UserId
from desktop.ui.resources import icon

from .breakout_page import BreakoutRoomsPage
from .general_page import GeneralPage


class Section(StrEnum):
    GENERAL = "general"
    BREAKOUT_ROOMS = "breakout_rooms"


class ConversationSettingsDialog(QDialog):
    """The settings of one conversation, as its member ``me`` may see and change them.

    Moderators edit; participants see breakout rooms read-only and change only
    their own audio connection.

    Signals:
        command_requested(object): a core command for the server.
        set_up_requested(): the user asked to set breakout rooms up (the app opens
            the set-up dialog).
    """

    command_requested = Signal(object)
    set_up_requested = Signal()

    def __init__(
        self, conversation: Conversation, me: UserId, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.sections = QListWidget(self)
        self.sections.setAccessibleName(self.tr("Sections"))
        self.sections.setIconSize(QSize(20, 20))
        self.pages = QStackedWidget(self)
        self.general = GeneralPage(self)
        self.breakout_rooms = BreakoutRoomsPage(self)
        self._add_section(Section.GENERAL, self.tr("General"), "settings", self.general)
        self._add_section(
            Section.BREAKOUT_ROOMS, self.tr("Breakout Rooms"), "room", self.breakout_rooms
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        # Enter belongs to the field being edited (a title, a PIN), never to Close.
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self._lay_out()
        self.sections.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.buttons.rejected.connect(self.reject)
        for page in (self.general, self.breakout_rooms):
            page.command_requested.connect(self.command_requested)
        self.breakout_rooms.set_up_requested.connect(self.set_up_requested)
        self.update_conversation(conversation, me)
        self.open_section(Section.GENERAL)

    def _add_section(self, section: Section, text: str, icon_name: str, page: QWidget) -> None:
        item = QListWidgetItem(icon(icon_name), text, self.sections)
        item.setData(Qt.ItemDataRole.UserRole, section.value)
        item.setSizeHint(QSize(0, 36))
        self.pages.addWidget(page)

    def _lay_out(self) -> None:
        width = max(self.sections.sizeHintForColumn(0) + 2 * self.sections.frameWidth() + 16, 170)
        self.sections.setFixedWidth(width)
        body = QHBoxLayout()
        body.setSpacing(18)
        body.addWidget(self.sections)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.resize(820, 640)

    def update_conversation(self, conversation: Conversation, me: UserId) -> None:
        """Show the conversation as the server has it now, keeping edits in progress."""
        self.setWindowTitle(
            self.tr("Conversation Settings — {title}").format(title=conversation.title)
        )
        self.general.update_conversation(conversation, me)
        self.breakout_rooms.update_conversation(conversation, me)

    def open_section(self, section: Section | str) -> None:
        """Show the page of ``section`` ("general" or "breakout_rooms")."""
        self.sections.setCurrentRow(list(Section).index(Section(section)))

    def current_section(self) -> Section:
        return list(Section)[self.sections.currentRow()]

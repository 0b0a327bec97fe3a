"""One conversation on screen: header, banner, chat, and the assistant panel.

The header has the title, where the user is (main room or a breakout room),
the countdown, "Ask for help", "Start call" and the ⋮ menu ("Set up breakout
rooms", "Conversation settings"). The assistant panel's tabs are Participants
and, for moderators, Breakouts: an empty state, the Smart Distribute panel, or
the rooms overview while rooms run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .banner import Banner
from .breakout_panel import BreakoutPanel
from .call_view import CallView
from .chat_view import ChatView
from .models.call_model import CallModel
from .participants_view import ParticipantsView
from .resources import icon
from .rooms_overview import RoomsOverview


class ConversationView(QWidget):
    """Signals: ``set_up_requested()``, ``settings_requested()``,
    ``call_requested()``, ``help_toggled(bool)`` (ask or cancel),
    ``main_room_requested()`` (leave a visited room for the main room)."""

    set_up_requested = Signal()
    settings_requested = Signal()
    call_requested = Signal()
    help_toggled = Signal(bool)
    main_room_requested = Signal()

    def __init__(self, rooms_overview: RoomsOverview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversation_view")
        self.title = _label("conversation_title")
        self.title.setAccessibleName(self.tr("Conversation"))
        self.place = _label("conversation_place")
        self.countdown = _label("conversation_countdown")
        self.help_button = self._button(self.tr("Ask for help"), "help", checkable=True)
        self.help_button.toggled.connect(self.on_help_button_toggled)
        self.main_room_button = self._button(self.tr("Back to main room"), "room")
        self.main_room_button.clicked.connect(self.main_room_requested)
        self.call_button = self._button(self.tr("Start call"), "call")
        self.call_button.clicked.connect(self.call_requested)
        self.menu_button = self._menu_button()
        self.banner = Banner()
        self.call = CallView(CallModel())
        self.call.hide()
        self.chat = ChatView()
        self.participants = ParticipantsView()
        self.panel = BreakoutPanel()
        self.overview = rooms_overview
        self.breakouts = self._breakouts_stack()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("assistant_panel")
        self.tabs.setAccessibleName(self.tr("Assistant panel"))
        self.tabs.addTab(self.participants, icon("participant"), self.tr("Participants"))
        self.tabs.addTab(self.breakouts, icon("room"), self.tr("Breakouts"))
        self._lay_out()
        self.show_place(None, moderator=True)

    def _button(self, text: str, icon_name: str, *, checkable: bool = False) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.setAccessibleName(text)
        button.setCheckable(checkable)
        return button

    def _menu_button(self) -> QToolButton:
        button = QToolButton()
        button.setObjectName("conversation_menu")
        button.setIcon(icon("more"))
        button.setAccessibleName(self.tr("More actions"))
        button.setToolTip(self.tr("More actions"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.set_up_action = QAction(icon("room"), self.tr("Set up breakout rooms"), menu)
        self.set_up_action.triggered.connect(self.set_up_requested)
        self.settings_action = QAction(icon("settings"), self.tr("Conversation settings"), menu)
        self.settings_action.triggered.connect(self.settings_requested)
        menu.addAction(self.set_up_action)
        menu.addAction(self.settings_action)
        button.setMenu(menu)
        return button

    def _breakouts_stack(self) -> QStackedWidget:
        empty = QWidget()
        empty.setObjectName("breakouts_empty")
        layout = QVBoxLayout(empty)
        layout.addStretch()
        text = QLabel(self.tr("No breakout rooms yet."), alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(text)
        button = self._button(self.tr("Set up breakout rooms"), "room")
        button.clicked.connect(self.set_up_requested)
        layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addStretch()
        stack = QStackedWidget()
        for page in (empty, self.panel, self.overview):
            stack.addWidget(page)
        return stack

    def _lay_out(self) -> None:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.place)
        header.addLayout(titles, stretch=1)
        for widget in (
            self.countdown,
            self.help_button,
            self.main_room_button,
            self.call_button,
            self.menu_button,
        ):
            header.addWidget(widget)
        talk = QSplitter(Qt.Orientation.Vertical)
        talk.addWidget(self.call)
        talk.addWidget(self.chat)
        talk.setStretchFactor(0, 3)
        talk.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(talk)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, stretch=1)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)

    # What the workspace tells it

    def show_title(self, title: str) -> None:
        self.title.setText(title)

    def show_place(self, room_name: str | None, *, moderator: bool, visiting: bool = False) -> None:
        """Where the user is: the main room, their breakout room, or one they visit."""
        if room_name is None:
            self.place.setText(self.tr("Main room"))
        elif visiting:
            self.place.setText(self.tr("Visiting {0}").format(room_name))
        else:
            self.place.setText(self.tr("Breakout room: {0}").format(room_name))
        in_room = room_name is not None
        self.help_button.setVisible(in_room and not moderator)
        self.main_room_button.setVisible(visiting)
        self.set_up_action.setVisible(moderator)
        self.tabs.setTabVisible(1, moderator)

    def show_help_requested(self, requested: bool) -> None:
        self.help_button.blockSignals(True)
        self.help_button.setChecked(requested)
        text = self.tr("Cancel help request") if requested else self.tr("Ask for help")
        self.help_button.setText(text)
        self.help_button.setAccessibleName(text)  # screen readers say what the button shows
        self.help_button.blockSignals(False)

    def show_countdown(self, text: str) -> None:
        self.countdown.setText(text)
        self.countdown.setVisible(bool(text))

    def show_breakouts_page(self, page: str) -> None:
        """``"empty"``, ``"panel"`` or ``"overview"``."""
        widget = {"empty": 0, "panel": 1, "overview": 2}[page]
        self.breakouts.setCurrentIndex(widget)

    def show_call(self, shown: bool) -> None:
        """The call view above the chat while we are in a call (or on the phone)."""
        self.call.setVisible(shown)
        self.call_button.setVisible(not shown)

    def open_breakouts_tab(self) -> None:
        self.tabs.setCurrentWidget(self.breakouts)

    def on_help_button_toggled(self, checked: bool) -> None:
        self.help_toggled.emit(checked)


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    return label

"""The main window: conversations on the left, the open one on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from .conversation_list import ConversationList
from .conversation_view import ConversationView
from .resources import icon


class MainWindow(QMainWindow):
    """Signals: ``conversation_requested(str)`` (a title for a new one),
    ``connect_requested()``, ``auto_join_toggled(bool)``, ``dark_theme_toggled(bool)``,
    ``closed()``."""

    conversation_requested = Signal(str)
    connect_requested = Signal()
    auto_join_toggled = Signal(bool)
    dark_theme_toggled = Signal(bool)
    closed = Signal()

    def __init__(
        self,
        conversations: ConversationList,
        conversation: ConversationView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Roomcast"))
        self.setWindowIcon(icon("roomcast"))
        self.resize(1280, 800)
        self.conversations = conversations
        self.conversation = conversation
        self.placeholder = QLabel(
            self.tr("Pick a conversation on the left, or create one from the File menu."),
            alignment=Qt.AlignmentFlag.AlignCenter,
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(conversation)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(conversations)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1020])
        self.setCentralWidget(splitter)
        self.connection = QLabel()
        self.connection.setObjectName("connection_state")
        self.statusBar().addPermanentWidget(self.connection)
        self._build_menus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        new = QAction(self.tr("&New conversation…"), self)
        new.setShortcut(QKeySequence.StandardKey.New)
        new.triggered.connect(self.on_new_action_triggered)
        connect = QAction(self.tr("&Connect to server…"), self)
        connect.triggered.connect(self.connect_requested)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (new, connect, quit_action):
            file_menu.addAction(action)
        settings = self.menuBar().addMenu(self.tr("&Settings"))
        self.auto_join_action = QAction(self.tr("Join my room automatically"), self)
        self.auto_join_action.setCheckable(True)
        self.auto_join_action.toggled.connect(self.auto_join_toggled)
        self.dark_action = QAction(self.tr("Dark theme"), self)
        self.dark_action.setCheckable(True)
        self.dark_action.toggled.connect(self.dark_theme_toggled)
        settings.addAction(self.auto_join_action)
        settings.addAction(self.dark_action)

    def show_conversation_page(self, shown: bool) -> None:
        self.pages.setCurrentWidget(self.conversation if shown else self.placeholder)

    def show_connection(self, text: str) -> None:
        self.connection.setText(text)

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def on_new_action_triggered(self) -> None:
        title, accepted = QInputDialog.getText(
            self, self.tr("New conversation"), self.tr("Title of the conversation:")
        )
        if accepted and title.strip():
            self.conversation_requested.emit(title.strip())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)

"""The moderator's rooms overview while breakout rooms run.

One screen shows the session (state, countdown, broadcast, extend, end), who
asked for help, and every room with its attendees. Attendees move by drag and
drop (the model's MIME data; the view only sets its modes) or, from the
keyboard, with the context menu's "Move to". The widget takes plain data
(:meth:`RoomsOverview.update` with a :class:`~desktop.core.Conversation`) and
answers with signals; the app wires them to the client. Time comes from the
injected ``now`` clock, re-read every second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProxyStyle,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Conversation, RoomId, UserId
from desktop.ui.audio import AUDIO_ICONS, audio_label
from desktop.ui.models.rooms_overview_model import OverviewRole, RoomsOverviewModel, RowKind
from desktop.ui.resources import icon
from desktop.ui.rooms_overview_delegate import RoomsOverviewDelegate
from desktop.ui.rooms_overview_header import RoomsOverviewHeader
from desktop.ui.rooms_overview_help import HelpStrip, help_requests
from desktop.ui.rooms_overview_notice import DropNotice

Clock = Callable[[], float]
"""Seconds since the epoch, as the server counts them."""

TICK_MS = 1000


class _BlankIndentation(QProxyStyle):
    """The delegate draws chevrons and selection itself, so the tree's indentation
    stays blank: the selection does not bleed into it."""

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint is QStyle.StyleHint.SH_ItemView_ShowDecorationSelected:
            return 0
        return super().styleHint(hint, option, widget, returnData)


class RoomsTree(QTreeView):
    """The overview's tree; see :class:`_BlankIndentation`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._style = _BlankIndentation()  # follows the application's style
        self._style.setParent(self)
        self.setStyle(self._style)


class RoomsOverview(QWidget):
    """Running breakout rooms at a glance, with the moderator's actions.

    Signals:
        move_requested(list, object): move these user ids to a room (``RoomId``,
            ``None`` for the main room), by drag and drop or "Move to".
        join_requested(object): the moderator wants to visit a room (``None``:
            the main room).
        broadcast_requested(str): a message for every room.
        extend_requested(int): add this many seconds to the time limit.
        end_requested(): end the breakout sessions (confirmed).
        clear_help_requested(str): mark this user's help request handled.
    """

    move_requested = Signal(list, object)
    join_requested = Signal(object)
    broadcast_requested = Signal(str)
    extend_requested = Signal(int)
    end_requested = Signal()
    clear_help_requested = Signal(str)

    def __init__(self, now: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self._model = RoomsOverviewModel(self)
        self.header = RoomsOverviewHeader()
        self.help_strip = HelpStrip(now)
        self.notice = DropNotice()
        self.view = self._build_view()
        self.delegate = RoomsOverviewDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._build()
        self._connect()

    @property
    def model(self) -> RoomsOverviewModel:
        return self._model

    @property
    def timer(self) -> QTimer:
        return self._timer

    # Building

    def _build_view(self) -> QTreeView:
        view = RoomsTree()
        view.setModel(self._model)
        view.setAccessibleName(self.tr("Breakout rooms and their attendees"))
        view.setHeaderHidden(True)
        view.setRootIsDecorated(False)  # the cards draw their own chevrons
        view.setIndentation(18)
        view.setExpandsOnDoubleClick(False)  # double-click joins the room
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        view.setDefaultDropAction(Qt.DropAction.MoveAction)
        view.setDropIndicatorShown(True)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setAttribute(Qt.WidgetAttribute.WA_MacShowFocusRect, False)
        move = QAction(self.tr("Move to…"), view)
        move.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_M))
        move.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        move.triggered.connect(self.on_move_action_triggered)
        view.addAction(move)
        return view

    def _build(self) -> None:
        self._legend = self._build_legend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addWidget(self.header)
        layout.addWidget(self.help_strip)
        layout.addWidget(self.notice)
        layout.addWidget(self._legend)
        layout.addWidget(self.view, 1)

    def _build_legend(self) -> QWidget:
        """The icon key: which icon is which audio connection."""
        legend = QWidget()
        legend.setAccessibleName(self.tr("Icon key"))
        row = QHBoxLayout(legend)
        row.setContentsMargins(2, 0, 2, 0)
        row.setSpacing(6)
        self._legend_icons: list[tuple[QLabel, str]] = []
        for audio, name in AUDIO_ICONS.items():
            text = audio_label(audio)
            picture = QLabel()
            self._legend_icons.append((picture, name))
            row.addWidget(picture)
            row.addWidget(self._muted(QLabel(text)))
            row.addSpacing(10)
        row.addStretch(1)
        row.addWidget(self._muted(QLabel(self.tr("Drag attendees to move them"))))
        self._tint_legend()
        return legend

    def _muted(self, label: QLabel) -> QLabel:
        palette = label.palette()
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        label.setPalette(palette)
        return label

    def _tint_legend(self) -> None:
        for picture, name in self._legend_icons:
            picture.setPixmap(icon(name).pixmap(16, 16))

    def _connect(self) -> None:
        header, model, view = self.header, self._model, self.view
        header.broadcast_requested.connect(self.broadcast_requested)
        header.extend_requested.connect(self.extend_requested)
        header.end_requested.connect(self.end_requested)
        model.move_requested.connect(self.move_requested)
        model.drop_refused.connect(self.notice.show_message)
        model.modelReset.connect(view.expandAll)
        model.rowsInserted.connect(self.on_model_rows_inserted)
        self.delegate.join_clicked.connect(self.join_requested)
        self.delegate.toggle_clicked.connect(self.on_delegate_toggle_clicked)
        view.doubleClicked.connect(self.on_view_double_clicked)
        view.customContextMenuRequested.connect(self.on_view_context_menu_requested)
        self.help_strip.go_to_room_clicked.connect(self.join_requested)
        self.help_strip.clear_clicked.connect(self.clear_help_requested)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() is QEvent.Type.PaletteChange:
            self._tint_legend()

    # Showing the conversation

    # The name is the panel convention (``update(conversation)``); called with Qt's
    # arguments (or none) it is still QWidget.update, so repainting keeps working.
    def update(self, *args: object) -> None:
        """Show a conversation; with anything else, schedule a repaint as Qt does."""
        if len(args) == 1 and isinstance(args[0], Conversation):
            self.show_conversation(args[0])
        else:
            super().update(*args)

    def show_conversation(self, conversation: Conversation) -> None:
        self._model.update(conversation)
        attendees = sum(1 for _ in conversation.attendees())
        self.header.update_session(conversation.breakouts, attendees, self._now())
        self.help_strip.show_requests(help_requests(conversation))
        if conversation.breakouts.is_live:
            self._timer.start()
        else:
            self._timer.stop()

    def on_timer_timeout(self) -> None:
        self.header.show_time(self._now())
        self.help_strip.refresh_ages()

    def on_model_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        """New rooms open unfolded, like the others."""
        if not parent.isValid():
            for row in range(first, last + 1):
                self.view.expand(self._model.index(row, 0))

    def on_delegate_toggle_clicked(self, row: int) -> None:
        index = self._model.index(row, 0)
        self.view.setExpanded(index, not self.view.isExpanded(index))

    def on_view_double_clicked(self, index: QModelIndex) -> None:
        if self.delegate.pressed_on_control:  # "Join" and the chevron click once
            return
        if index.data(OverviewRole.KindRole) in (RowKind.ROOM, RowKind.MAIN_ROOM):
            self.join_requested.emit(index.data(OverviewRole.RoomIdRole))

    # Context menus

    def on_view_context_menu_requested(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        menu = self.context_menu(index)
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(position))

    def on_move_action_triggered(self) -> None:
        """The keyboard's way to the context menu, at the current row."""
        index = self.view.currentIndex()
        menu = self.context_menu(index)
        if menu is not None:
            corner = self.view.visualRect(index).bottomLeft()
            menu.popup(self.view.viewport().mapToGlobal(corner))

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for a row: "Join room" for a room; "Move to ▸" for attendees."""
        kind = index.data(OverviewRole.KindRole)
        if kind is None:
            return None
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setToolTipsVisible(True)
        room_id = index.data(OverviewRole.RoomIdRole)
        if kind != RowKind.ATTENDEE:
            text = self.tr("Join room") if kind == RowKind.ROOM else self.tr("Go to main room")
            join = menu.addAction(icon("join"), text)
            join.triggered.connect(partial(self.join_requested.emit, room_id))
            return menu
        users = self._users_for(index)
        self._add_move_menu(menu, users)
        menu.addSeparator()
        room_name = index.parent().data(Qt.ItemDataRole.DisplayRole)
        join = menu.addAction(icon("join"), self.tr("Join {room}").format(room=room_name))
        join.triggered.connect(partial(self.join_requested.emit, room_id))
        if index.data(OverviewRole.HelpRole):
            user = str(index.data(OverviewRole.UserIdRole))
            clear = menu.addAction(icon("help"), self.tr("Clear help request"))
            clear.triggered.connect(partial(self.clear_help_requested.emit, user))
        return menu

    def _add_move_menu(self, menu: QMenu, users: Sequence[UserId]) -> None:
        move = menu.addMenu(self.tr("Move to"))
        move.setToolTipsVisible(True)
        for room_id, name in self._model.rooms():
            action = move.addAction(name)
            here = all(self._room_of(user) == room_id for user in users)
            refusal = self._model.refusal(users, room_id)
            if here:
                action.setText(self.tr("{room} (here)").format(room=name))
                action.setEnabled(False)
            elif refusal is not None:
                action.setText(self.tr("{room} (no phone bridge)").format(room=name))
                action.setToolTip(refusal)
                action.setEnabled(False)
            moving = [user for user in users if self._room_of(user) != room_id]
            action.triggered.connect(partial(self._request_move, moving, room_id))

    def _users_for(self, index: QModelIndex) -> list[UserId]:
        """The selected attendees if ``index`` is one of them, else just ``index``."""
        selected = [
            row
            for row in self.view.selectionModel().selectedRows()
            if row.data(OverviewRole.KindRole) == RowKind.ATTENDEE
        ]
        rows = selected if index in selected else [index]
        return [UserId(str(row.data(OverviewRole.UserIdRole))) for row in rows]

    def _room_of(self, user: UserId) -> RoomId | None:
        attendee = self._model.attendee(user)
        return None if attendee is None else attendee.room_id

    def _request_move(self, users: list[UserId], room_id: RoomId | None) -> None:
        self.move_requested.emit([str(user) for user in users], room_id)

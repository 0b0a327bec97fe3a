"""The Breakouts tab of the moderator's assistant panel: Smart Distribute.

The icon key sits at the upper left, the rooms and the Unassigned list fill the
middle (drag attendees between them, or use "Move to ▸"), the readiness check
lists what to settle before starting, each problem with its one-click fix, and
the bottom row applies the draft.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Conversation, DistributeOptions, Plan, Problem, UserId
from desktop.core.commands import Command

from .audio import AUDIO_ICONS, audio_label
from .models.breakout_plan_model import BreakoutPlanModel
from .plan_draft import Bucket, PlanDraft
from .resources import icon
from .theme import conflict_background

READINESS_DELAY_MS = 120
"""The readiness check runs this long after the last change, not on every drop."""

FIX_BUTTON_WIDTH = 340
"""Pixels of text on a fix button at most, so that the panel stays narrow."""


PROBLEMS_HEIGHT = 150
"""Pixels the readiness problems take at most; more scroll."""


class _ProblemList(QScrollArea):
    """The readiness problems, as tall as they are up to PROBLEMS_HEIGHT.

    A plain QScrollArea keeps the height of its first content and is never
    shorter than its scroll bar, which left blank lines under one problem.
    """

    def __init__(self, holder: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setWidget(holder)

    def sizeHint(self) -> QSize:
        holder = self.widget()
        if holder is None:
            return super().sizeHint()
        height = holder.heightForWidth(self.viewport().width())
        if height < 0:
            height = holder.sizeHint().height()
        return QSize(super().sizeHint().width(), min(height, PROBLEMS_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # wrapped messages take another height


@dataclass(frozen=True)
class ApplyRequest:
    """What "Apply" asks of the server: room changes first, then the plan."""

    conversation_id: str
    room_changes: tuple[Command, ...]
    saved: Plan
    wanted: Plan
    start: bool


class BreakoutPanel(QWidget):
    """Signals: ``apply_requested(ApplyRequest)``; ``closed()`` when the moderator
    leaves the panel without applying."""

    apply_requested = Signal(object)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakout_panel")
        self.setAccessibleName(self.tr("Breakout rooms: Smart Distribute"))
        self.model: BreakoutPlanModel | None = None
        self._readiness_timer = QTimer(self, singleShot=True, interval=READINESS_DELAY_MS)
        self._readiness_timer.timeout.connect(self.on_readiness_timer_timeout)
        self.tree = self._make_tree()
        self.dirty = False
        self.readiness_problems: tuple[Problem, ...] = ()
        self.summary = QLabel()
        self.summary.setObjectName("breakout_summary")
        self.notice = QLabel()
        self.notice.setObjectName("breakout_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.notice.setAccessibleName(self.tr("Why a move was refused"))
        self.problems = QVBoxLayout()
        self.readiness = self._make_readiness()
        self.distribute_button = self._button(self.tr("Smart Distribute"), "unassigned")
        self.distribute_button.setToolTip(
            self.tr("Spread everyone who is not pinned evenly, keeping phone attendees apart")
        )
        self.distribute_button.clicked.connect(self.on_distribute_button_clicked)
        self.unassign_button = self._button(self.tr("Unassign all"))
        self.unassign_button.clicked.connect(self.on_unassign_button_clicked)
        self.cancel_button = self._button(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.closed)
        self.apply_button = self._button(self.tr("Apply Breakouts"))
        self.apply_button.clicked.connect(lambda: self._apply(start=False))
        self.start_button = self._button(self.tr("Apply and Start Breakouts"), "join")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self._apply(start=True))
        self._lay_out()

    # Building

    def _make_tree(self) -> QTreeView:
        tree = QTreeView()
        tree.setObjectName("breakout_rooms")
        tree.setAccessibleName(self.tr("Rooms and attendees"))
        tree.setHeaderHidden(True)
        tree.setUniformRowHeights(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        tree.setDropIndicatorShown(True)
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self.on_tree_context_menu_requested)
        return tree

    def _make_readiness(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("breakout_readiness")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(frame)
        title = QLabel(self.tr("<b>Before you start</b>"))
        layout.addWidget(title)
        holder = QWidget()
        holder.setLayout(self.problems)
        self.problems.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._problem_list = _ProblemList(holder)
        layout.addWidget(self._problem_list)
        return frame

    def _button(self, text: str, icon_name: str | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        if icon_name is not None:
            button.setIcon(icon(icon_name))
        return button

    def _icon_key(self) -> QWidget:
        key = QWidget()
        key.setObjectName("audio_icon_key")
        key.setAccessibleName(self.tr("Icon key"))
        layout = QHBoxLayout(key)
        layout.setContentsMargins(0, 0, 0, 0)
        for audio, name in AUDIO_ICONS.items():
            label = audio_label(audio)
            picture = QLabel()
            picture.setPixmap(icon(name).pixmap(16, 16))
            picture.setAccessibleName(label)
            layout.addWidget(picture)
            layout.addWidget(QLabel(label))
            layout.addSpacing(10)
        return key

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self._icon_key())
        top.addStretch()
        # The summary gets a row of its own: beside the icon key it made the
        # panel too wide for a side panel.
        self.summary.setWordWrap(True)
        tools = QHBoxLayout()
        tools.addWidget(self.distribute_button)
        tools.addWidget(self.unassign_button)
        tools.addStretch()
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.tree, stretch=1)
        layout.addWidget(self.readiness)
        layout.addLayout(buttons)

    # Loading

    def open_conversation(self, conversation: Conversation, me: UserId) -> None:
        """Show the saved plan of ``conversation`` as a fresh draft."""
        red = conflict_background(self.palette())
        self._paint_notice(red)
        model = BreakoutPlanModel(PlanDraft(conversation, me), icon, QBrush(red), self)
        model.drop_refused.connect(self.on_model_drop_refused)
        model.draft_changed.connect(self.on_model_draft_changed)
        old, self.model = self.model, model
        old_selection = self.tree.selectionModel()
        self.tree.setModel(model)
        # After setModel(): the tree collapses everything in its own reset slot,
        # so expanding must come after it.
        model.modelReset.connect(self.tree.expandAll)
        if old is not None:
            old.deleteLater()
        if old_selection is not None:
            old_selection.deleteLater()  # setModel() made a new one
        self.tree.expandAll()
        self.dirty = False
        self.notice.hide()
        self._update_summary()
        self._check_readiness()

    def _paint_notice(self, red: QColor) -> None:
        """A refusal shows on the red of conflict rows, so it is not read as the summary."""
        palette = self.notice.palette()
        palette.setColor(QPalette.ColorRole.Window, red)
        self.notice.setPalette(palette)
        self.notice.setAutoFillBackground(True)
        self.notice.setMargin(6)

    @property
    def draft(self) -> PlanDraft:
        assert self.model is not None, "open_conversation() first"
        return self.model.draft

    # Slots

    def on_distribute_button_clicked(self) -> None:
        assert self.model is not None
        self.model.reset_with(lambda: self.draft.distribute(DistributeOptions()))

    def on_unassign_button_clicked(self) -> None:
        assert self.model is not None
        self.model.reset_with(self.draft.unassign_all)

    def on_model_drop_refused(self, why: str) -> None:
        self.notice.setText(why)
        self.notice.show()

    def on_model_draft_changed(self) -> None:
        self.dirty = True
        self.notice.hide()
        self._update_summary()
        self._readiness_timer.start()

    def on_readiness_timer_timeout(self) -> None:
        self._check_readiness()

    def on_tree_context_menu_requested(self, position: QPoint) -> None:
        menu = self.move_menu()
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click
            menu.popup(self.tree.viewport().mapToGlobal(position))

    def move_menu(self) -> QMenu | None:
        """ "Move to ▸ <room>" for the selected attendees: the keyboard's drag."""
        users = self.selected_users()
        if not users or self.model is None:
            return None
        menu = QMenu(self)
        target_menu = menu.addMenu(self.tr("Move to"))
        target_menu.setAccessibleName(self.tr("Move to"))
        model = self.model
        for row in range(model.rowCount()):
            bucket = model.bucket(row)
            title = self.tr("Unassigned") if bucket is None else model.draft.rooms[row - 1].name
            action = QAction(title, target_menu)
            action.triggered.connect(lambda _=False, b=bucket: self.move_selected(b))
            target_menu.addAction(action)
        return menu

    def selected_users(self) -> list[UserId]:
        if self.model is None:
            return []
        users = (self.model.user_at(index) for index in self.tree.selectedIndexes())
        return [user for user in users if user is not None]

    def move_selected(self, target: Bucket) -> None:
        if self.model is not None:
            self.model.move(self.selected_users(), target)

    # Readiness and applying

    def _update_summary(self) -> None:
        draft = self.draft
        placed = len(draft.rooms_of)
        text = self.tr("{0} attendees · {1} rooms · {2} unassigned").format(
            len(draft.members), len(draft.rooms), len(draft.members) - placed
        )
        conflicts = draft.conflict_count()
        if conflicts:
            text += self.tr(" · {0} with an audio conflict").format(conflicts)
        self.summary.setText(text)

    def _check_readiness(self) -> None:
        while self.problems.count():
            item = self.problems.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.hide()  # at once: deleting waits for the event loop
                widget.deleteLater()
        problems = self.draft.readiness()
        for problem in problems:
            self.problems.addWidget(self._problem_row(problem))
        if not problems:
            self.problems.addWidget(QLabel(self.tr("Everything is ready.")))
        self.readiness_problems = problems
        self._problem_list.updateGeometry()

    def _problem_row(self, problem: Problem) -> QWidget:
        """The problem's message, and under it its fix. A fix label can name many
        people; its button is shortened in the middle and the tooltip has it all."""
        row = QWidget()
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        message = QLabel(problem.message, wordWrap=True)
        layout.addWidget(message)
        label = self.fontMetrics().elidedText(
            problem.fix_label, Qt.TextElideMode.ElideMiddle, FIX_BUTTON_WIDTH
        )
        fix = QPushButton(label)
        fix.setAccessibleName(problem.fix_label)
        fix.setToolTip(problem.fix_label)
        fix.clicked.connect(lambda _=False, p=problem: self.apply_fix(p))
        layout.addWidget(fix, alignment=Qt.AlignmentFlag.AlignRight)
        return row

    def apply_fix(self, problem: Problem) -> None:
        assert self.model is not None
        if problem not in self.draft.readiness():
            # The list lags a change by READINESS_DELAY_MS; a fix from before the
            # change would undo it (remove a room someone was just dropped into).
            self._check_readiness()
            return
        self.model.apply_fix(problem)
        self._check_readiness()

    def _apply(self, *, start: bool) -> None:
        draft = self.draft
        request = ApplyRequest(
            conversation_id=draft.saved.id,
            room_changes=tuple(draft.room_changes()),
            saved=draft.saved.breakouts.plan,
            wanted=draft.plan(),
            start=start,
        )
        self.apply_requested.emit(request)

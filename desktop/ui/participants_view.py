"""The participants list: who is here, how they hear, who needs help.

Each row shows the member's audio connection as an icon left of the name
(from the model's ``DecorationRole``), and on the right the breakout room they
are in during a session, a moderator badge and a "Help" badge for an open help
request. Every badge is also in the row's tooltip and accessible text, so
nothing is told by colour or icon alone.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core import Role
from desktop.ui.chat_view import mix
from desktop.ui.models.participants_model import ParticipantRole, ParticipantsModel
from desktop.ui.resources import icon

AnyIndex = QModelIndex | QPersistentModelIndex

ICON = 18
BADGE = 16
PAD = 8
SPACING = 6
HELP_ORANGE = QColor("#e8730c")
LEFT_MIDDLE = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft


class ParticipantDelegate(QStyledItemDelegate):
    """Paints the audio icon and name on the left and the badges on the right."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        height = max(ICON, QFontMetrics(option.font).height()) + 2 * SPACING
        return QSize(option.rect.width(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text = opt.palette.color(group)
        right = self._paint_badges(painter, opt, index, text)
        rect = opt.rect
        top = rect.top() + (rect.height() - ICON) // 2
        icon_rect = QRect(rect.left() + PAD, top, ICON, ICON)
        if selected:
            # The audio icons are coloured: a backdrop keeps them legible on the selection.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(opt.palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(icon_rect.adjusted(-2, -2, 2, 2), 4, 4)
        opt.icon.paint(painter, icon_rect)
        left = rect.left() + PAD + ICON + SPACING
        name_rect = QRect(left, rect.top(), max(0, right - left - SPACING), rect.height())
        name = opt.fontMetrics.elidedText(opt.text, Qt.TextElideMode.ElideRight, name_rect.width())
        painter.setPen(text)
        painter.setFont(opt.font)
        painter.drawText(name_rect, LEFT_MIDDLE, name)
        painter.restore()

    def _paint_badges(
        self, painter: QPainter, opt: QStyleOptionViewItem, index: AnyIndex, text: QColor
    ) -> int:
        """Paint the badges from the right edge leftwards; return where they begin."""
        rect = opt.rect
        right = rect.right() - PAD
        middle = rect.top() + rect.height() // 2
        if index.data(ParticipantRole.RoleRole) == Role.MODERATOR.value:
            right -= BADGE
            icon("moderator").paint(painter, QRect(right, middle - BADGE // 2, BADGE, BADGE))
            right -= SPACING
        if index.data(ParticipantRole.HelpRole):
            right = self._paint_help(painter, opt.font, right, middle, text) - SPACING
        room = index.data(ParticipantRole.RoomRole)
        if room:
            right = self._paint_room(painter, opt, str(room), right, text) - SPACING
        return right

    def _paint_help(
        self, painter: QPainter, font: QFont, right: int, middle: int, text: QColor
    ) -> int:
        """A pill with the help icon and "Help"; returns its left edge."""
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.85)
        small.setBold(True)
        label = self.tr("Help")
        width = BADGE + 4 + QFontMetrics(small).horizontalAdvance(label) + 2 * PAD - 2
        height = BADGE + 4
        pill = QRect(right - width, middle - height // 2, width, height)
        painter.setPen(HELP_ORANGE)
        # Translucent, so the pill reads on light and dark rows and on the selection.
        painter.setBrush(QColor(HELP_ORANGE.red(), HELP_ORANGE.green(), HELP_ORANGE.blue(), 70))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        icon("help").paint(painter, QRect(pill.left() + PAD - 3, middle - BADGE // 2, BADGE, BADGE))
        painter.setPen(text)
        painter.setFont(small)
        at = QRect(pill.left() + PAD - 3 + BADGE + 4, pill.top(), width, height)
        painter.drawText(at, LEFT_MIDDLE, label)
        return pill.left()

    def _paint_room(
        self, painter: QPainter, opt: QStyleOptionViewItem, room: str, right: int, text: QColor
    ) -> int:
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        ground = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        base = opt.palette.color(ground)
        metrics = opt.fontMetrics
        room = metrics.elidedText(room, Qt.TextElideMode.ElideRight, opt.rect.width() // 3)
        width = metrics.horizontalAdvance(room)
        painter.setPen(mix(base, text, 0.65))
        painter.setFont(opt.font)
        at = QRect(right - width, opt.rect.top(), width, opt.rect.height())
        painter.drawText(at, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, room)
        return at.left()


class ParticipantsView(QWidget):
    """A "Participants (N)" header over the list of members.

    Signals:
        participant_activated(str): a member's row was double-clicked or
            activated with the keyboard; carries their user id.
    """

    participant_activated = Signal(str)

    def __init__(
        self, model: ParticipantsModel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model if model is not None else ParticipantsModel(parent=self)
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setContentsMargins(4, 2, 0, 0)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setItemDelegate(ParticipantDelegate(self.list))
        self.list.setAccessibleName(self.tr("Participants"))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        self.model.rowsInserted.connect(self.on_model_rows_changed)
        self.model.rowsRemoved.connect(self.on_model_rows_changed)
        self.model.modelReset.connect(self.on_model_reset)
        self.list.activated.connect(self.on_list_activated)
        self._count_members()

    def on_model_rows_changed(self, parent: QModelIndex, first: int, last: int) -> None:
        self._count_members()

    def on_model_reset(self) -> None:
        self._count_members()

    def on_list_activated(self, index: QModelIndex) -> None:
        self.participant_activated.emit(str(index.data(ParticipantRole.UserIdRole)))

    def _count_members(self) -> None:
        count = self.model.rowCount()
        self.header.setText(self.tr("Participants ({count})").format(count=count))
        self.header.setAccessibleName(self.header.text())

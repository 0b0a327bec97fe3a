"""The list of the user's conversations, each with an unread badge.

A conversation with unread lines shows its title in bold and a pill with the
count on the right ("99+" past 99); the count is also in the row's tooltip and
accessible text.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.models.conversations_model import ConversationListModel, ConversationRole

AnyIndex = QModelIndex | QPersistentModelIndex

PAD = 10
ROW_PAD = 8
MOST_SHOWN = 99


def badge_text(unread: int) -> str:
    return f"{MOST_SHOWN}+" if unread > MOST_SHOWN else str(unread)


class UnreadBadgeDelegate(QStyledItemDelegate):
    """Paints the title and, when there are unread lines, a pill with their count."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(option.rect.width(), QFontMetrics(option.font).height() + 2 * ROW_PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        unread = int(index.data(ConversationRole.UnreadRole) or 0)
        right = opt.rect.right() - PAD
        if unread:
            right = self._paint_badge(painter, opt, badge_text(unread), selected) - PAD
        font = QFont(opt.font)
        font.setBold(unread > 0)
        title_rect = QRect(opt.rect.left() + PAD, opt.rect.top(), 0, opt.rect.height())
        title_rect.setRight(right)
        title = QFontMetrics(font).elidedText(
            opt.text, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        painter.setFont(font)
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(title_rect, align, title)
        painter.restore()

    def _paint_badge(
        self, painter: QPainter, opt: QStyleOptionViewItem, text: str, selected: bool
    ) -> int:
        """A pill in the accent colour (inverted on a selected row); returns its left."""
        font = QFont(opt.font)
        font.setBold(True)
        font.setPointSizeF(opt.font.pointSizeF() * 0.85)
        metrics = QFontMetrics(font)
        height = metrics.height() + 2
        width = max(height, metrics.horizontalAdvance(text) + height // 2 + 4)
        middle = opt.rect.top() + opt.rect.height() // 2
        pill = QRect(opt.rect.right() - PAD - width + 1, middle - height // 2, width, height)
        fill, ink = QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText
        if selected:
            fill, ink = ink, fill
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(opt.palette.color(fill))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(opt.palette.color(ink))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        return pill.left()


class ConversationList(QWidget):
    """The conversations; choosing one tells the app to open it.

    Signals:
        conversation_selected(str): the user chose this conversation.
    """

    conversation_selected = Signal(str)

    def __init__(
        self, model: ConversationListModel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model if model is not None else ConversationListModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setItemDelegate(UnreadBadgeDelegate(self.list))
        self.list.setAccessibleName(self.tr("Conversations"))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self._quiet = False
        self.list.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.model.modelReset.connect(self.on_model_reset)

    def select(self, conversation_id: str | None) -> None:
        """Show ``conversation_id`` as chosen without announcing it."""
        row = None if conversation_id is None else self.model.row_of(conversation_id)
        self._quiet = True
        try:
            if row is None:
                self.list.clearSelection()
            else:
                self.list.setCurrentIndex(self.model.index(row))
        finally:
            self._quiet = False

    def on_model_reset(self) -> None:
        self.select(self.model.open_id)

    def on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes and not self._quiet:
            self.conversation_selected.emit(str(indexes[0].data(ConversationRole.IdRole)))

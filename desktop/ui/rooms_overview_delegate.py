"""How the rooms overview draws its rows.

A room is a rounded card: a chevron to fold it, its icon and name, how many
people are in it, a help badge and a conflict mark when they apply, and a
"Join" button on the right. An attendee is a slim row: audio icon, name, a help
badge; attendees in an audio conflict sit on the conflict red with a red bar.
Everything shown comes from the model's roles; the delegate only paints and
turns clicks on its drawn controls into signals.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QIcon,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QToolTip,
    QTreeView,
)

from desktop.ui.models.rooms_overview_model import OverviewRole
from desktop.ui.resources import icon
from desktop.ui.rooms_overview_notice import blended, conflict_ink, tinted
from desktop.ui.theme import help_badge

AnyIndex = QModelIndex | QPersistentModelIndex
State = QStyle.StateFlag
Colour = QPalette.ColorRole

ROOM_HEIGHT = 44
ATTENDEE_HEIGHT = 30
ICON = 18
PAD = 10


def _is_room(index: AnyIndex) -> bool:
    return index.isValid() and not index.parent().isValid()


def _card(rect: QRect) -> QRectF:
    return QRectF(rect).adjusted(1.5, 5.5, -1.5, -1.5)


class RoomsOverviewDelegate(QStyledItemDelegate):
    """Paints room cards and attendee rows; clicks on a card's controls.

    Signals:
        join_clicked(object): a room's "Join" button (``RoomId``, ``None`` = main).
        toggle_clicked(int): the chevron of the room in this top-level row, to fold
            or unfold it.
    """

    join_clicked = Signal(object)
    toggle_clicked = Signal(int)

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view
        self._pressed = QPersistentModelIndex()
        self._hovered_join = QPersistentModelIndex()
        self._on_control = False
        view.setMouseTracking(True)
        view.viewport().installEventFilter(self)

    # Geometry

    def join_rect(self, rect: QRect) -> QRect:
        """Where a room row of ``rect`` draws its "Join" button."""
        metrics = self._view.fontMetrics()
        width = metrics.horizontalAdvance(self.join_text()) + 16 + 30
        card = _card(rect).toAlignedRect()
        height = min(26, card.height() - 8)
        return QRect(card.right() - PAD - width, card.center().y() - height // 2, width, height)

    def chevron_rect(self, rect: QRect) -> QRect:
        card = _card(rect).toAlignedRect()
        return QRect(card.left() + PAD, card.center().y() - 7, 14, 14)

    def join_text(self) -> str:
        return self.tr("Join")

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        line = option.fontMetrics.height()
        if _is_room(index):
            return QSize(240, max(ROOM_HEIGHT, line + 22))
        return QSize(200, max(ATTENDEE_HEIGHT, line + 10))

    # Painting

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if _is_room(index):
            self._paint_room(painter, option, index)
        else:
            self._paint_attendee(painter, option, index)
        painter.restore()

    def _paint_room(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        palette = option.palette
        card = _card(option.rect)
        selected = bool(option.state & State.State_Selected)
        marked = bool(option.state & (State.State_Selected | State.State_HasFocus))
        border = palette.color(Colour.Highlight)
        if not marked:
            border = blended(palette, palette.color(Colour.Mid), 0.55)
        fill = palette.color(Colour.AlternateBase)
        if selected:
            fill = blended(palette, palette.color(Colour.Highlight), 0.12)
        painter.setPen(QPen(border, 1.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 8, 8)
        self._paint_chevron(painter, option, index)

        x = self.chevron_rect(option.rect).right() + 8
        centre = round(card.center().y())
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(decoration, QIcon):
            decoration.paint(painter, QRect(x, centre - ICON // 2, ICON, ICON))
        x += ICON + 8
        join = self.join_rect(option.rect)
        right = self._paint_room_badges(painter, option, index, join.left() - 12)
        self._paint_room_title(painter, option, index, x, right - 8, centre)
        self._paint_join(painter, option, index, join)

    def _paint_chevron(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        box = QRectF(self.chevron_rect(option.rect))
        c = box.center()
        path = QPainterPath()
        if self._view.isExpanded(index):
            path.moveTo(c + QPointF(-4, -2))
            path.lineTo(c + QPointF(0, 2))
            path.lineTo(c + QPointF(4, -2))
        else:
            path.moveTo(c + QPointF(-2, -4))
            path.lineTo(c + QPointF(2, 0))
            path.lineTo(c + QPointF(-2, 4))
        pen = QPen(option.palette.color(Colour.PlaceholderText), 1.6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _paint_room_title(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: AnyIndex,
        left: int,
        right: int,
        centre: int,
    ) -> None:
        bold = QFont(option.font)
        bold.setWeight(QFont.Weight.DemiBold)
        count = int(index.data(OverviewRole.CountRole) or 0)
        people = self.tr("1 person") if count == 1 else self.tr("{n} people").format(n=count)
        count_width = option.fontMetrics.horizontalAdvance(people)
        name_metrics = QFontMetrics(bold)
        space = max(0, right - left - count_width - 10)
        name = name_metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, space
        )
        name_width = name_metrics.horizontalAdvance(name)
        painter.setFont(bold)
        painter.setPen(option.palette.color(Colour.Text))
        text_box = QRect(left, centre - 12, name_width + 1, 24)
        painter.drawText(text_box, Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(option.font)
        painter.setPen(option.palette.color(Colour.PlaceholderText))
        count_box = QRect(left + name_width + 10, centre - 12, count_width + 1, 24)
        painter.drawText(count_box, Qt.AlignmentFlag.AlignVCenter, people)

    def _paint_room_badges(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, right: int
    ) -> int:
        """Draw the badges leftwards from ``right``; return where they begin."""
        centre = _card(option.rect).center().y()
        if index.data(OverviewRole.ConflictRole):
            right = self._paint_conflict_mark(painter, option, right, centre)
        if index.data(OverviewRole.HelpRole):
            right = self._paint_help_pill(painter, option, right, centre)
        return right

    def _paint_conflict_mark(
        self, painter: QPainter, option: QStyleOptionViewItem, right: int, centre: float
    ) -> int:
        ink = conflict_ink(option.palette)
        text = self.tr("Audio conflict")
        width = option.fontMetrics.horizontalAdvance(text)
        left = right - width - 16 - 6
        ratio = painter.device().devicePixelRatioF()
        painter.drawPixmap(QPoint(left, round(centre) - 8), tinted("conflict", ink, 16, ratio))
        painter.setPen(ink)
        painter.setFont(option.font)
        box = QRect(left + 22, round(centre) - 12, width + 1, 24)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter, text)
        return left - 12

    def _paint_help_pill(
        self, painter: QPainter, option: QStyleOptionViewItem, right: int, centre: float
    ) -> int:
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.9)
        small.setWeight(QFont.Weight.DemiBold)
        text = self.tr("Help")
        width = QFontMetrics(small).horizontalAdvance(text) + 14 + 4 + 18
        pill = QRectF(right - width, centre - 10, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(help_badge(option.palette))
        painter.drawRoundedRect(pill, 10, 10)
        white = QColor(Qt.GlobalColor.white)
        ratio = painter.device().devicePixelRatioF()
        painter.drawPixmap(
            QPoint(round(pill.left()) + 8, round(centre) - 7), tinted("help", white, 14, ratio)
        )
        painter.setFont(small)
        painter.setPen(white)
        painter.drawText(pill.adjusted(26, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter, text)
        return round(pill.left()) - 8

    def _paint_join(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, rect: QRect
    ) -> None:
        button = QStyleOptionButton()
        button.rect = rect
        button.text = self.join_text()
        button.icon = icon("join")
        button.iconSize = QSize(16, 16)
        button.palette = option.palette
        button.fontMetrics = option.fontMetrics
        button.state = State.State_Enabled | State.State_Raised
        if self._hovered_join == index:
            button.state |= State.State_MouseOver
        if self._pressed == index:
            button.state |= State.State_Sunken
        style = self._view.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, self._view)

    def _paint_attendee(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        row = QRectF(option.rect).adjusted(2, 1, -2, -1)
        self._paint_attendee_background(painter, option, index, row)
        centre = round(row.center().y())
        x = round(row.left()) + PAD
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(decoration, QIcon):
            decoration.paint(painter, QRect(x, centre - ICON // 2, ICON, ICON))
        x += ICON + 8
        right = round(row.right()) - PAD
        if index.data(OverviewRole.HelpRole):
            right = self._paint_help_pill(painter, option, right, centre)
        text = option.fontMetrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, right - x
        )
        painter.setFont(option.font)
        painter.setPen(option.palette.color(Colour.Text))
        painter.drawText(QRect(x, centre - 12, right - x, 24), Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_attendee_background(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, row: QRectF
    ) -> None:
        """Conflict red with a red bar; selection as a tint, so the audio icons keep
        their colours; a soft hover; an outline for keyboard focus."""
        palette = option.palette
        highlight = palette.color(Colour.Highlight)
        red = index.data(Qt.ItemDataRole.BackgroundRole)
        inset = row.adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        if isinstance(red, QColor):
            painter.setBrush(red)
            painter.drawRoundedRect(row, 6, 6)
        if option.state & State.State_Selected:
            tint = QColor(highlight)
            tint.setAlphaF(0.28)
            painter.setBrush(tint)
            painter.drawRoundedRect(row, 6, 6)
        elif option.state & State.State_MouseOver and not isinstance(red, QColor):
            painter.setBrush(blended(palette, highlight, 0.08))
            painter.drawRoundedRect(row, 6, 6)
        if isinstance(red, QColor):
            painter.setBrush(conflict_ink(palette))
            bar = QRectF(row.left(), row.top() + 3, 3, row.height() - 6)
            painter.drawRoundedRect(bar, 1.5, 1.5)
        if option.state & (State.State_Selected | State.State_HasFocus):
            painter.setPen(QPen(highlight, 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(inset, 6, 6)

    # Clicks, hover and tooltips

    @property
    def pressed_on_control(self) -> bool:
        """Whether the last press hit a drawn control (a double-click there is
        not a double-click on the room)."""
        return self._on_control

    def editorEvent(
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: AnyIndex,
    ) -> bool:
        if not isinstance(event, QMouseEvent) or event.button() is not Qt.MouseButton.LeftButton:
            return False
        position = event.position().toPoint()
        room = _is_room(index)
        on_join = room and self.join_rect(option.rect).contains(position)
        on_chevron = room and self.chevron_rect(option.rect).adjusted(-6, -6, 6, 6).contains(
            position
        )
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            self._on_control = on_join or on_chevron
        match kind:
            case QEvent.Type.MouseButtonPress if on_join:
                self._pressed = QPersistentModelIndex(index)
                self._view.viewport().update(option.rect)
                return True
            case QEvent.Type.MouseButtonDblClick if on_join:
                self._pressed = QPersistentModelIndex()  # its first click joined already
                return True
            case QEvent.Type.MouseButtonPress if on_chevron:
                self.toggle_clicked.emit(index.row())
                return True
            case QEvent.Type.MouseButtonRelease if self._pressed.isValid():
                pressed, self._pressed = self._pressed, QPersistentModelIndex()
                self._view.viewport().update(option.rect)
                if on_join and pressed == index:
                    self.join_clicked.emit(index.data(OverviewRole.RoomIdRole))
                return True
        return False

    def on_join_button_hovered(self, position: QPoint) -> None:
        """Light up the "Join" button under the mouse, and only that one."""
        index = self._view.indexAt(position)
        rect = self._view.visualRect(index)
        over = _is_room(index) and self.join_rect(rect).contains(position)
        hovered = QPersistentModelIndex(index) if over else QPersistentModelIndex()
        if hovered != self._hovered_join:
            previous, self._hovered_join = self._hovered_join, hovered
            self._view.viewport().update(self._view.visualRect(previous))
            self._view.viewport().update(rect)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QMouseEvent) and event.type() is QEvent.Type.MouseMove:
            self.on_join_button_hovered(event.position().toPoint())
        elif event.type() is QEvent.Type.Leave:
            self.on_join_button_hovered(QPoint(-1, -1))
        return False

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: AnyIndex,
    ) -> bool:
        if _is_room(index) and self.join_rect(option.rect).contains(event.pos()):
            name = index.data(Qt.ItemDataRole.DisplayRole)
            QToolTip.showText(event.globalPos(), self.tr("Join {room}").format(room=name), view)
            return True
        return super().helpEvent(event, view, option, index)

"""A room's chat: the lines of a :class:`ChatModel` and a composer below them.

The delegate paints three kinds of lines: messages as bubbles (the user's own
on the right, tinted with the accent colour), the server's system messages as
centred muted lines, and moderators' broadcasts as full-width amber cards with
a megaphone, so a broadcast cannot be mistaken for an ordinary message.

The view follows the conversation: while it is scrolled to the bottom, new
lines keep it there; when older lines are prepended it keeps the lines the user
is reading in place; scrolling to the top asks for older history once, until
some arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPalette,
    QShowEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.models.chat_model import ChatModel, ChatRole, LineKind
from desktop.ui.resources import icon

AnyIndex = QModelIndex | QPersistentModelIndex

MARGIN = 10
"""Pixels between a line and the view's edges."""
GAP = 3
"""Pixels above and below each line."""
PAD = 9
"""Pixels inside a bubble or card, left and right."""
PAD_V = 6
"""Pixels inside a bubble or card, top and bottom."""
BUBBLE_SHARE = 0.78
"""How much of the view's width a message bubble may take."""
ICON = 20
ACCENT_BAR = 4
BOTTOM_SLACK = 4
"""Pixels from the bottom that still count as "at the bottom"."""


def mix(a: QColor, b: QColor, share: float) -> QColor:
    """``a`` with ``share`` of ``b`` blended in (opaque, 8 bits a channel)."""

    def channel(x: int, y: int) -> int:
        return round(x + (y - x) * share)

    return QColor(
        channel(a.red(), b.red()), channel(a.green(), b.green()), channel(a.blue(), b.blue())
    )


@dataclass(frozen=True)
class ChatColours:
    """Colours derived from the palette, so light and dark themes both read well."""

    text: QColor
    muted: QColor
    own: QColor
    other: QColor
    broadcast: QColor
    broadcast_edge: QColor

    @classmethod
    def of(cls, palette: QPalette) -> ChatColours:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        dark = base.lightness() < 128
        return cls(
            text=text,
            muted=mix(base, text, 0.6),
            own=mix(base, accent, 0.32 if dark else 0.2),
            other=mix(base, text, 0.1 if dark else 0.06),
            broadcast=QColor("#5a4410") if dark else QColor("#ffeaa8"),
            broadcast_edge=QColor("#e0a92e") if dark else QColor("#d08c00"),
        )


def wrapped(text: str, font: QFont, width: float, centred: bool = False) -> QTextLayout:
    """``text`` laid out in lines of at most ``width`` pixels.

    Long words break anywhere rather than overflow; newlines in the text
    become line breaks.
    """
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    if centred:
        option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    layout.setTextOption(option)
    layout.beginLayout()
    height = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(max(width, 1.0))
        line.setPosition(QPointF(0, height))
        height += line.height()
    layout.endLayout()
    return layout


def natural_width(layout: QTextLayout) -> float:
    return max((layout.lineAt(i).naturalTextWidth() for i in range(layout.lineCount())), default=0)


@dataclass(frozen=True)
class _Line:
    """One line's content and fonts, read from the model once per paint."""

    kind: LineKind
    author: str
    text: str
    time: str
    own: bool
    font: QFont
    bold: QFont
    small: QFont


class ChatDelegate(QStyledItemDelegate):
    """Paints chat lines; sizes follow the view's width, so text re-wraps on resize."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        width = self._view.viewport().width()
        line = self._line(option, index)
        if line.kind is LineKind.SYSTEM:
            height = self._system_text(line, width).boundingRect().height() + 2 * PAD_V
        elif line.kind is LineKind.BROADCAST:
            height = self._card_height(line, width)
        else:
            height = self._bubble(line, width).height()
        return QSize(width, int(height) + 2 * GAP + 1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        line = self._line(option, index)
        colours = ChatColours.of(option.palette)
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.topLeft())
        if line.kind is LineKind.SYSTEM:
            self._paint_system(painter, line, rect.width(), colours)
        elif line.kind is LineKind.BROADCAST:
            self._paint_broadcast(painter, line, rect.width(), colours)
        else:
            self._paint_message(painter, line, rect.width(), colours)
        painter.restore()

    def _line(self, option: QStyleOptionViewItem, index: AnyIndex) -> _Line:
        font = QFont(option.font)
        bold = QFont(font)
        bold.setBold(True)
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.85)
        when = index.data(ChatRole.TimeRole)
        short = QLocale.FormatType.ShortFormat
        time = self._view.locale().toString(when.time(), short) if when else ""
        return _Line(
            kind=LineKind(index.data(ChatRole.KindRole)),
            author=str(index.data(ChatRole.AuthorRole)),
            text=str(index.data(ChatRole.TextRole)),
            time=time,
            own=bool(index.data(ChatRole.IsOwnRole)),
            font=font,
            bold=bold,
            small=small,
        )

    # Messages

    def _bubble(self, line: _Line, width: int) -> QRectF:
        """The bubble's rectangle in row coordinates (below the row's gap)."""
        limit = max(60.0, (width - 2 * MARGIN) * BUBBLE_SHARE - 2 * PAD)
        text = wrapped(line.text, line.font, limit)
        header = self._header_width(line)
        inner = min(limit, max(natural_width(text), header))
        height = PAD_V + self._header_height(line) + 2 + text.boundingRect().height() + PAD_V
        left = width - MARGIN - inner - 2 * PAD if line.own else MARGIN
        return QRectF(left, GAP, inner + 2 * PAD, height)

    def _header_width(self, line: _Line) -> float:
        author = QFontMetrics(line.bold).horizontalAdvance(line.author)
        return author + 8 + QFontMetrics(line.small).horizontalAdvance(line.time)

    def _header_height(self, line: _Line) -> int:
        return QFontMetrics(line.bold).height()

    def _paint_message(self, painter: QPainter, line: _Line, width: int, c: ChatColours) -> None:
        bubble = self._bubble(line, width)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(c.own if line.own else c.other)
        painter.drawRoundedRect(bubble, 8, 8)
        inner = bubble.adjusted(PAD, PAD_V, -PAD, -PAD_V)
        header = QRectF(inner.left(), inner.top(), inner.width(), self._header_height(line))
        self._paint_header(painter, line, header, line.author, c)
        text = wrapped(line.text, line.font, inner.width())
        painter.setPen(c.text)
        text.draw(painter, QPointF(inner.left(), inner.top() + self._header_height(line) + 2))

    def _paint_header(
        self, painter: QPainter, line: _Line, header: QRectF, label: str, c: ChatColours
    ) -> None:
        """``label`` in bold (elided to fit) and the time after it, muted,
        both centred in ``header``'s height."""
        bold = QFontMetrics(line.bold)
        time_width = QFontMetrics(line.small).horizontalAdvance(line.time)
        room = max(0, int(header.width() - time_width - 8))
        label = bold.elidedText(label, Qt.TextElideMode.ElideRight, room)
        centred = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setPen(c.text)
        painter.setFont(line.bold)
        painter.drawText(QRectF(header.left(), header.top(), room, header.height()), centred, label)
        painter.setPen(c.muted)
        painter.setFont(line.small)
        left = header.left() + bold.horizontalAdvance(label) + 8
        at = QRectF(left, header.top(), time_width + 1, header.height())
        painter.drawText(at, centred, line.time)

    # System messages

    def _system_text(self, line: _Line, width: int) -> QTextLayout:
        italic = QFont(line.small)
        italic.setItalic(True)
        return wrapped(line.text, italic, width - 2 * (MARGIN + 4 * PAD), centred=True)

    def _paint_system(self, painter: QPainter, line: _Line, width: int, c: ChatColours) -> None:
        text = self._system_text(line, width)
        painter.setPen(c.muted)
        text.draw(painter, QPointF(MARGIN + 4 * PAD, GAP + PAD_V))

    # Broadcasts

    def _card_text(self, line: _Line, width: int) -> QTextLayout:
        return wrapped(line.text, line.font, width - 2 * MARGIN - ACCENT_BAR - 3 * PAD - ICON)

    def _card_height(self, line: _Line, width: int) -> float:
        header = max(ICON, self._header_height(line))
        return PAD_V + header + 2 + self._card_text(line, width).boundingRect().height() + PAD_V

    def _paint_broadcast(self, painter: QPainter, line: _Line, width: int, c: ChatColours) -> None:
        card = QRectF(MARGIN, GAP, width - 2 * MARGIN, self._card_height(line, width))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(c.broadcast)
        painter.drawRoundedRect(card, 6, 6)
        painter.setBrush(c.broadcast_edge)
        painter.drawRoundedRect(QRectF(card.left(), card.top(), ACCENT_BAR, card.height()), 2, 2)
        left = card.left() + ACCENT_BAR + PAD
        header = max(ICON, self._header_height(line))
        icon("broadcast").paint(painter, QRect(int(left), int(card.top() + PAD_V), ICON, ICON))
        inner = QRectF(left + ICON + PAD, card.top() + PAD_V, 0, header)
        inner.setRight(card.right() - PAD)
        label = self.tr("Broadcast · {author}").format(author=line.author)
        self._paint_header(painter, line, inner, label, c)
        painter.setPen(c.text)
        self._card_text(line, width).draw(painter, QPointF(inner.left(), inner.top() + header + 2))


class ComposerEdit(QPlainTextEdit):
    """The text box of the composer: Enter sends, Shift+Enter starts a new line.

    Signals:
        enter_pressed: Enter (without Shift) was pressed.
    """

    enter_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.insertPlainText("\n")
        else:
            event.accept()
            self.enter_pressed.emit()


class Composer(QWidget):
    """A growing text box and a Send button.

    Signals:
        message_submitted(str): the trimmed text, never empty; the box is cleared.
    """

    message_submitted = Signal(str)

    MAX_LINES = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = ComposerEdit(self)
        self.edit.setAccessibleName(self.tr("Message"))
        self.edit.setPlaceholderText(self.tr("Write a message…"))
        self.edit.setTabChangesFocus(True)
        self.send = QPushButton(icon("send"), self.tr("Send"), self)
        self.send.setAccessibleName(self.tr("Send message"))
        self.send.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, 6, MARGIN, MARGIN)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send, 0, Qt.AlignmentFlag.AlignBottom)
        self.edit.enter_pressed.connect(self.on_edit_enter_pressed)
        self.edit.textChanged.connect(self.on_edit_text_changed)
        self.send.clicked.connect(self.on_send_clicked)
        self._fit_height()

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.on_edit_text_changed()

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)

    def on_edit_enter_pressed(self) -> None:
        self._submit()

    def on_send_clicked(self) -> None:
        self._submit()

    def on_edit_text_changed(self) -> None:
        self.send.setEnabled(not self.edit.isReadOnly() and bool(self.edit.toPlainText().strip()))
        self._fit_height()

    def _submit(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text or self.edit.isReadOnly():
            return
        self.edit.clear()
        self.message_submitted.emit(text)

    def _fit_height(self) -> None:
        """One line when empty, growing with the text up to :attr:`MAX_LINES`."""
        document = self.edit.document()
        # The plain-text layout measures a document's height in lines.
        lines = min(
            max(1, round(document.documentLayout().documentSize().height())), self.MAX_LINES
        )
        frame = 2 * self.edit.frameWidth() + 2 * round(document.documentMargin())
        margins = self.edit.contentsMargins()
        spacing = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(lines * spacing + frame + margins.top() + margins.bottom())


class ChatView(QWidget):
    """A chat's lines over a composer.

    Signals:
        message_submitted(str): the user sent this (trimmed, non-empty) text.
        older_requested: the top of the chat is in view; load older history.
            Emitted once, and again only after older lines arrived (or the
            chat was reset).
    """

    message_submitted = Signal(str)
    older_requested = Signal()

    def __init__(self, model: ChatModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ChatModel | None = None
        self.lines = QListView(self)
        self.lines.setItemDelegate(ChatDelegate(self.lines))
        self.lines.setAccessibleName(self.tr("Chat messages"))
        self.lines.setFrameShape(QFrame.Shape.NoFrame)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines.setResizeMode(QListView.ResizeMode.Adjust)
        self.lines.setUniformItemSizes(False)
        self.lines.setWordWrap(True)
        self.composer = Composer(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.composer)
        self._at_bottom = True
        self._from_bottom: int | None = None
        self._older_asked = False
        self._top_check = QTimer(self)
        self._top_check.setSingleShot(True)
        self._top_check.setInterval(0)
        self._top_check.timeout.connect(self.on_top_check_timeout)
        bar = self.lines.verticalScrollBar()
        bar.valueChanged.connect(self.on_scrollbar_value_changed)
        bar.rangeChanged.connect(self.on_scrollbar_range_changed)
        self.composer.message_submitted.connect(self.message_submitted)
        if model is not None:
            self.set_model(model)

    def set_model(self, model: ChatModel) -> None:
        """Show ``model``'s lines; switching rooms is the model's ``reset``."""
        if self.model is not None:
            self.model.rowsAboutToBeInserted.disconnect(self.on_model_rows_about_to_be_inserted)
            self.model.rowsInserted.disconnect(self.on_model_rows_inserted)
            self.model.modelReset.disconnect(self.on_model_reset)
        self.model = model
        selection = self.lines.selectionModel()
        self.lines.setModel(model)
        if selection is not None:
            # The view leaves the previous model's selection model behind.
            selection.deleteLater()
        model.rowsAboutToBeInserted.connect(self.on_model_rows_about_to_be_inserted)
        model.rowsInserted.connect(self.on_model_rows_inserted)
        model.modelReset.connect(self.on_model_reset)
        self.on_model_reset()

    def set_read_only(self, read_only: bool) -> None:
        """Show the chat without letting the user write (e.g. a closed room)."""
        self.composer.set_read_only(read_only)

    def set_placeholder(self, text: str) -> None:
        self.composer.set_placeholder(text)

    def is_at_bottom(self) -> bool:
        return self._at_bottom

    def scroll_to_bottom(self) -> None:
        self._at_bottom = True
        self.lines.scrollToBottom()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._top_check.start()

    def on_model_rows_about_to_be_inserted(
        self, parent: QModelIndex, first: int, last: int
    ) -> None:
        if first == 0 and self.lines.model().rowCount():
            # Older lines go in above: keep what is on screen where it is.
            bar = self.lines.verticalScrollBar()
            self._from_bottom = bar.maximum() - bar.value()

    def on_model_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if first == 0:
            self._older_asked = False
        self._top_check.start()

    def on_model_reset(self) -> None:
        self._at_bottom = True
        self._from_bottom = None
        self._older_asked = False
        self._top_check.start()

    def on_scrollbar_range_changed(self, minimum: int, maximum: int) -> None:
        bar = self.lines.verticalScrollBar()
        if self._from_bottom is not None:
            bar.setValue(maximum - self._from_bottom)
            self._from_bottom = None
        elif self._at_bottom:
            bar.setValue(maximum)

    def on_scrollbar_value_changed(self, value: int) -> None:
        bar = self.lines.verticalScrollBar()
        self._at_bottom = value >= bar.maximum() - BOTTOM_SLACK
        if value == bar.minimum():
            self._top_check.start()

    def on_top_check_timeout(self) -> None:
        """Ask for older lines if the top is in view (laid out, not guessed)."""
        if self._older_asked or not self.lines.isVisible():
            return
        self.lines.executeDelayedItemsLayout()
        bar = self.lines.verticalScrollBar()
        if bar.value() == bar.minimum():
            self._older_asked = True
            self.older_requested.emit()

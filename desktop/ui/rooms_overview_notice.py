"""Tinted strips of the rooms overview: the frame they share and the notice that
says why a drop was refused.

The tint and accent are asked of the palette being drawn on (see
:mod:`desktop.ui.theme`), so the strips read on light and dark themes alike.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop.ui.resources import icon
from desktop.ui.theme import conflict_background, is_dark

Paint = Callable[[QPalette], QColor]

NOTICE_SECONDS = 8
"""How long a refused drop's explanation stays, unless closed earlier."""


def conflict_ink(palette: QPalette) -> QColor:
    """A red strong enough for icons and accent bars on ``palette``."""
    return QColor("#ff7b72" if is_dark(palette) else "#c62828")


def blended(palette: QPalette, colour: QColor, amount: float) -> QColor:
    """``colour`` laid over the window background at ``amount`` (0–1) opacity."""
    base = palette.color(QPalette.ColorRole.Window)
    mix = [
        round(b + (c - b) * amount)
        for b, c in zip(
            (base.red(), base.green(), base.blue()),
            (colour.red(), colour.green(), colour.blue()),
            strict=True,
        )
    ]
    return QColor(*mix)


def tinted(name: str, colour: QColor, size: int, ratio: float = 1.0) -> QPixmap:
    """The icon ``name`` drawn wholly in ``colour``: a red warning, a white badge."""
    source = icon(name).pixmap(QSize(size, size), ratio)
    result = QPixmap(source.size())
    result.setDevicePixelRatio(source.devicePixelRatio())
    result.fill(Qt.GlobalColor.transparent)
    painter = QPainter(result)
    painter.drawPixmap(0, 0, source)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(QRectF(0, 0, size, size), colour)
    painter.end()
    return result


class TintedFrame(QFrame):
    """A rounded strip in a soft tint with a coloured bar on its leading edge."""

    RADIUS = 8.0
    BAR = 4.0

    def __init__(self, tint: Paint, accent: Paint, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tint = tint
        self._accent = accent
        self.setAutoFillBackground(False)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outline = QPainterPath()
        outline.addRoundedRect(QRectF(self.rect()), self.RADIUS, self.RADIUS)
        painter.fillPath(outline, self._tint(self.palette()))
        painter.setClipPath(outline)
        bar = QRectF(0, 0, self.BAR, self.height())
        if self.layoutDirection() is Qt.LayoutDirection.RightToLeft:
            bar.moveRight(self.width())
        painter.fillRect(bar, self._accent(self.palette()))
        painter.end()


class DropNotice(TintedFrame):
    """Why a drop was refused, in words, for a few seconds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(conflict_background, conflict_ink, parent)
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setAccessibleName(self.tr("Why the move was refused"))
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._close = QToolButton()
        self._close.setIcon(icon("close"))
        self._close.setAutoRaise(True)
        self._close.setToolTip(self.tr("Dismiss"))
        self._close.setAccessibleName(self.tr("Dismiss the message"))
        self._close.clicked.connect(self.on_close_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 6, 6)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(NOTICE_SECONDS * 1000)
        self._hide_timer.timeout.connect(self.hide)
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text()

    def show_message(self, message: str) -> None:
        ratio = self.devicePixelRatioF()
        self._icon.setPixmap(tinted("conflict", conflict_ink(self.palette()), 18, ratio))
        self._text.setText(message)
        self.show()
        self._hide_timer.start()

    def on_close_clicked(self) -> None:
        self._hide_timer.stop()
        self.hide()

"""An in-app banner across the top of a window: a message, maybe an action.

The banner is where the app says what a native notification would have said
when there is no notification service (or the window is in front anyway):
"You have been assigned to Team Alpha — Join". It paints its own background, a
light tint of the kind's colour over the window colour with a stripe of the full
colour at the start, so the text keeps the palette's own text colour and stays
readable on light and dark themes alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QColor,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop.ui.resources import icon
from desktop.ui.theme import is_dark

_ICON_SIZE = QSize(20, 20)
_STRIPE = 4.0
_RADIUS = 6.0


class BannerKind(StrEnum):
    """What a message is about; sets the banner's colour and icon."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"


KindName = Literal["info", "success", "warning"]
"""A :class:`BannerKind` by its value, as callers may also pass it."""


# Accent colours per kind, (on a light palette, on a dark palette): the dark
# variants are lighter so the stripe stands out against a dark window.
_ACCENTS = {
    BannerKind.INFO: ("#1c71d8", "#62a0ea"),
    BannerKind.SUCCESS: ("#26a269", "#57e389"),
    BannerKind.WARNING: ("#c88800", "#f6d32d"),
}
_ICONS = {BannerKind.INFO: "room", BannerKind.SUCCESS: "join", BannerKind.WARNING: "conflict"}
_TINT = 0.16
"""Share of the accent colour in the background; the rest is the window colour."""


class Banner(QFrame):
    """A dismissable message at the top of a window, with an optional action button.

    Hidden until :meth:`show_message`; it hides itself again when the user
    presses the action or closes it.

    Signals:
        action_triggered: the user pressed the action button (e.g. "Join").
        dismissed: the user closed the banner without acting on it.
    """

    action_triggered = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind = BannerKind.INFO
        self._icon_name = _ICONS[self._kind]
        self.setAccessibleName(self.tr("Message"))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._icon = QLabel(self)
        self._icon.setFixedSize(_ICON_SIZE)
        self._text = QLabel(self)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setAccessibleName(self.tr("Message text"))
        self._action = QPushButton(self)
        self._action.clicked.connect(self.on_action_clicked)
        self._close = QToolButton(self)
        self._close.setAutoRaise(True)
        self._close.setToolTip(self.tr("Dismiss"))
        self._close.setAccessibleName(self.tr("Dismiss message"))
        self._close.clicked.connect(self.on_close_clicked)
        self._lay_out()
        self._refresh_icons()
        self.setVisible(False)

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(int(_STRIPE) + 10, 6, 6, 6)
        layout.setSpacing(10)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._action, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignVCenter)

    def kind(self) -> BannerKind:
        """What the message shown is about."""
        return self._kind

    def text(self) -> str:
        """The message shown."""
        return self._text.text()

    def action_text(self) -> str | None:
        """The action button's label, or None when there is no action."""
        return self._action.text() if not self._action.isHidden() else None

    def show_message(
        self,
        text: str,
        action: str | None = None,
        kind: BannerKind | KindName = BannerKind.INFO,
        icon_name: str | None = None,
    ) -> None:
        """Show ``text``, with a button labelled ``action`` if given.

        ``text`` and ``action`` are shown as given (already translated, never
        read as markup); ``icon_name`` overrides the kind's icon.
        """
        self._kind = BannerKind(kind)
        self._icon_name = icon_name or _ICONS[self._kind]
        self._text.setText(text)
        self.setAccessibleDescription(text)
        self._action.setVisible(action is not None)
        self._action.setText(action or "")
        self._action.setAccessibleName(action or "")
        self._refresh_icons()
        self.update()
        self.show()
        self._announce(text)

    def on_action_clicked(self) -> None:
        self.hide()
        self.action_triggered.emit()

    def on_close_clicked(self) -> None:
        self.hide()
        self.dismissed.emit()

    def accent(self) -> QColor:
        """The kind's colour, in the variant for the current palette."""
        light, dark = _ACCENTS[self._kind]
        return QColor(dark if is_dark(self.palette()) else light)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh_icons()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        accent = self.accent()
        window = self.palette().color(QPalette.ColorRole.Window)
        area = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        outline = QPainterPath()
        outline.addRoundedRect(area, _RADIUS, _RADIUS)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillPath(outline, _mix(window, accent, _TINT))
        painter.setClipPath(outline)
        painter.fillRect(QRectF(area.left(), area.top(), _STRIPE, area.height()), accent)
        painter.setClipping(False)
        painter.setPen(_mix(window, accent, 0.45))
        painter.drawPath(outline)
        painter.end()

    def _refresh_icons(self) -> None:
        ratio = self.devicePixelRatioF()
        self._icon.setPixmap(icon(self._icon_name, self.palette()).pixmap(_ICON_SIZE, ratio))
        self._close.setIcon(icon("close", self.palette()))

    def _announce(self, text: str) -> None:
        """Let screen readers read the message out as it appears."""
        if not QAccessible.isActive():
            return
        announcement = QAccessibleAnnouncementEvent(self, text)
        if self._kind is BannerKind.WARNING:
            announcement.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(announcement)


def _mix(base: QColor, accent: QColor, share: float) -> QColor:
    """``base`` with ``share`` (0–1) of ``accent`` blended in."""
    return QColor.fromRgbF(
        base.redF() + (accent.redF() - base.redF()) * share,
        base.greenF() + (accent.greenF() - base.greenF()) * share,
        base.blueF() + (accent.blueF() - base.blueF()) * share,
    )

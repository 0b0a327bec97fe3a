"""Small pieces the dialogs share: an inline message line, hint text, and the
error an editor raises when what the user typed cannot be used.

Dialogs never close or clear a field on bad input: they show the reason inline
(:class:`InlineMessage`) and move the focus to the field that needs fixing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QWidget

from desktop.ui.resources import icon
from desktop.ui.theme import is_dark


class InvalidInput(Exception):
    """What the user typed cannot be used; ``focus`` moves to the culprit."""

    def __init__(self, message: str, focus: Callable[[], None] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.focus = focus

    def show_culprit(self) -> None:
        if self.focus is not None:
            self.focus()


class Tone(Enum):
    ERROR = "error"
    NOTE = "note"


_TONES = {
    # (tone, dark palette): (text, background)
    (Tone.ERROR, False): ("#8c1d18", "#fbe4e2"),
    (Tone.ERROR, True): ("#ffb4ab", "#4a2326"),
    (Tone.NOTE, False): ("#1d3f73", "#e5eefc"),
    (Tone.NOTE, True): ("#c9dcff", "#233048"),
}


def tone_colours(tone: Tone, palette: QPalette) -> tuple[QColor, QColor]:
    """Text and background of an inline message, readable on ``palette``."""
    text, background = _TONES[tone, is_dark(palette)]
    return QColor(text), QColor(background)


class InlineMessage(QFrame):
    """A tinted line with an icon that explains a problem or gives a note.

    Hidden while there is nothing to say; the text wraps and can be selected so
    it can be copied into a bug report.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tone = Tone.NOTE
        self._icon = QLabel(self)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setAccessibleName(self.tr("Message"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 7, 10, 7)
        layout.setSpacing(8)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._text, 1)
        self.setAutoFillBackground(True)
        self.hide()

    def text(self) -> str:
        return self._text.text()

    def show_error(self, text: str) -> None:
        self._show(Tone.ERROR, text)

    def show_note(self, text: str) -> None:
        self._show(Tone.NOTE, text)

    def clear(self) -> None:
        self._text.clear()
        self.hide()

    @property
    def tone(self) -> Tone:
        return self._tone

    def _show(self, tone: Tone, text: str) -> None:
        self._tone = tone
        self._text.setText(text)
        self._paint()
        self.show()

    def _paint(self) -> None:
        palette = self.palette()
        text, background = tone_colours(self._tone, palette)
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, text)
        self.setPalette(palette)
        self._icon.setVisible(self._tone is Tone.ERROR)
        self._icon.setPixmap(icon("conflict").pixmap(18, 18))

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch replaces the app palette: tint again for the new one.
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self.setPalette(QPalette())
            self._paint()
        super().changeEvent(event)


class HintLabel(QLabel):
    """Secondary text under a control: muted, wrapped, from the palette so it
    reads on light and dark themes alike."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    """A bold label that opens a page or a section."""
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    label.setFont(font)
    return label


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Change widgets from code without their signals reporting a user's edit."""
    previous = [each.blockSignals(True) for each in objects]
    try:
        yield
    finally:
        for each, was_blocked in zip(objects, previous, strict=True):
            each.blockSignals(was_blocked)


def confirm(
    parent: QWidget, text: str, details: str, action: str, confirmed: Callable[[], None]
) -> QMessageBox:
    """Ask before something that cannot be undone; call ``confirmed`` on yes.

    The box opens window-modal without a nested event loop, so the caller (and a
    test) keeps running; Cancel is the default button.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(action.replace("&", ""))
    box.setText(text)
    box.setInformativeText(details)
    agree = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda clicked: confirmed() if clicked is agree else None)
    box.open()
    return box

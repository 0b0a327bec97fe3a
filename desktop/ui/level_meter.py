"""A microphone level meter: a row of segments that light up with the level.

The caller sets the level (0–1) as often as it measures it, ten times a second
is plenty; the meter repaints only when another segment lights up or goes out.
Green reads as "heard", the last segments turn amber and red as the input nears
clipping, so someone can tell at a glance whether their microphone is too quiet
or too loud.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.ui.chat_view import mix
from desktop.ui.theme import is_dark

SEGMENT: Final = 6
"""Width of one segment and its gap, in pixels."""

_AMBER_FROM: Final = 0.75
_RED_FROM: Final = 0.92

# (light palette, dark palette): the dark variants are brighter on a dark window.
_COLOURS: Final = {
    "green": ("#1a7f37", "#3fb950"),
    "amber": ("#b7791f", "#e3b341"),
    "red": ("#c62828", "#ff7b72"),
}


def meter_colour(name: str, palette: QPalette) -> QColor:
    """The meter's ``name`` colour ("green", "amber", "red") for ``palette``."""
    light, dark = _COLOURS[name]
    return QColor(dark if is_dark(palette) else light)


class LevelMeter(QWidget):
    """Shows an input level from 0 (silence) to 1 (full scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def level(self) -> float:
        return self._level

    def set_level(self, level: float) -> None:
        level = min(max(level, 0.0), 1.0)
        before = self._lit(self._level)
        self._level = level
        if self._lit(level) != before:
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(120, 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(4 * SEGMENT, 8)

    def _segments(self) -> int:
        return max(1, self.width() // SEGMENT)

    def _lit(self, level: float) -> int:
        return round(level * self._segments())

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        unlit = mix(
            palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Text), 0.18
        )
        count = self._segments()
        lit = self._lit(self._level)
        offset = (self.width() - count * SEGMENT + 2) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for at in range(count):
            share = (at + 1) / count
            if at >= lit:
                painter.setBrush(unlit)
            elif share > _RED_FROM:
                painter.setBrush(meter_colour("red", palette))
            elif share > _AMBER_FROM:
                painter.setBrush(meter_colour("amber", palette))
            else:
                painter.setBrush(meter_colour("green", palette))
            box = QRectF(offset + at * SEGMENT, 0, SEGMENT - 2, self.height())
            painter.drawRoundedRect(box, 1.5, 1.5)
        painter.end()

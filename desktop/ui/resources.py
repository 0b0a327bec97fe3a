"""Icons, styles and sounds from ``resources/``, loaded through one place.

Icons are SVG, drawn on a 24-unit grid. Monochrome ones stroke in ``currentColor``
and are tinted with the palette's text colour, so they stay legible on light and
dark themes; on a disabled control, with its disabled text colour, so the icon
fades exactly as its label does (Qt's own greying loses a light icon on a dark
theme). Coloured ones (the audio connections, the app icon) keep their own
colours. Every icon is sharp at any device pixel ratio.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICONS = RESOURCES / "icons"

_SIZES = (16, 20, 24, 32, 48)
_TINT = "currentColor"


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg``, tinted with ``palette``'s text colour.

    Without a palette, the application's current one.
    """
    palette = palette or _app_palette()
    return _icon(name, _text_colour(palette), _text_colour(palette, disabled=True))


def _app_palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def _text_colour(palette: QPalette, *, disabled: bool = False) -> str:
    group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
    return str(palette.color(group, QPalette.ColorRole.WindowText).name())


@cache
def _icon(name: str, colour: str, disabled_colour: str) -> QIcon:
    path = ICONS / f"{name}.svg"
    svg = path.read_text(encoding="utf-8")
    if _TINT not in svg:
        _renderer(name, svg)  # refuses a file that is not valid SVG
        # Nothing to tint: Qt's SVG icon engine renders it at any size, which the
        # app icon needs for launchers and docks (128 px and more).
        return QIcon(str(path))
    result = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled_colour)):
        _render_into(result, _renderer(name, svg.replace(_TINT, tint)), mode)
    return result


def _renderer(name: str, svg: str) -> QSvgRenderer:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    if not renderer.isValid():
        raise ValueError(f"resources/icons/{name}.svg is not a valid SVG")
    return renderer


def _render_into(result: QIcon, renderer: QSvgRenderer, mode: QIcon.Mode) -> None:
    """Pixmaps for ``mode`` at the usual sizes, at single and double pixel density."""
    for size in _SIZES:
        for ratio in (1, 2):
            pixmap = QPixmap(QSize(size * ratio, size * ratio))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter)
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap, mode)

"""The app's look: Fusion with a light or a dark palette, and the few named colours
that widgets need beyond the palette (conflict rows, broadcasts, help badges).

Named colours take the palette they will be drawn on, so one widget never has to
know which theme is active: it asks for the conflict red *of this palette*.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_Role = QPalette.ColorRole

_LIGHT: Mapping[QPalette.ColorRole, str] = {
    _Role.Window: "#f3f3f3",
    _Role.WindowText: "#1f1f1f",
    _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f6f6f8",
    _Role.ToolTipBase: "#fffbe0",
    _Role.ToolTipText: "#1f1f1f",
    _Role.PlaceholderText: "#7a7a7a",
    _Role.Text: "#1f1f1f",
    _Role.Button: "#efefef",
    _Role.ButtonText: "#1f1f1f",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#ffffff",
    _Role.Midlight: "#e4e4e4",
    _Role.Mid: "#b9b9b9",
    _Role.Dark: "#9d9d9d",
    _Role.Shadow: "#6e6e6e",
    _Role.Highlight: "#2f6fde",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#1d5fc7",
    _Role.LinkVisited: "#7a3fb8",
    _Role.Accent: "#2f6fde",
}

_DARK: Mapping[QPalette.ColorRole, str] = {
    _Role.Window: "#2b2d30",
    _Role.WindowText: "#e4e4e4",
    _Role.Base: "#1e1f22",
    _Role.AlternateBase: "#26282b",
    _Role.ToolTipBase: "#3c3f43",
    _Role.ToolTipText: "#e4e4e4",
    _Role.PlaceholderText: "#8e8e8e",
    _Role.Text: "#e4e4e4",
    _Role.Button: "#36383c",
    _Role.ButtonText: "#e4e4e4",
    _Role.BrightText: "#ff7b7b",
    _Role.Light: "#4b4e53",
    _Role.Midlight: "#3e4145",
    _Role.Mid: "#27292c",
    _Role.Dark: "#18191b",
    _Role.Shadow: "#000000",
    _Role.Highlight: "#3574f0",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#6ea8fe",
    _Role.LinkVisited: "#b792f2",
    _Role.Accent: "#3574f0",
}

_DISABLED_TEXT = {False: "#a3a3a3", True: "#6f7175"}


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Give ``app`` the Fusion style and the light or dark palette.

    ``None`` follows the system's colour scheme as it is now (light when the system
    does not say). The colour scheme hint is set too, so native window frames match.
    """
    hints = QGuiApplication.styleHints()
    if dark is None:
        hints.unsetColorScheme()
        dark = hints.colorScheme() == Qt.ColorScheme.Dark
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    app.setStyle("Fusion")
    app.setPalette(themed_palette(dark))


def themed_palette(dark: bool) -> QPalette:
    """The light or dark palette of the app."""
    result = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        result.setColor(role, QColor(colour))
    disabled = QColor(_DISABLED_TEXT[dark])
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText, _Role.HighlightedText):
        result.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    result.setColor(QPalette.ColorGroup.Disabled, _Role.Highlight, result.color(_Role.Mid))
    return result


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` draws light text on a dark window."""
    return palette.color(_Role.Window).lightnessF() < 0.5


def conflict_background(palette: QPalette) -> QColor:
    """The red behind rows of attendees in an audio conflict; the text stays readable."""
    return QColor("#4f191e" if is_dark(palette) else "#fbdcdc")


def broadcast_background(palette: QPalette) -> QColor:
    """The amber behind a moderator's broadcast message."""
    return QColor("#5a4915" if is_dark(palette) else "#fff0c2")


def help_badge(palette: QPalette) -> QColor:
    """The orange of a help-request badge; white text reads on it in both themes."""
    return QColor("#e0601a" if is_dark(palette) else "#c8470c")

"""The in-app banner: what it shows, what its buttons emit, how it looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.banner import Banner, BannerKind
from desktop.ui.theme import apply_theme


@pytest.fixture
def banner(qtbot: QtBot) -> Banner:
    widget = Banner()
    qtbot.addWidget(widget)
    widget.resize(520, widget.sizeHint().height())
    return widget


def _button(banner: Banner, name: str) -> QPushButton | QToolButton:
    found = [
        button
        for button in banner.findChildren(QWidget)
        if isinstance(button, QPushButton | QToolButton) and button.accessibleName() == name
    ]
    assert len(found) == 1, f"one button named {name!r}"
    return found[0]


def test_it_is_hidden_until_there_is_something_to_say(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    banner = Banner(window)
    QVBoxLayout(window).addWidget(banner)
    window.show()
    assert banner.isHidden()

    banner.show_message("You have been assigned to Team Alpha", action="Join")

    assert banner.isVisible()
    assert banner.text() == "You have been assigned to Team Alpha"
    assert banner.action_text() == "Join"
    assert banner.kind() is BannerKind.INFO
    assert banner.accessibleDescription() == "You have been assigned to Team Alpha"


def test_without_an_action_there_is_no_action_button(banner: Banner) -> None:
    banner.show_message("Join", action="Join")
    banner.show_message("You are back in the main room.", kind="success")

    assert banner.action_text() is None
    action = banner.findChild(QPushButton)
    assert isinstance(action, QPushButton)
    assert action.isHidden()
    assert banner.kind() is BannerKind.SUCCESS


def test_text_is_shown_as_written_not_as_markup(banner: Banner) -> None:
    banner.show_message("Assigned to <b>Team & Co</b>")

    label = next(
        child for child in banner.findChildren(QWidget) if child.accessibleName() == "Message text"
    )
    assert banner.text() == "Assigned to <b>Team & Co</b>"
    assert label.property("textFormat") == Qt.TextFormat.PlainText


def test_the_action_button_emits_action_triggered_and_hides(qtbot: QtBot, banner: Banner) -> None:
    banner.show_message("You have been assigned to Team Alpha", action="Join")

    with qtbot.assertNotEmitted(banner.dismissed), qtbot.waitSignal(banner.action_triggered):
        QTest.mouseClick(_button(banner, "Join"), Qt.MouseButton.LeftButton)

    assert banner.isHidden()


def test_the_close_button_emits_dismissed_and_hides(qtbot: QtBot, banner: Banner) -> None:
    banner.show_message("Breakout rooms close in 30 seconds.", kind=BannerKind.WARNING)

    with qtbot.assertNotEmitted(banner.action_triggered), qtbot.waitSignal(banner.dismissed):
        QTest.mouseClick(_button(banner, "Dismiss message"), Qt.MouseButton.LeftButton)

    assert banner.isHidden()


def test_every_control_has_an_accessible_name(banner: Banner) -> None:
    banner.show_message("You have been assigned to Team Alpha", action="Join")

    buttons = [
        child
        for child in banner.findChildren(QWidget)
        if isinstance(child, QPushButton | QToolButton)
    ]
    assert sorted(button.accessibleName() for button in buttons) == ["Dismiss message", "Join"]
    assert banner.accessibleName() == "Message"


def _luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(one: QColor, other: QColor) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("kind", list(BannerKind), ids=str)
@pytest.mark.usefixtures("themed")
def test_it_reads_well_on_light_and_dark_palettes(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, dark: bool, kind: BannerKind
) -> None:
    apply_theme(qapp, dark=dark)
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show_message("You have been assigned to Team Alpha", action="Join", kind=kind)
    banner.resize(520, banner.sizeHint().height())
    picture = banner.grab()
    picture.save(str(tmp_path / f"banner-{kind}-{'dark' if dark else 'light'}.png"))

    image = picture.toImage().convertToFormat(QImage.Format.Format_RGB32)
    ratio = picture.devicePixelRatio()
    # Between the icon and the text, past the stripe: only the tinted background.
    background = image.pixelColor(QPoint(int(8 * ratio), image.height() // 2))
    stripe = image.pixelColor(QPoint(int(2 * ratio), image.height() // 2))
    text = banner.palette().color(banner.foregroundRole())
    window = banner.palette().color(banner.backgroundRole())
    assert _contrast(text, background) >= 7.0, "text on the banner reads as well as on a window"
    assert _contrast(background, window) > 1.05, "the banner stands out from the window"
    assert _contrast(stripe, background) >= 1.8, "the stripe shows the banner's kind"
    assert stripe == banner.accent()

"""The icon set, the desktop entry and the light and dark themes."""

from __future__ import annotations

import configparser
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktop.ui import resources, theme

NAMES = [
    "phone",
    "voip",
    "listening",
    "moderator",
    "participant",
    "help",
    "more",
    "call",
    "room",
    "broadcast",
    "timer",
    "join",
    "conflict",
    "unassigned",
    "settings",
    "send",
    "close",
    "mic",
    "mic_off",
    "camera",
    "camera_off",
    "leave_call",
    "speaker",
    "roomcast",
]
AUDIO = ["phone", "voip", "listening"]
ON_THE_WINDOW = [name for name in NAMES if name != "roomcast"]
"""Every icon but the app icon, which brings its own background."""
MONOCHROME = [name for name in ON_THE_WINDOW if name not in AUDIO]
THEMES = pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])


def image(name: str, palette: QPalette, size: int = 16, ratio: float = 1.0) -> QImage:
    pixmap = resources.icon(name, palette).pixmap(QSize(size, size), ratio)
    return pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)


def pixels(picture: QImage) -> Iterator[QColor]:
    for y in range(picture.height()):
        for x in range(picture.width()):
            yield picture.pixelColor(x, y)


def luminance(colour: QColor) -> float:
    """Relative luminance as WCAG defines it (0 black, 1 white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast(first: float, second: float) -> float:
    """The WCAG contrast ratio of two luminances (1 to 21)."""
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def ink(picture: QImage) -> float:
    """The mean luminance of the icon's strokes, each pixel weighted by its alpha."""
    weighted = [(luminance(colour), colour.alphaF()) for colour in pixels(picture)]
    total = sum(alpha for _, alpha in weighted)
    assert total > 0, "the icon drew nothing"
    return sum(value * alpha for value, alpha in weighted) / total


def coverage(picture: QImage) -> set[tuple[int, int]]:
    """The pixels an icon covers at least half."""
    return {
        (x, y)
        for y in range(picture.height())
        for x in range(picture.width())
        if picture.pixelColor(x, y).alpha() >= 128
    }


@pytest.fixture
def restored(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back with its own style, palette and colour scheme."""
    style = qapp.style().name()
    yield qapp
    QApplication.styleHints().unsetColorScheme()
    qapp.setStyle(style)
    qapp.setPalette(QPalette())


@pytest.mark.parametrize("name", NAMES)
def test_each_icon_is_an_svg_on_the_24_unit_grid(name: str) -> None:
    path = resources.ICONS / f"{name}.svg"

    root = ET.parse(path).getroot()
    renderer = QSvgRenderer(QByteArray(path.read_bytes()))

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 24 24"
    assert renderer.isValid()


@pytest.mark.parametrize("name", NAMES)
def test_each_icon_draws_something_at_16_px(qapp: QApplication, name: str) -> None:
    picture = image(name, theme.themed_palette(dark=False))

    assert picture.size() == QSize(16, 16)
    assert len(coverage(picture)) >= 8


def test_monochrome_icons_are_tinted_and_coloured_ones_are_not() -> None:
    tinted = {
        path.stem for path in resources.ICONS.glob("*.svg") if "currentColor" in path.read_text()
    }

    assert tinted == set(MONOCHROME)


@THEMES
@pytest.mark.parametrize("name", ON_THE_WINDOW)
def test_icons_stand_out_from_the_window(qapp: QApplication, name: str, dark: bool) -> None:
    palette = theme.themed_palette(dark)
    window = luminance(palette.color(QPalette.ColorRole.Window))

    assert contrast(ink(image(name, palette)), window) >= 3.0


@THEMES
@pytest.mark.parametrize("name", [*AUDIO, "moderator", "participant"])
def test_attendee_icons_read_on_a_conflict_row(qapp: QApplication, name: str, dark: bool) -> None:
    palette = theme.themed_palette(dark)
    background = luminance(theme.conflict_background(palette))

    assert contrast(ink(image(name, palette)), background) >= 3.0


@THEMES
@pytest.mark.parametrize("name", MONOCHROME)
def test_a_disabled_icon_fades_as_its_label_does(qapp: QApplication, name: str, dark: bool) -> None:
    """Qt's own greying of a light icon all but loses it on a dark theme."""
    palette = theme.themed_palette(dark)
    pixmap = resources.icon(name, palette).pixmap(QSize(16, 16), 1.0, QIcon.Mode.Disabled)
    label = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)

    picture = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert ink(picture) == pytest.approx(luminance(label), abs=0.02)


@pytest.mark.parametrize("name", NAMES)
def test_a_2x_pixmap_is_drawn_for_high_dpi_screens(qapp: QApplication, name: str) -> None:
    pixmap = resources.icon(name, theme.themed_palette(dark=True)).pixmap(QSize(16, 16), 2.0)
    picture = pixmap.toImage()

    assert pixmap.devicePixelRatio() == 2.0
    assert picture.size() == QSize(32, 32)
    # A 16 px picture blown up would be made of two-by-two blocks of one colour.
    blocks = (
        {picture.pixel(x + dx, y + dy) for dx in (0, 1) for dy in (0, 1)}
        for x in range(0, 32, 2)
        for y in range(0, 32, 2)
    )
    assert any(len(block) > 1 for block in blocks)


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(AUDIO, 2)))
def test_audio_icons_differ_in_shape_at_16_px(qapp: QApplication, first: str, second: str) -> None:
    palette = theme.themed_palette(dark=False)
    one, other = coverage(image(first, palette)), coverage(image(second, palette))

    assert len(one & other) / len(one | other) < 0.5


def test_an_icon_that_is_not_svg_is_refused(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken-on-purpose.svg").write_text("<svg><path d=", encoding="utf-8")
    monkeypatch.setattr(resources, "ICONS", tmp_path)

    with pytest.raises(ValueError, match="broken-on-purpose"):
        resources.icon("broken-on-purpose")


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_apply_theme_switches_the_palette(restored: QApplication, dark: bool) -> None:
    theme.apply_theme(restored, dark=not dark)
    theme.apply_theme(restored, dark=dark)

    palette = restored.palette()
    assert restored.style().name() == "fusion"
    assert theme.is_dark(palette) is dark
    assert palette.color(QPalette.ColorRole.Window) == theme.themed_palette(dark).color(
        QPalette.ColorRole.Window
    )


def test_icons_follow_the_applied_theme(restored: QApplication) -> None:
    theme.apply_theme(restored, dark=False)
    on_light = ink(image("close", restored.palette()))
    theme.apply_theme(restored, dark=True)

    on_dark = ink(resources.icon("close").pixmap(16).toImage())

    assert on_light < 0.1
    assert on_dark > 0.6


class _System:
    """Stands in for ``QGuiApplication`` to report a chosen system colour scheme."""

    scheme = Qt.ColorScheme.Unknown

    @classmethod
    def styleHints(cls) -> type[_System]:
        return cls

    @classmethod
    def colorScheme(cls) -> Qt.ColorScheme:
        return cls.scheme

    @classmethod
    def unsetColorScheme(cls) -> None:
        pass


@pytest.mark.parametrize(
    ("scheme", "dark"),
    [(Qt.ColorScheme.Dark, True), (Qt.ColorScheme.Light, False), (Qt.ColorScheme.Unknown, False)],
)
def test_without_a_choice_the_theme_follows_the_system(
    restored: QApplication, monkeypatch: pytest.MonkeyPatch, scheme: Qt.ColorScheme, dark: bool
) -> None:
    monkeypatch.setattr(_System, "scheme", scheme)
    monkeypatch.setattr(theme, "QGuiApplication", _System)

    theme.apply_theme(restored)

    assert theme.is_dark(restored.palette()) is dark


@THEMES
def test_text_reads_on_the_named_colours(dark: bool) -> None:
    palette = theme.themed_palette(dark)
    text = luminance(palette.color(QPalette.ColorRole.Text))
    white = luminance(QColor(Qt.GlobalColor.white))

    assert contrast(text, luminance(theme.conflict_background(palette))) >= 4.5
    assert contrast(text, luminance(theme.broadcast_background(palette))) >= 4.5
    assert contrast(white, luminance(theme.help_badge(palette))) >= 3.0


@THEMES
def test_a_conflict_row_stands_out_from_the_list(dark: bool) -> None:
    palette = theme.themed_palette(dark)
    red = theme.conflict_background(palette)

    assert red.hslHueF() < 0.05 or red.hslHueF() > 0.95
    assert contrast(luminance(red), luminance(palette.color(QPalette.ColorRole.Base))) >= 1.1


class _DesktopEntry(configparser.ConfigParser):
    """A desktop entry's keys are case-sensitive."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def test_the_desktop_entry_starts_roomcast_with_its_icon() -> None:
    entry = _DesktopEntry(interpolation=None)
    entry.read(resources.RESOURCES / "roomcast.desktop", encoding="utf-8")

    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "roomcast"
    assert desktop["Icon"] == "roomcast"
    assert (resources.ICONS / f"{desktop['Icon']}.svg").is_file()

"""How one person of a call is drawn: a rounded tile.

The tile shows their camera picture, or without one an avatar: their initials
on a colour of their own. Along the bottom runs their audio connection's icon,
their name, a moderator badge and a red crossed-out microphone when muted; a
caption at the top left says "You", "Connecting…", "On the phone" or
"Couldn't connect". Whoever speaks gets a green frame and a ring round the
avatar that swells with their level. Everything comes from the model's roles
and is also in the tile's tooltip, so nothing is told by colour alone.
"""

from __future__ import annotations

import math
import zlib
from functools import cache
from typing import Final

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.core import Role
from desktop.ui.chat_view import mix
from desktop.ui.level_meter import meter_colour
from desktop.ui.models.call_model import CallRole, PersonState, state_label
from desktop.ui.resources import icon
from desktop.ui.rooms_overview_notice import conflict_ink
from desktop.ui.theme import conflict_background, themed_palette

AnyIndex = QModelIndex | QPersistentModelIndex
Colour = QPalette.ColorRole

GAP: Final = 10
"""Pixels between two tiles; each tile keeps half of it as its margin."""
RADIUS: Final = 10.0
ICON: Final = 16
PAD: Final = 10
ASPECT: Final = 4 / 3
MIN_TILE: Final = QSize(176, 132)
MAX_TILE_WIDTH: Final = 560

_WHITE: Final = QColor("#ffffff")
_ON_VIDEO: Final = themed_palette(dark=True)
"""Palette for what is drawn over a camera picture, on a dark strip."""


def tile_size(area: QSize, count: int) -> QSize:
    """The biggest tile (with its margin) that fits ``count`` tiles into ``area``.

    Tries every number of columns and keeps the one with the largest tiles;
    tiles never shrink below :data:`MIN_TILE` (the grid scrolls instead).
    """
    best = MIN_TILE
    for columns in range(1, max(count, 1) + 1):
        rows = math.ceil(max(count, 1) / columns)
        width = min(area.width() / columns, (area.height() / rows - GAP) * ASPECT + GAP)
        width = min(width, MAX_TILE_WIDTH)
        if width > best.width():
            best = QSize(int(width), int((width - GAP) / ASPECT + GAP))
    return best


@cache
def avatar_colour(user_id: str) -> QColor:
    """A colour of ``user_id``'s own on which white initials read (contrast ≥ 4.5)."""
    hue = zlib.crc32(user_id.encode()) % 360 / 360
    lightness = 0.46
    colour = QColor.fromHslF(hue, 0.55, lightness)
    while _contrast_with_white(colour) < 4.5:
        lightness -= 0.02
        colour = QColor.fromHslF(hue, 0.55, lightness)
    return colour


def _contrast_with_white(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


def initials(name: str) -> str:
    """ "Ada Lovelace" → "AL", "Cyrus" → "C"; "?" for a name without letters."""
    words = [word for word in name.split() if word[0].isalnum()]
    if not words:
        return "?"
    first, last = words[0], words[-1]
    return (first[0] + (last[0] if len(words) > 1 else "")).upper()


@cache
def _inked(name: str, colour: str) -> QIcon:
    """The icon ``name`` drawn in ``colour`` rather than the palette's text colour."""
    palette = QPalette()
    palette.setColor(Colour.WindowText, QColor(colour))
    return icon(name, palette)


class CallTileDelegate(QStyledItemDelegate):
    """Paints the tiles of a :class:`~desktop.ui.models.call_model.CallModel`.

    ``tile`` is the size of every tile, margin included; the grid sets it as it
    resizes. With ``audio_off`` (the call is too large to connect) peers that
    would read "Connecting…" read "No audio".
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile = QSize(240, 180)
        self.audio_off = False

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return self.tile

    def caption(self, index: AnyIndex) -> str | None:
        """What the tile's top-left caption says; ``None`` for a connected peer."""
        state = PersonState(index.data(CallRole.StateRole))
        if state is PersonState.CONNECTED:
            return None
        if state is PersonState.CONNECTING and self.audio_off:
            return self.tr("No audio")
        return state_label(state)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect).adjusted(GAP / 2, GAP / 2, -GAP / 2, -GAP / 2)
        outline = QPainterPath()
        outline.addRoundedRect(card, RADIUS, RADIUS)
        frame = index.data(CallRole.VideoRole)
        video = frame if isinstance(frame, QImage) and not frame.isNull() else None
        bar = self._bar_rect(card, option)
        painter.setClipPath(outline)
        if video is None:
            painter.fillRect(card, option.palette.color(Colour.Base))
            self._paint_avatar(painter, option, index, card.adjusted(0, 0, 0, -bar.height()))
        else:
            self._paint_video(painter, video, card)
            painter.fillRect(bar, QColor(0, 0, 0, 150))
        painter.setClipping(False)
        palette = _ON_VIDEO if video is not None else option.palette
        self._paint_bar(painter, option, index, bar, palette)
        self._paint_caption(painter, option, index, card, on_video=video is not None)
        self._paint_border(painter, option, index, card)
        painter.restore()

    # Parts of a tile

    def _bar_rect(self, card: QRectF, option: QStyleOptionViewItem) -> QRectF:
        height = max(ICON, option.fontMetrics.height()) + 14
        return QRectF(card.left(), card.bottom() - height, card.width(), height)

    def _paint_video(self, painter: QPainter, video: QImage, card: QRectF) -> None:
        """The picture fills the tile; what sticks out on either side is cut off."""
        mode = Qt.AspectRatioMode.KeepAspectRatioByExpanding
        target = QRectF(QPointF(0, 0), QSizeF(video.size()).scaled(card.size(), mode))
        target.moveCenter(card.center())
        painter.drawImage(target, video)

    def _paint_avatar(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, area: QRectF
    ) -> None:
        diameter = min(area.width() * 0.5, area.height() * 0.6, 120.0)
        circle = QRectF(0, 0, diameter, diameter)
        circle.moveCenter(area.center() + QPointF(0, 4))
        if index.data(CallRole.SpeakingRole):
            level = float(index.data(CallRole.LevelRole) or 0.0)
            width = 2.5 + 4 * level
            painter.setPen(QPen(meter_colour("green", option.palette), width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            reach = 3 + width / 2
            painter.drawEllipse(circle.adjusted(-reach, -reach, reach, reach))
        state = PersonState(index.data(CallRole.StateRole))
        if state in (PersonState.CONNECTING, PersonState.FAILED):
            painter.setOpacity(0.55)  # not (yet) heard: the avatar steps back
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(avatar_colour(str(index.data(CallRole.UserIdRole))))
        painter.drawEllipse(circle)
        font = QFont(option.font)
        font.setPixelSize(max(10, round(diameter * 0.36)))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(_WHITE)
        name = str(index.data(Qt.ItemDataRole.DisplayRole))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials(name))
        painter.setOpacity(1.0)

    def _paint_bar(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: AnyIndex,
        bar: QRectF,
        palette: QPalette,
    ) -> None:
        """Audio icon and name on the left; volume, moderator and muted on the right."""
        middle = round(bar.center().y())
        left = round(bar.left()) + PAD
        right = self._paint_badges(painter, option, index, bar, palette)
        audio = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(audio, QIcon):
            audio.paint(painter, QRect(left, middle - ICON // 2, ICON, ICON))
        left += ICON + 6
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        name = metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            Qt.TextElideMode.ElideRight,
            max(0, right - left - 6),
        )
        painter.setFont(font)
        painter.setPen(palette.color(Colour.Text))
        painter.drawText(
            QRect(left, round(bar.top()), max(0, right - left), round(bar.height())),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            name,
        )

    def _paint_badges(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: AnyIndex,
        bar: QRectF,
        palette: QPalette,
    ) -> int:
        """Paint the badges from the right edge leftwards; return where they begin."""
        middle = round(bar.center().y())
        right = round(bar.right()) - PAD
        if index.data(CallRole.MutedRole):
            right -= ICON
            muted = _inked("mic_off", conflict_ink(palette).name())
            muted.paint(painter, QRect(right, middle - ICON // 2, ICON, ICON))
            right -= 6
        if index.data(CallRole.RoleRole) == Role.MODERATOR.value:
            right -= ICON
            moderator = icon("moderator", palette)
            moderator.paint(painter, QRect(right, middle - ICON // 2, ICON, ICON))
            right -= 6
        volume = float(index.data(CallRole.VolumeRole) or 1.0)
        if volume != 1.0:
            right = self._paint_volume(painter, option, volume, right, middle, palette) - 6
        return right

    def _paint_volume(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        volume: float,
        right: int,
        middle: int,
        palette: QPalette,
    ) -> int:
        """ "🔈 150 %" in the secondary text colour; returns its left edge."""
        text = self.tr("{percent} %").format(percent=round(volume * 100))
        width = option.fontMetrics.horizontalAdvance(text)
        quiet = mix(palette.color(Colour.Base), palette.color(Colour.Text), 0.7)
        painter.setFont(option.font)
        painter.setPen(quiet)
        box = QRect(right - width, middle - 10, width, 20)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
        speaker = _inked("speaker", quiet.name())
        left = box.left() - 4 - ICON
        speaker.paint(painter, QRect(left, middle - ICON // 2, ICON, ICON))
        return left

    def _paint_caption(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: AnyIndex,
        card: QRectF,
        *,
        on_video: bool,
    ) -> None:
        text = self.caption(index)
        if text is None:
            return
        palette = option.palette
        failed = index.data(CallRole.StateRole) == PersonState.FAILED.value
        if failed:
            fill, ink = conflict_background(palette), conflict_ink(palette)
        elif on_video:
            fill, ink = QColor(0, 0, 0, 150), _WHITE
        else:
            fill = mix(palette.color(Colour.Base), palette.color(Colour.Text), 0.09)
            ink = palette.color(Colour.Text)
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        metrics = QFontMetrics(font)
        room = round(card.width()) - 2 * PAD - 16
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        width = metrics.horizontalAdvance(shown) + 18.0
        pill = QRectF(card.left() + PAD, card.top() + PAD, width, metrics.height() + 6.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(font)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)

    def _paint_border(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, card: QRectF
    ) -> None:
        """Green while speaking, the highlight for keyboard focus, else a hairline."""
        palette = option.palette
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if index.data(CallRole.SpeakingRole):
            painter.setPen(QPen(meter_colour("green", palette), 3.0))
            painter.drawRoundedRect(card.adjusted(1.5, 1.5, -1.5, -1.5), RADIUS - 1, RADIUS - 1)
        else:
            border = mix(palette.color(Colour.Window), palette.color(Colour.Text), 0.16)
            painter.setPen(QPen(border, 1.0))
            painter.drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        keyboard = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
        if option.state & keyboard == keyboard:  # only once the keyboard moved the focus
            pen = QPen(palette.color(Colour.Highlight), 2.0)
            painter.setPen(pen)
            painter.drawRoundedRect(card.adjusted(6, 6, -6, -6), RADIUS - 4, RADIUS - 4)

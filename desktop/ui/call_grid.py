"""The tiles of a call laid out as a grid, and each peer's volume.

The grid picks the tile size that fills the space best for the number of
people and centres the tiles. A right click on a peer's tile, or the menu key
(Shift+F10) on the tile with the keyboard focus, opens a menu with a volume
slider and a few steps; "+" and "-" turn the focused peer up or down by 10 %.
Volumes are set on the model, which tells whoever plays the sound.
"""

from __future__ import annotations

import math
from typing import Final

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPoint, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QContextMenuEvent,
    QKeyEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from desktop.ui.call_tile import CallTileDelegate, tile_size
from desktop.ui.models.call_model import MAX_VOLUME, CallModel, CallRole, PersonState
from desktop.ui.resources import icon

VOLUME_STEPS: Final = (0, 50, 100, 150, 200)
"""The volumes, in percent, the menu offers besides its slider."""

KEY_STEP: Final = 0.1
"""How much "+" and "-" change a peer's volume."""


def has_volume(index: QModelIndex) -> bool:
    """Whether the tile at ``index`` is a peer whose sound this app plays."""
    state = index.data(CallRole.StateRole) if index.isValid() else None
    return state is not None and state not in (PersonState.YOU, PersonState.ON_PHONE)


class VolumeMenu(QMenu):
    """A slider from 0 to 200 % for one peer, then the usual steps to pick."""

    def __init__(self, model: CallModel, user: str, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._user = user
        self.setAccessibleName(self.tr("Volume of {name}").format(name=name))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round(MAX_VOLUME * 100))
        self.slider.setSingleStep(10)
        self.slider.setPageStep(25)
        self.slider.setAccessibleName(self.accessibleName())
        self.value = QLabel()
        self.addAction(self._slider_action(name))
        self.addSeparator()
        self.steps = QActionGroup(self)
        for percent in VOLUME_STEPS:
            action = self.addAction(self._step_text(percent))
            action.setCheckable(True)
            action.setData(percent)
            self.steps.addAction(action)
        self.steps.triggered.connect(self.on_steps_triggered)
        self.slider.setValue(round(model.volume(user) * 100))
        self._show(self.slider.value())
        self.slider.valueChanged.connect(self.on_slider_value_changed)

    def on_steps_triggered(self, action: QAction) -> None:
        self.slider.setValue(int(action.data()))

    def on_slider_value_changed(self, percent: int) -> None:
        self._show(percent)
        self._model.set_volume(self._user, percent / 100)

    def _show(self, percent: int) -> None:
        self.value.setText(self.tr("{percent} %").format(percent=percent))
        for action in self.steps.actions():
            action.setChecked(action.data() == percent)

    def _step_text(self, percent: int) -> str:
        if percent == 0:
            return self.tr("Silent for me")
        if percent == 100:
            return self.tr("100 % (normal)")
        return self.tr("{percent} %").format(percent=percent)

    def _slider_action(self, name: str) -> QWidgetAction:
        box = QWidget(self)
        title = QLabel(self.tr("Volume of {name}").format(name=name), box)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        speaker = QLabel(box)
        speaker.setPixmap(icon("speaker").pixmap(QSize(16, 16), self.devicePixelRatioF()))
        self.value.setMinimumWidth(self.value.fontMetrics().horizontalAdvance("200 %") + 4)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row = QHBoxLayout()
        row.addWidget(speaker)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(12, 8, 12, 6)
        layout.addWidget(title)
        layout.addLayout(row)
        box.setMinimumWidth(240)
        action = QWidgetAction(self)
        action.setDefaultWidget(box)
        return action


class CallGrid(QListView):
    """The tiles of a :class:`CallModel`, as large as the space allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = CallTileDelegate(self)
        self.setItemDelegate(self.tiles)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.setAccessibleName(self.tr("People in the call"))
        self.volume_menu: VolumeMenu | None = None

    def call_model(self) -> CallModel:
        model = self.model()
        assert isinstance(model, CallModel), "a CallGrid shows a CallModel"
        return model

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for signal in (model.rowsInserted, model.rowsRemoved):
                signal.connect(self.fit)
            model.modelReset.connect(self.fit)
        self.fit()

    def set_audio_off(self, off: bool) -> None:
        """Tell the tiles that nobody can be connected (the call is too large)."""
        if off != self.tiles.audio_off:
            self.tiles.audio_off = off
            self.viewport().update()

    def fit(self) -> None:
        """Size the tiles for the space and the number of people, and centre them.

        The scroll bar only appears when even the smallest tiles do not fit; the
        space it takes is then left out before the tiles are sized.
        """
        count = self.model().rowCount() if self.model() is not None else 0
        area = self.contentsRect().size()
        area.setWidth(area.width() - 1)  # the list view wraps a row that fills it exactly
        size, rows, columns = self._layout(area, count)
        fits = rows * size.height() <= area.height()
        if not fits:
            bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
            area.setWidth(area.width() - bar)
            size, rows, columns = self._layout(area, count)
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        if size != self.tiles.tile:
            self.tiles.tile = size
            self.doItemsLayout()
        side = max(0, (area.width() - columns * size.width()) // 2)
        top = max(0, (area.height() - rows * size.height()) // 2) if fits else 0
        self.setViewportMargins(side, top, side, 0)

    @staticmethod
    def _layout(area: QSize, count: int) -> tuple[QSize, int, int]:
        """Tile size, rows and columns for ``count`` tiles in ``area``."""
        size = tile_size(area, count)
        columns = max(1, min(count, area.width() // max(size.width(), 1)))
        return size, (math.ceil(count / columns) if count else 0), columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    # Volume

    def show_volume_menu(self, index: QModelIndex, at: QPoint) -> VolumeMenu | None:
        """Pop up the volume menu of the peer at ``index`` (at global ``at``)."""
        if not has_volume(index):
            return None
        user = str(index.data(CallRole.UserIdRole))
        name = str(index.data(Qt.ItemDataRole.DisplayRole))
        if self.volume_menu is not None:
            self.volume_menu.deleteLater()
        self.volume_menu = VolumeMenu(self.call_model(), user, name, self)
        self.volume_menu.popup(at)
        return self.volume_menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            at = event.globalPos()
        else:
            index = self.currentIndex()
            at = self.viewport().mapToGlobal(self.visualRect(index).center())
        if self.show_volume_menu(index, at) is not None:
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Plus: KEY_STEP, Qt.Key.Key_Equal: KEY_STEP, Qt.Key.Key_Minus: -KEY_STEP}
        step = steps.get(Qt.Key(event.key()))
        index = self.currentIndex()
        if step is None or not has_volume(index):
            super().keyPressEvent(event)
            return
        user = str(index.data(CallRole.UserIdRole))
        model = self.call_model()
        model.set_volume(user, model.volume(user) + step)
        event.accept()

"""Lets the user pick their microphone, speaker and camera, and check the sound works.

The microphone's level moves as the caller feeds it (from whichever device is
picked: :attr:`DevicesDialog.input_selected` says which), "Play test sound"
asks the caller to play a sound on the chosen speaker, and a problem with a
device is shown in the dialog, in words, where the user is looking. Devices
are named as the sound system names them; "System default" follows whatever
the system's own setting is. A remembered device that is not plugged in stays
listed, marked, so the choice is not lost silently. Cameras are listed the same
way, with "First camera found" in place of the system default; without any
camera the picker says so and cannot be used, and the remembered camera is kept.

The sound system lists the devices it found when it last looked: "Look again"
asks the caller to look for those plugged in since (the call's sound pauses for
a moment) and :meth:`DevicesDialog.set_devices` lists what was found.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker, QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.level_meter import LevelMeter
from desktop.ui.resources import icon

from .parts import HintLabel, InlineMessage


class DevicesDialog(QDialog):
    """Microphone, speaker, camera and echo reduction; OK reports the choice.

    Signals:
        devices_chosen(object, object, bool): OK was pressed; the microphone's
            and the speaker's names (``None``: the system default) and whether
            to reduce echo and background noise. The camera is not in it: read
            :meth:`chosen_camera` when it fires.
        test_sound_requested(): play a test sound on :meth:`chosen_output`.
        input_selected(object): another microphone was picked (its name, or
            ``None`` for the system default); meter that one from now on.
        look_again_requested(): look for sound devices plugged in or out since
            they were listed, then call :meth:`set_devices`.
    """

    devices_chosen = Signal(object, object, bool)
    test_sound_requested = Signal()
    input_selected = Signal(object)
    look_again_requested = Signal()

    def __init__(
        self,
        inputs: Sequence[str],
        outputs: Sequence[str],
        current_input: str | None = None,
        current_output: str | None = None,
        echo_cancellation: bool = True,
        parent: QWidget | None = None,
        *,
        cameras: Sequence[str] = (),
        current_camera: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Audio and Video Devices"))
        default = self.tr("System default")
        self.input = self._combo(inputs, current_input, self.tr("Microphone"), default)
        self.output = self._combo(outputs, current_output, self.tr("Speaker"), default)
        self.camera = self._camera_combo(cameras, current_camera)
        # With no camera to pick from, OK must not forget the one remembered.
        self._kept_camera = None if cameras else current_camera
        self.meter = LevelMeter(self)
        self.meter.setAccessibleName(self.tr("Microphone level"))
        self.meter_hint = HintLabel(self.tr("Say something: the bar should move."), self)
        self.test_button = QPushButton(icon("speaker"), self.tr("Play test sound"), self)
        self.test_button.setIconSize(QSize(16, 16))
        self.test_button.setAccessibleName(self.tr("Play test sound"))
        self.test_button.setAutoDefault(False)
        self.echo = QCheckBox(
            self.tr("Reduce echo and background noise (for people without headphones)"), self
        )
        self.echo.setChecked(echo_cancellation)
        self.echo.setAccessibleName(self.echo.text())
        self.problem = InlineMessage(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.look_again = self.buttons.addButton(
            self.tr("Look again"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.look_again.setToolTip(
            self.tr("Look for devices plugged in since; the call's sound pauses for a moment.")
        )
        self.look_again.setAutoDefault(False)
        self._lay_out()
        self.input.currentIndexChanged.connect(self.on_input_current_index_changed)
        self.test_button.clicked.connect(self.test_sound_requested)
        self.look_again.clicked.connect(self.on_look_again_clicked)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _combo(self, names: Sequence[str], current: str | None, what: str, first: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(what)
        self._fill(combo, names, current, first)
        combo.setMinimumContentsLength(28)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        return combo

    def _fill(
        self, combo: QComboBox, names: Sequence[str], current: str | None, first: str
    ) -> None:
        """``first`` (standing for ``None``), then ``names``; a ``current`` not among
        them stays listed as not connected."""
        combo.clear()
        combo.addItem(first, None)
        for name in names:
            combo.addItem(name, name)
        if current is not None and current not in names:
            combo.addItem(self.tr("{name} (not connected)").format(name=current), current)
        combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)

    def _camera_combo(self, cameras: Sequence[str], current: str | None) -> QComboBox:
        """The cameras after "First camera found"; a single disabled "No camera
        found" when there are none, so the row says why it cannot be used."""
        if cameras:
            return self._combo(cameras, current, self.tr("Camera"), self.tr("First camera found"))
        combo = self._combo((), None, self.tr("Camera"), self.tr("No camera found"))
        combo.setEnabled(False)
        combo.setToolTip(self.tr("No camera is connected to this computer."))
        return combo

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setSpacing(8)
        form.addRow(self.tr("&Microphone:"), self.input)
        meter = QVBoxLayout()
        meter.setSpacing(2)
        meter.addWidget(self.meter)
        meter.addWidget(self.meter_hint)
        form.addRow("", meter)
        speaker = QHBoxLayout()
        speaker.addWidget(self.output, 1)
        speaker.addWidget(self.test_button)
        speaker_label = QLabel(self.tr("&Speaker:"), self)
        speaker_label.setBuddy(self.output)  # a row of a layout gets no buddy by itself
        form.addRow(speaker_label, speaker)
        form.addRow(self.tr("&Camera:"), self.camera)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(12)
        layout.addLayout(form)
        layout.addWidget(self.echo)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    # What the user chose

    def chosen_input(self) -> str | None:
        data = self.input.currentData()
        return None if data is None else str(data)

    def chosen_output(self) -> str | None:
        data = self.output.currentData()
        return None if data is None else str(data)

    def chosen_camera(self) -> str | None:
        """The camera's name; ``None``: the first camera found."""
        data = self.camera.currentData()
        return self._kept_camera if data is None else str(data)

    def echo_cancellation(self) -> bool:
        return self.echo.isChecked()

    # What the caller found or measures

    def set_devices(self, inputs: Sequence[str], outputs: Sequence[str]) -> None:
        """The devices found when the sound system looked again; what is picked
        stays picked (marked when it is no longer connected)."""
        default = self.tr("System default")
        with QSignalBlocker(self.input):
            self._fill(self.input, inputs, self.chosen_input(), default)
        self._fill(self.output, outputs, self.chosen_output(), default)
        self.look_again.setEnabled(True)

    def set_input_level(self, level: float) -> None:
        """The picked microphone's level (0–1), as often as it is measured."""
        self.meter.set_level(level)

    def show_problem(self, text: str | None) -> None:
        """Say what is wrong with a device, in a sentence; ``None`` clears it."""
        if text:
            self.problem.show_error(text)
        else:
            self.problem.clear()

    # Slots

    def on_input_current_index_changed(self, index: int) -> None:
        self.meter.set_level(0.0)
        self.input_selected.emit(self.chosen_input())

    def on_look_again_clicked(self) -> None:
        self.look_again.setEnabled(False)  # until the devices are listed again
        self.look_again_requested.emit()

    def on_buttons_accepted(self) -> None:
        self.devices_chosen.emit(
            self.chosen_input(), self.chosen_output(), self.echo_cancellation()
        )
        self.accept()

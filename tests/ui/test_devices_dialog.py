"""DevicesDialog: microphone, speaker and camera choices, the live level, the
test sound and device problems."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QFormLayout, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.devices_dialog import DevicesDialog
from desktop.ui.theme import apply_theme

MICS = ["Built-in Microphone", "USB Headset Mono"]
SPEAKERS = ["Built-in Speakers", "USB Headset Stereo"]
CAMERAS = ["FaceTime HD Camera", "Logitech BRIO"]


def dialog(
    qtbot: QtBot,
    mic: str | None = None,
    speaker: str | None = None,
    echo: bool = True,
    cameras: Sequence[str] = CAMERAS,
    camera: str | None = None,
) -> DevicesDialog:
    made = DevicesDialog(MICS, SPEAKERS, mic, speaker, echo, cameras=cameras, current_camera=camera)
    qtbot.addWidget(made)
    return made


def items(combo: QComboBox) -> list[str]:
    return [combo.itemText(at) for at in range(combo.count())]


def test_system_default_comes_first_and_is_the_default(qtbot: QtBot) -> None:
    shown = dialog(qtbot)

    assert items(shown.input) == ["System default", *MICS]
    assert items(shown.output) == ["System default", *SPEAKERS]
    assert (shown.chosen_input(), shown.chosen_output()) == (None, None)
    assert shown.echo_cancellation()


def test_the_current_choices_are_selected(qtbot: QtBot) -> None:
    shown = dialog(qtbot, "USB Headset Mono", "Built-in Speakers", False)

    assert shown.input.currentText() == "USB Headset Mono"
    assert shown.chosen_output() == "Built-in Speakers"
    assert not shown.echo.isChecked()


def test_a_remembered_device_that_is_unplugged_stays_listed_and_marked(qtbot: QtBot) -> None:
    shown = dialog(qtbot, "Blue Yeti")

    assert shown.input.currentText() == "Blue Yeti (not connected)"
    assert shown.chosen_input() == "Blue Yeti"


def test_looking_again_lists_what_was_found_and_keeps_the_choice(qtbot: QtBot) -> None:
    shown = dialog(qtbot, "USB Headset Mono", "USB Headset Stereo")
    with qtbot.wait_signal(shown.look_again_requested):
        QTest.mouseClick(shown.look_again, Qt.MouseButton.LeftButton)
    assert not shown.look_again.isEnabled()  # until the devices are listed again

    with qtbot.assert_not_emitted(shown.input_selected):  # the same microphone
        shown.set_devices([*MICS, "Blue Yeti"], ["Built-in Speakers"])

    assert items(shown.input) == ["System default", *MICS, "Blue Yeti"]
    assert shown.chosen_input() == "USB Headset Mono"
    assert items(shown.output) == [
        "System default",
        "Built-in Speakers",
        "USB Headset Stereo (not connected)",
    ]
    assert shown.chosen_output() == "USB Headset Stereo"
    assert shown.look_again.isEnabled()


def test_ok_reports_the_choice(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.input.setCurrentIndex(2)
    shown.output.setCurrentIndex(1)
    shown.echo.setChecked(False)

    with qtbot.wait_signal(shown.devices_chosen) as chosen:
        shown.buttons.accepted.emit()

    assert chosen.args == ["USB Headset Mono", "Built-in Speakers", False]
    assert shown.result() == DevicesDialog.DialogCode.Accepted


def test_cancel_reports_nothing(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.input.setCurrentIndex(1)

    with qtbot.assert_not_emitted(shown.devices_chosen):
        shown.reject()


def test_picking_a_microphone_says_which_to_meter(qtbot: QtBot) -> None:
    shown = dialog(qtbot, "USB Headset Mono")
    shown.set_input_level(0.8)

    with qtbot.wait_signal(shown.input_selected) as selected:
        shown.input.setCurrentIndex(0)

    assert selected.args == [None]
    assert shown.meter.level() == 0.0


def test_the_meter_shows_the_level_it_is_given(qtbot: QtBot) -> None:
    shown = dialog(qtbot)

    shown.set_input_level(0.35)

    assert shown.meter.level() == pytest.approx(0.35)


def test_the_test_sound_button_asks_for_a_sound(qtbot: QtBot) -> None:
    shown = dialog(qtbot)

    with qtbot.wait_signal(shown.test_sound_requested):
        QTest.mouseClick(shown.test_button, Qt.MouseButton.LeftButton)


def test_a_device_problem_is_shown_in_words_and_can_be_cleared(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    text = "The microphone could not be opened: another program is using it."

    shown.show_problem(text)
    assert shown.problem.isVisibleTo(shown)
    assert shown.problem.text() == text

    shown.show_problem(None)
    assert not shown.problem.isVisibleTo(shown)


def test_the_dialog_is_about_audio_and_video(qtbot: QtBot) -> None:
    assert dialog(qtbot).windowTitle() == "Audio and Video Devices"


def test_the_first_camera_found_comes_first_and_is_the_default(qtbot: QtBot) -> None:
    shown = dialog(qtbot)

    assert items(shown.camera) == ["First camera found", *CAMERAS]
    assert shown.camera.isEnabled()
    assert shown.camera.accessibleName() == "Camera"
    assert shown.chosen_camera() is None


def test_the_current_camera_is_selected(qtbot: QtBot) -> None:
    shown = dialog(qtbot, camera="Logitech BRIO")

    assert shown.camera.currentText() == "Logitech BRIO"
    assert shown.chosen_camera() == "Logitech BRIO"


def test_a_remembered_camera_that_is_unplugged_stays_listed_and_marked(qtbot: QtBot) -> None:
    shown = dialog(qtbot, camera="Elgato Facecam")

    assert items(shown.camera) == ["First camera found", *CAMERAS, "Elgato Facecam (not connected)"]
    assert shown.camera.currentText() == "Elgato Facecam (not connected)"
    assert shown.chosen_camera() == "Elgato Facecam"


def test_without_cameras_the_picker_says_so_and_cannot_be_used(qtbot: QtBot) -> None:
    shown = dialog(qtbot, cameras=())

    assert items(shown.camera) == ["No camera found"]
    assert not shown.camera.isEnabled()
    assert "camera" in shown.camera.toolTip()
    assert shown.chosen_camera() is None


def test_without_cameras_the_remembered_one_is_not_forgotten(qtbot: QtBot) -> None:
    shown = dialog(qtbot, cameras=(), camera="Logitech BRIO")

    assert items(shown.camera) == ["No camera found"]
    assert shown.chosen_camera() == "Logitech BRIO"


def test_the_picked_camera_can_be_read_when_ok_reports_the_choice(qtbot: QtBot) -> None:
    shown = dialog(qtbot, camera="Logitech BRIO")
    shown.camera.setCurrentIndex(1)
    read: list[str | None] = []
    shown.devices_chosen.connect(lambda *_: read.append(shown.chosen_camera()))

    with qtbot.wait_signal(shown.devices_chosen) as chosen:
        shown.buttons.accepted.emit()

    assert chosen.args == [None, None, True]
    assert read == ["FaceTime HD Camera"]


def test_picking_the_first_camera_found_forgets_the_named_one(qtbot: QtBot) -> None:
    shown = dialog(qtbot, camera="Elgato Facecam")

    shown.camera.setCurrentIndex(0)

    assert shown.chosen_camera() is None


def test_the_camera_label_takes_the_focus_to_the_camera(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    label = form_labels(shown)[-1]

    assert label.text() == "&Camera:"
    assert label.buddy() is shown.camera


def form_labels(shown: DevicesDialog) -> list[QLabel]:
    """The labels of the dialog's form, top to bottom."""
    form = shown.findChild(QFormLayout)
    assert form is not None
    found = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        widget = item.widget() if item is not None else None
        if isinstance(widget, QLabel) and widget.text():
            found.append(widget)
    return found


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("cameras", [CAMERAS, []], ids=["cameras", "no-camera"])
@pytest.mark.usefixtures("themed")
def test_the_rows_line_up_and_nothing_is_cut_off(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, dark: bool, cameras: list[str]
) -> None:
    apply_theme(qapp, dark=dark)
    shown = dialog(qtbot, "Blue Yeti", cameras=cameras)
    shown.show()
    qtbot.waitExposed(shown)
    shown.grab().save(str(tmp_path / f"devices-{len(cameras)}-{'dark' if dark else 'light'}.png"))

    labels = form_labels(shown)
    assert [label.text() for label in labels] == ["&Microphone:", "&Speaker:", "&Camera:"]
    starts, ends = (
        {edge(label.geometry()) for label in labels} for edge in (QRect.left, QRect.right)
    )
    assert len(starts) == 1 or len(ends) == 1, "the labels line up"
    for label in labels:
        assert label.width() >= label.sizeHint().width(), f"{label.text()} fits"
    combos: list[QWidget] = [shown.input, shown.output, shown.camera]
    assert len({combo.geometry().left() for combo in combos}) == 1, "fields start together"
    for combo in (shown.input, shown.output, shown.camera):
        text = combo.fontMetrics().horizontalAdvance(combo.currentText())
        assert text < combo.width() - 24, f"{combo.currentText()} fits in its box"

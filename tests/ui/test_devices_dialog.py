"""DevicesDialog: microphone and speaker choices, the live level, the test
sound and device problems."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.devices_dialog import DevicesDialog

MICS = ["Built-in Microphone", "USB Headset Mono"]
SPEAKERS = ["Built-in Speakers", "USB Headset Stereo"]


def dialog(
    qtbot: QtBot, mic: str | None = None, speaker: str | None = None, echo: bool = True
) -> DevicesDialog:
    made = DevicesDialog(MICS, SPEAKERS, mic, speaker, echo)
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

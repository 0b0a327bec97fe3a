"""The set-up dialog: defaults, room names, settings, inline checks and the command.

Dialogs stay unshown: the offscreen platform warns when a shown window's size
constraints change, and nothing tested here needs a window on screen.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QLineEdit
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import AssignmentMode, BreakoutSettings, DomainError, ErrorCode, PhoneBridge
from desktop.core.breakouts import MAX_ROOMS
from desktop.core.commands import SetUpBreakouts
from desktop.ui.dialogs import SetUpDialog, settings_boxes
from desktop.ui.dialogs.pins import PinColumn, PinsModel, generate_pins
from desktop.ui.dialogs.room_lists import RoomNamesModel

PINS = ("111", "222", "333", "444", "555", "666", "777")


@pytest.fixture
def dialog(qtbot: QtBot) -> SetUpDialog:
    widget = SetUpDialog()
    qtbot.addWidget(widget)
    return widget


def rename(dialog: SetUpDialog, row: int, name: str) -> None:
    assert dialog.names.setData(dialog.names.index(row), name)


def with_bridge(dialog: SetUpDialog, number: str, pins: tuple[str, ...]) -> None:
    phone = dialog.editor.phone
    phone.dial_in_check.click()
    phone.dial_in.setText(number)
    for row, pin in enumerate(pins):
        phone.pins.setData(phone.pins.index(row, PinColumn.PIN), pin)


def refused(qtbot: QtBot, dialog: SetUpDialog) -> str:
    """Click Set Up Rooms, which must keep the dialog open; the message shown."""
    with qtbot.assertNotEmitted(dialog.finished):
        dialog.set_up_button.click()
    assert not dialog.message.isHidden()
    return dialog.message.text()


def accepted(qtbot: QtBot, dialog: SetUpDialog) -> SetUpBreakouts:
    with qtbot.waitSignal(dialog.accepted):
        dialog.set_up_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    return dialog.command()


def check(tester: ModelTester, model: QAbstractItemModel, force_py: bool) -> None:
    """Qt's own model tester, or pytest-qt's Python port of it."""
    tester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints


# Models


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "py-tester"])
def test_room_names_model_passes_the_model_tester(
    qapp: QApplication, qtmodeltester: ModelTester, force_py: bool
) -> None:
    model = RoomNamesModel(3)
    check(qtmodeltester, model, force_py)
    model.set_count(5)
    model.setData(model.index(1), "Team Beta")
    model.set_count(1)
    check(qtmodeltester, model, force_py)


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "py-tester"])
def test_pins_model_passes_the_model_tester(
    qapp: QApplication, qtmodeltester: ModelTester, force_py: bool
) -> None:
    model = PinsModel()
    model.set_room_names(["Alpha", "Beta"])
    check(qtmodeltester, model, force_py)
    model.generate(random.Random(1))
    model.set_count(3)
    check(qtmodeltester, model, force_py)


def test_only_pins_are_editable_and_rows_name_their_rooms(qapp: QApplication) -> None:
    model = PinsModel()
    model.set_room_names(["Alpha", "Beta"])
    assert texts(model)[:3] == ["1  Alpha", "2  Beta", "3"]
    assert model.flags(model.index(0, PinColumn.PIN)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, PinColumn.ROOM)) & Qt.ItemFlag.ItemIsEditable


def test_pins_typed_for_hidden_rows_come_back(qapp: QApplication) -> None:
    model = PinsModel()
    model.setData(model.index(6, PinColumn.PIN), "7777")
    model.set_count(3)
    assert model.pins() == ("", "", "")
    model.set_count(7)
    assert model.pins()[6] == "7777"


@pytest.mark.parametrize("seed", range(5))
def test_generated_pins_fill_only_the_gaps_and_are_unique(seed: int) -> None:
    pins = generate_pins(["", "123456", "", "42", ""], random.Random(seed))
    assert pins[1] == "123456"
    assert pins[3] == "42"
    assert len(set(pins)) == 5
    assert all(len(pin) == 6 and pin.isdigit() for pin in (pins[0], pins[2], pins[4]))


def test_generated_pins_avoid_taken_ones() -> None:
    first = generate_pins([""], random.Random(0))[0]
    pins = generate_pins([first, ""], random.Random(0))
    assert pins[0] == first
    assert pins[1] != first


# Defaults


def test_defaults_are_four_rooms_and_manual_assignment(dialog: SetUpDialog) -> None:
    assert dialog.windowTitle() == "Set up breakout rooms"
    assert dialog.count.value() == 4
    assert (dialog.count.minimum(), dialog.count.maximum()) == (1, MAX_ROOMS)
    assert texts(dialog.names) == ["Room 1", "Room 2", "Room 3", "Room 4"]
    assert dialog.editor.assignment.mode() is AssignmentMode.MANUAL
    assert not dialog.editor.timing.limit_check.isChecked()
    assert not dialog.editor.timing.limit_minutes.isEnabled()
    assert not dialog.editor.timing.countdown_check.isChecked()
    assert dialog.editor.phone.rooms.value() == 7
    assert not dialog.editor.phone.dial_in.isEnabled()
    assert dialog.editor.phone.pins.rowCount() == 7
    assert dialog.message.isHidden()
    assert dialog.per_room.isHidden()


def test_defaults_make_the_plainest_command(qtbot: QtBot, dialog: SetUpDialog) -> None:
    assert accepted(qtbot, dialog) == SetUpBreakouts(
        room_names=("Room 1", "Room 2", "Room 3", "Room 4"), settings=BreakoutSettings()
    )


@pytest.mark.parametrize(
    ("attendees", "rooms", "hint"),
    [
        (5, 2, "About 2 attendees per room"),
        (12, 4, "About 3 attendees per room"),
        (4, 2, "About 2 attendees per room"),
        (1, 2, "More rooms than attendees: some rooms stay empty"),
    ],
)
def test_the_attendee_count_suggests_rooms(
    qtbot: QtBot, attendees: int, rooms: int, hint: str
) -> None:
    dialog = SetUpDialog(attendee_count=attendees)
    qtbot.addWidget(dialog)
    assert dialog.count.value() == rooms
    assert not dialog.per_room.isHidden()
    assert dialog.per_room.text() == hint


# Room names


def test_names_follow_the_count_and_typed_names_survive(dialog: SetUpDialog) -> None:
    rename(dialog, 1, "Team Beta")
    rename(dialog, 3, "Team Delta")
    dialog.count.setValue(2)
    assert texts(dialog.names) == ["Room 1", "Team Beta"]
    dialog.count.setValue(6)
    assert texts(dialog.names) == [
        "Room 1",
        "Team Beta",
        "Room 3",
        "Team Delta",
        "Room 5",
        "Room 6",
    ]


def test_names_are_edited_in_place(qtbot: QtBot, dialog: SetUpDialog) -> None:
    view = dialog.name_view
    index = dialog.names.index(2)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    editor.setText("Quiet corner")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits the editor's text through a queued call.
    qtbot.waitUntil(lambda: texts(dialog.names)[2] == "Quiet corner")


def test_room_names_reach_the_pin_table(dialog: SetUpDialog) -> None:
    rename(dialog, 0, "Alpha")
    dialog.count.setValue(2)
    assert texts(dialog.editor.phone.pins)[:3] == ["1  Alpha", "2  Room 2", "3"]


@pytest.mark.parametrize(
    ("row", "name", "problem"),
    [
        (1, "   ", "Room 2 needs a name."),
        (2, "room 1", "Two rooms are named “room 1”: give each a name of its own."),
        (3, "x" * 81, "The room name is 81 characters long; at most 80 fit."),
    ],
)
def test_a_bad_name_is_explained_and_its_row_opened(
    qtbot: QtBot, dialog: SetUpDialog, row: int, name: str, problem: str
) -> None:
    rename(dialog, row, name)
    assert refused(qtbot, dialog) == problem
    assert texts(dialog.names)[row] == name
    assert dialog.name_view.currentIndex().row() == row
    assert dialog.name_view.state() is QAbstractItemView.State.EditingState


def test_names_are_tidied_in_the_command(qtbot: QtBot, dialog: SetUpDialog) -> None:
    dialog.count.setValue(2)
    rename(dialog, 0, "  Team   Alpha ")
    assert accepted(qtbot, dialog).room_names == ("Team Alpha", "Room 2")


def test_an_edit_clears_the_message(qtbot: QtBot, dialog: SetUpDialog) -> None:
    rename(dialog, 0, "")
    refused(qtbot, dialog)
    rename(dialog, 0, "Fixed")
    assert dialog.message.isHidden()


# Settings


def test_every_setting_reaches_the_command(qtbot: QtBot, dialog: SetUpDialog) -> None:
    dialog.count.setValue(3)
    rename(dialog, 0, "Team Alpha")
    dialog.editor.assignment.button(AssignmentMode.FREE_CHOICE).click()
    timing = dialog.editor.timing
    timing.limit_check.click()
    timing.limit_minutes.setValue(25)
    timing.countdown_check.click()
    timing.countdown_seconds.setValue(90)
    dialog.editor.phone.rooms.setValue(3)
    with_bridge(dialog, " +49 (30) 1234-5678 ", ("101", "202", "303"))
    assert accepted(qtbot, dialog) == SetUpBreakouts(
        room_names=("Team Alpha", "Room 2", "Room 3"),
        settings=BreakoutSettings(
            mode=AssignmentMode.FREE_CHOICE,
            time_limit=25 * 60,
            closing_countdown=90,
            phone_room_limit=3,
            bridge=PhoneBridge("+49 (30) 1234-5678", ("101", "202", "303")),
        ),
    )


def test_unticked_times_send_no_limit(qtbot: QtBot, dialog: SetUpDialog) -> None:
    timing = dialog.editor.timing
    timing.limit_check.click()
    timing.limit_minutes.setValue(40)
    timing.limit_check.click()
    settings = accepted(qtbot, dialog).settings
    assert (settings.time_limit, settings.closing_countdown) == (None, None)


def test_durations_stay_within_the_domain_limits(dialog: SetUpDialog) -> None:
    timing = dialog.editor.timing
    assert (timing.limit_minutes.minimum(), timing.limit_minutes.maximum()) == (1, 24 * 60)
    assert (timing.countdown_seconds.minimum(), timing.countdown_seconds.maximum()) == (1, 600)
    assert dialog.editor.phone.rooms.maximum() == MAX_ROOMS


def test_generate_pins_fills_every_phone_room(qtbot: QtBot, dialog: SetUpDialog) -> None:
    dialog.editor.phone.rng = random.Random(7)
    dialog.editor.phone.dial_in_check.click()
    dialog.editor.phone.dial_in.setText("555 0100")
    dialog.editor.phone.generate_button.click()
    bridge = accepted(qtbot, dialog).settings.bridge
    assert bridge is not None
    assert len(bridge.pins) == 7
    assert len(set(bridge.pins)) == 7


def test_the_pin_table_follows_the_phone_room_count(dialog: SetUpDialog) -> None:
    dialog.editor.phone.rooms.setValue(2)
    assert dialog.editor.phone.pins.rowCount() == 2
    assert dialog.editor.phone.rooms_hint.text() == "Phone attendees can only join breakouts 1–2."
    dialog.editor.phone.rooms.setValue(1)
    assert dialog.editor.phone.rooms_hint.text() == "Phone attendees can only join breakout 1."


BridgeEdit = Callable[[SetUpDialog], None]


def _pins(pins: tuple[str, ...]) -> BridgeEdit:
    return lambda dialog: with_bridge(dialog, "555 0100", pins)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            _pins(("", "", "", "", "", "", "")),
            "Breakout 1 needs a PIN: type one, or use Generate PINs.",
        ),
        (_pins(("111", "22", *PINS[2:])), "The PIN of breakout 2 must have 3 to 12 digits."),
        (_pins(("111", "1" * 13, *PINS[2:])), "The PIN of breakout 2 must have 3 to 12 digits."),
        (_pins(("111", "12a", *PINS[2:])), "The PIN of breakout 2 must have 3 to 12 digits."),
        (
            _pins((*PINS[:5], "333", "777")),
            "Breakouts 3 and 6 have the same PIN; each needs its own.",
        ),
        (
            lambda dialog: with_bridge(dialog, "", PINS),
            "Enter the bridge's dial-in number.",
        ),
        (
            lambda dialog: with_bridge(dialog, "call 555", PINS),
            "A dial-in number has at least 3 digits, and besides digits only spaces, "
            "'+', '-' and brackets.",
        ),
        (
            lambda dialog: with_bridge(dialog, "+1 2", PINS),
            "A dial-in number has at least 3 digits, and besides digits only spaces, "
            "'+', '-' and brackets.",
        ),
    ],
)
def test_a_bad_bridge_is_explained_and_kept(
    qtbot: QtBot, dialog: SetUpDialog, edit: BridgeEdit, problem: str
) -> None:
    edit(dialog)
    typed = (dialog.editor.phone.dial_in.text(), dialog.editor.phone.pins.pins())
    assert refused(qtbot, dialog) == problem
    assert (dialog.editor.phone.dial_in.text(), dialog.editor.phone.pins.pins()) == typed


def test_a_refusal_by_the_domain_is_shown_inline(
    qtbot: QtBot, dialog: SetUpDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(settings: BreakoutSettings) -> BreakoutSettings:
        raise DomainError(ErrorCode.INVALID_SETTING, "The domain says no.")

    monkeypatch.setattr(settings_boxes, "validate_settings", refuse)
    assert refused(qtbot, dialog) == "The domain says no."


def test_a_bad_pin_gets_the_focus(qtbot: QtBot, dialog: SetUpDialog) -> None:
    with_bridge(dialog, "555 0100", ("111", "222", "33", *PINS[3:]))
    refused(qtbot, dialog)
    view = dialog.editor.phone.pin_view
    assert dialog.focusWidget() is view
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2, PinColumn.PIN)


def test_the_bridge_can_be_switched_off_again_without_losing_it(
    qtbot: QtBot, dialog: SetUpDialog
) -> None:
    with_bridge(dialog, "bad number", PINS)
    dialog.editor.phone.dial_in_check.click()
    assert accepted(qtbot, dialog).settings.bridge is None
    assert dialog.editor.phone.dial_in.text() == "bad number"

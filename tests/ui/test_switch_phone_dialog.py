"""The dialog that asks an attendee in an audio conflict to dial in."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.core import AudioConnection, RoomId, UserId
from desktop.core.commands import SetAudio
from desktop.protocol.notices import SwitchToPhone
from desktop.ui.dialogs import SwitchPhoneDialog
from desktop.ui.dialogs.switch_phone_dialog import name_list

ME = UserId("bob")
NAMES = {UserId("ann"): "Ann Arbor", UserId("cy"): "Cy"}

NOTICE = SwitchToPhone(
    user_id=ME,
    room_id=RoomId(3),
    room_name="Team Alpha",
    phone_attendees=(UserId("ann"), UserId("cy")),
    dial_in_number="+1 555 0100 200",
    pin="482913",
)


def opened(qtbot: QtBot, notice: SwitchToPhone = NOTICE) -> SwitchPhoneDialog:
    dialog = SwitchPhoneDialog(notice, NAMES)
    qtbot.addWidget(dialog)
    return dialog


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ([], ""),
        (["Ann"], "Ann"),
        (["Ann", "Bob"], "Ann and Bob"),
        (["Ann", "Bob", "Cy"], "Ann, Bob and Cy"),
        (["Ann", "Bob", "Cy", "Di"], "Ann, Bob, Cy and 1 other"),
        (["Ann", "Bob", "Cy", "Di", "Ed"], "Ann, Bob, Cy and 2 others"),
    ],
)
def test_phone_attendees_are_named_in_a_sentence(names: list[str], text: str) -> None:
    assert name_list(names) == text


def test_it_says_who_cannot_hear_whom_and_where(qtbot: QtBot) -> None:
    dialog = opened(qtbot)
    assert dialog.explanation.text() == (
        "Ann Arbor and Cy in “Team Alpha” are on the phone and cannot hear you. "
        "Dial in with the room's PIN and switch to phone audio, so everyone in the "
        "room can talk together."
    )


def test_an_unknown_name_falls_back_to_the_user_id(qtbot: QtBot) -> None:
    notice = SwitchToPhone(
        user_id=ME, room_id=RoomId(1), room_name="R", phone_attendees=(UserId("zed"),)
    )
    dialog = opened(qtbot, notice)
    assert dialog.explanation.text().startswith("zed in “R” is on the phone and cannot hear you.")


def test_number_and_pin_are_shown_prominently_and_selectable(qtbot: QtBot) -> None:
    dialog = opened(qtbot)
    assert dialog.number.text() == "+1 555 0100 200"
    assert dialog.pin.text() == "482913"
    for value in (dialog.number, dialog.pin):
        assert value.font().pointSizeF() > dialog.font().pointSizeF()
        assert value.font().bold()
        assert value.textInteractionFlags() & value.textInteractionFlags().TextSelectableByMouse
    assert dialog.missing.isHidden()


def test_copy_buttons_put_the_values_on_the_clipboard(qtbot: QtBot) -> None:
    dialog = opened(qtbot)
    dialog.copy_pin.click()
    assert QGuiApplication.clipboard().text() == "482913"
    assert (dialog.copy_pin.text(), dialog.copy_number.text()) == ("Copied", "Copy")
    dialog.copy_number.click()
    assert QGuiApplication.clipboard().text() == "+1 555 0100 200"
    assert (dialog.copy_pin.text(), dialog.copy_number.text()) == ("Copy", "Copied")


def test_switching_accepts_and_asks_for_phone_audio(qtbot: QtBot) -> None:
    dialog = opened(qtbot)
    with qtbot.waitSignal(dialog.accepted):
        dialog.switch_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.command() == SetAudio(user_id=ME, audio=AudioConnection.PHONE)


def test_not_now_rejects(qtbot: QtBot) -> None:
    dialog = opened(qtbot)
    with qtbot.waitSignal(dialog.rejected), qtbot.assertNotEmitted(dialog.accepted):
        dialog.not_now_button.click()


def test_without_dial_in_details_it_says_whom_to_ask(qtbot: QtBot) -> None:
    notice = SwitchToPhone(
        user_id=ME, room_id=RoomId(1), room_name="R", phone_attendees=(UserId("ann"),)
    )
    dialog = opened(qtbot, notice)
    assert not dialog.missing.isHidden()
    assert "ask a moderator for the number and PIN" in dialog.missing.text()
    assert not dialog.copy_pin.isEnabled()
    assert not dialog.copy_number.isEnabled()
    assert dialog.details.isHidden()

"""CallView: the tiles of a call, its controls in each mode, the too-large
warning and each peer's volume."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    PhoneBridge,
    Placement,
    Room,
    RoomId,
    UserId,
    created,
    evolve,
)
from desktop.core.events import (
    AttendeesPlaced,
    BreakoutsSetUp,
    ConversationCreated,
    MemberAdded,
    SessionStarted,
)
from desktop.protocol.messages import CallParticipant, CallState
from desktop.ui.call_grid import VolumeMenu
from desktop.ui.call_tile import initials, tile_size
from desktop.ui.call_view import CallMode, CallView, DialIn, dial_in_for, mode_for
from desktop.ui.level_meter import meter_colour
from desktop.ui.models.call_model import CallModel
from desktop.ui.theme import apply_theme

ME = UserId("ada")
VOIP = AudioConnection.VOIP
PEOPLE = (
    ("bob", "Bob Marley", VOIP),
    ("cy", "Cyrus Vance", VOIP),
    ("dee", "Dee Dee Ramone", VOIP),
    ("fay", "Fay Wray", AudioConnection.PHONE),
)


def meeting() -> Conversation:
    owner = Member(user_id=ME, display_name="Ada Lovelace")
    conversation = created(ConversationCreated(conversation_id="c1", title="Weekly", owner=owner))
    for user, name, audio in PEOPLE:
        member = Member(user_id=UserId(user), display_name=name, audio=audio)
        conversation = evolve(conversation, MemberAdded(member=member))
    return conversation


def five_tiles(model: CallModel) -> None:
    """You, Bob connected and speaking, Cy connected and muted, Dee connecting,
    Fay on the phone."""
    participants = tuple(
        CallParticipant(user_id=UserId(user), muted=muted)
        for user, muted in (("ada", False), ("bob", False), ("cy", True), ("dee", False))
    )
    state = CallState(conversation_id="c1", room_id=None, participants=participants)
    model.set_people(meeting(), None, state, ME)
    model.set_peer_state("bob", "connected")
    model.set_peer_state("cy", "connected")
    model.set_levels({"bob": 0.6})


@pytest.fixture
def view(qtbot: QtBot) -> CallView:
    view = CallView()
    qtbot.addWidget(view)
    five_tiles(view.model())
    view.resize(900, 600)
    return view


def shown(view: CallView) -> set[str]:
    """The names of the bar's controls that are visible."""
    controls = {
        "mute": view.mute_button,
        "camera": view.camera_button,
        "meter": view.meter,
        "listening": view.listening_note,
        "phone": view.phone_panel,
        "devices": view.devices_button,
        "leave": view.leave_button,
    }
    return {name for name, widget in controls.items() if widget.isVisibleTo(view)}


# The controls


def test_mute_reports_and_shows_the_new_state(qtbot: QtBot, view: CallView) -> None:
    with qtbot.wait_signal(view.mute_toggled) as muted:
        QTest.mouseClick(view.mute_button, Qt.MouseButton.LeftButton)

    assert muted.args == [True]
    assert view.mute_button.text() == "Unmute"
    assert view.mute_button.accessibleName() == "Unmute"
    with qtbot.wait_signal(view.mute_toggled) as unmuted:
        QTest.mouseClick(view.mute_button, Qt.MouseButton.LeftButton)
    assert unmuted.args == [False]
    assert view.mute_button.text() == "Mute"


def test_set_muted_shows_the_state_without_reporting_it(qtbot: QtBot, view: CallView) -> None:
    with qtbot.assert_not_emitted(view.mute_toggled):
        view.set_muted(True)

    assert view.is_muted()
    assert view.mute_button.text() == "Unmute"


def test_camera_toggles_and_says_so(qtbot: QtBot, view: CallView) -> None:
    with qtbot.wait_signal(view.camera_toggled) as toggled:
        QTest.mouseClick(view.camera_button, Qt.MouseButton.LeftButton)

    assert toggled.args == [True]
    assert view.camera_button.text() == "Stop camera"


def test_without_a_camera_the_button_is_off_and_says_why(qtbot: QtBot, view: CallView) -> None:
    view.set_camera_on(True)

    with qtbot.assert_not_emitted(view.camera_toggled):
        view.set_camera_available(False)

    assert not view.camera_button.isEnabled()
    assert not view.camera_button.isChecked()
    assert view.camera_button.toolTip() == "No camera found"
    view.set_camera_available(True)
    assert view.camera_button.isEnabled()
    assert view.camera_button.toolTip() != "No camera found"


def test_devices_and_leave_ask_the_caller(qtbot: QtBot, view: CallView) -> None:
    with qtbot.wait_signal(view.devices_requested):
        QTest.mouseClick(view.devices_button, Qt.MouseButton.LeftButton)
    with qtbot.wait_signal(view.leave_requested):
        QTest.mouseClick(view.leave_button, Qt.MouseButton.LeftButton)


def test_the_input_meter_follows_the_level(view: CallView) -> None:
    view.set_input_level(0.4)
    assert view.meter.level() == pytest.approx(0.4)

    view.set_input_level(3.0)
    assert view.meter.level() == 1.0


def test_remaining_time_shows_only_while_there_is_some(view: CallView) -> None:
    assert not view.remaining.isVisibleTo(view)

    view.set_remaining("12:30 left")
    assert view.remaining.isVisibleTo(view)
    assert view.remaining.text() == "12:30 left"

    view.set_remaining(None)
    assert not view.remaining.isVisibleTo(view)


# Modes


def test_someone_who_sends_audio_has_every_microphone_control(view: CallView) -> None:
    view.set_mode(CallMode.SENDING)

    assert shown(view) == {"mute", "camera", "meter", "devices", "leave"}


def test_just_listening_has_no_microphone_controls_but_a_note(view: CallView) -> None:
    view.set_mode(CallMode.LISTENING)

    assert shown(view) == {"listening", "devices", "leave"}
    assert view.listening_note.text() == "Listening only"


def test_a_phone_attendee_sees_the_number_and_pin_instead(view: CallView) -> None:
    view.set_mode(CallMode.PHONE, DialIn("+1 555 0100", "482913"))

    assert shown(view) == {"phone"}
    assert view.phone_panel.details.text() == "Dial in: +1 555 0100, PIN 482913"


def test_a_phone_attendee_without_dial_in_details_is_told_whom_to_ask(view: CallView) -> None:
    view.set_mode(CallMode.PHONE, None)

    assert "ask a moderator" in view.phone_panel.details.text()


@pytest.mark.parametrize(
    ("audio", "mode"),
    [
        (AudioConnection.VOIP, CallMode.SENDING),
        (AudioConnection.JUST_LISTENING, CallMode.LISTENING),
        (AudioConnection.PHONE, CallMode.PHONE),
    ],
)
def test_each_audio_connection_has_its_mode(audio: AudioConnection, mode: CallMode) -> None:
    assert mode_for(audio) is mode


def test_the_dial_in_of_a_breakout_has_its_pin_and_the_main_room_none() -> None:
    bridge = PhoneBridge("+1 555 0100", ("111111", "222222"))
    rooms = (Room(RoomId(7), "Team Alpha"), Room(RoomId(9), "Team Beta"))
    conversation = meeting()
    for event in (
        BreakoutsSetUp(rooms=rooms, settings=BreakoutSettings(phone_room_limit=2, bridge=bridge)),
        AttendeesPlaced(placements=(Placement(UserId("fay"), RoomId(9)),)),
        SessionStarted(started_at=1.0, deadline=None),
    ):
        conversation = evolve(conversation, event)

    assert dial_in_for(conversation, RoomId(9)) == DialIn("+1 555 0100", "222222")
    assert dial_in_for(conversation, None) == DialIn("+1 555 0100", None)
    assert dial_in_for(meeting(), None) is None


# The call being too large


def test_a_call_too_large_is_explained(view: CallView) -> None:
    view.set_too_large(11, 8)

    assert view.banner.isVisibleTo(view)
    assert view.banner.text() == (
        "There are 11 people in this call. A call without a media server connects at "
        "most 8, so audio is off in this room for now; it comes back on when the call "
        "is down to 8."
    )
    assert view.grid.tiles.caption(view.model().index(3)) == "No audio"


def test_the_warning_goes_when_the_call_is_small_again(view: CallView) -> None:
    view.set_too_large(11, 8)

    view.set_too_large(None, 8)

    assert not view.banner.isVisibleTo(view)
    assert view.grid.tiles.caption(view.model().index(3)) == "Connecting…"


# Tiles


def test_five_tiles_fit_without_scrolling(qtbot: QtBot, view: CallView) -> None:
    view.show()
    qtbot.waitExposed(view)

    area = view.grid.viewport().rect()
    for row in range(5):
        assert area.contains(view.grid.visualRect(view.model().index(row)))
    assert not view.grid.verticalScrollBar().isVisible()


@pytest.mark.parametrize(
    ("area", "count", "columns"),
    [
        (QSize(900, 540), 5, 3),
        (QSize(900, 540), 1, 1),
        (QSize(900, 540), 4, 2),
        (QSize(400, 900), 3, 1),
    ],
)
def test_tiles_take_the_columns_that_make_them_largest(
    area: QSize, count: int, columns: int
) -> None:
    assert area.width() // tile_size(area, count).width() == columns


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Ada Lovelace", "AL"),
        ("Dee Dee Ramone", "DR"),
        ("cyrus", "C"),
        ("  ", "?"),
        ("(none)", "?"),
    ],
)
def test_avatars_show_initials(name: str, letters: str) -> None:
    assert initials(name) == letters


# Volume


def context_menu(view: CallView, row: int, reason: QContextMenuEvent.Reason) -> None:
    at = view.grid.visualRect(view.model().index(row)).center()
    event = QContextMenuEvent(reason, at, view.grid.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.grid.viewport(), event)


def open_menu(qtbot: QtBot, view: CallView, row: int) -> VolumeMenu:
    view.show()
    qtbot.waitExposed(view)
    context_menu(view, row, QContextMenuEvent.Reason.Mouse)
    menu = view.grid.volume_menu
    assert menu is not None
    return menu


# The offscreen platform cannot raise a popup menu or let it grab the keyboard.
POPUP = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")


@POPUP
def test_right_click_on_a_peer_offers_its_volume(qtbot: QtBot, view: CallView) -> None:
    menu = open_menu(qtbot, view, 1)
    step = next(action for action in menu.steps.actions() if action.text() == "150 %")

    with qtbot.wait_signal(view.volume_changed) as changed:
        step.trigger()

    assert changed.args == ["bob", 1.5]
    assert menu.slider.value() == 150
    assert menu.value.text() == "150 %"
    assert step.isChecked()
    menu.close()


@POPUP
def test_the_slider_sets_the_volume_too(qtbot: QtBot, view: CallView) -> None:
    menu = open_menu(qtbot, view, 2)
    assert menu.accessibleName() == "Volume of Cyrus Vance"

    with qtbot.wait_signal(view.volume_changed) as changed:
        menu.slider.setValue(40)

    assert changed.args == ["cy", 0.4]
    menu.close()


def test_you_and_phone_attendees_have_no_volume_menu(qtbot: QtBot, view: CallView) -> None:
    view.show()
    qtbot.waitExposed(view)

    for row in (0, 4):
        context_menu(view, row, QContextMenuEvent.Reason.Mouse)
        assert view.grid.volume_menu is None


@POPUP
def test_the_keyboard_opens_the_menu_of_the_focused_tile(qtbot: QtBot, view: CallView) -> None:
    view.show()
    qtbot.waitExposed(view)
    view.grid.setCurrentIndex(view.model().index(3))

    context_menu(view, 0, QContextMenuEvent.Reason.Keyboard)

    menu = view.grid.volume_menu
    assert menu is not None
    assert menu.accessibleName() == "Volume of Dee Dee Ramone"
    menu.close()


def test_plus_and_minus_turn_the_focused_peer_up_and_down(qtbot: QtBot, view: CallView) -> None:
    view.grid.setCurrentIndex(view.model().index(1))

    with qtbot.wait_signal(view.volume_changed) as louder:
        QTest.keyClick(view.grid, Qt.Key.Key_Plus)
    QTest.keyClick(view.grid, Qt.Key.Key_Minus)
    QTest.keyClick(view.grid, Qt.Key.Key_Minus)

    assert louder.args == ["bob", 1.1]
    assert view.model().volume("bob") == pytest.approx(0.9)


def test_a_new_model_reports_its_volumes_and_the_old_one_no_longer(
    qtbot: QtBot, view: CallView
) -> None:
    old = view.model()
    new = CallModel(parent=view)
    five_tiles(new)

    view.set_model(new)

    with qtbot.assert_not_emitted(view.volume_changed):
        old.set_volume("bob", 0.5)
    with qtbot.wait_signal(view.volume_changed):
        new.set_volume("bob", 0.5)


# Looks


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.usefixtures("themed")
def test_speaking_is_framed_in_green_on_both_themes(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, dark: bool
) -> None:
    apply_theme(qapp, dark=dark)
    view = CallView()
    qtbot.addWidget(view)
    five_tiles(view.model())
    view.set_remaining("12:30 left in breakout rooms")
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)

    image = view.grab().toImage()
    image.save(str(tmp_path / f"call-{'dark' if dark else 'light'}.png"))

    green = meter_colour("green", view.palette())
    speaking = tile_on(view, image, 1)
    quiet = tile_on(view, image, 2)
    edge = QPoint(speaking.left() + 6, speaking.center().y())
    assert image.pixelColor(edge) == green
    assert image.pixelColor(QPoint(quiet.left() + 6, quiet.center().y())) != green
    inside_leave = view.leave_button.mapTo(view, QPoint(4, 4))
    assert contrast(image.pixelColor(inside_leave), QColor("#ffffff")) >= 4.5


def tile_on(view: CallView, image: QImage, row: int) -> QRect:
    """Where the tile of ``row`` is in a grab of the whole view."""
    rect = view.grid.visualRect(view.model().index(row))
    return rect.translated(view.grid.viewport().mapTo(view, QPoint(0, 0)))


def contrast(first: QColor, second: QColor) -> float:
    """The WCAG contrast ratio of two colours."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)

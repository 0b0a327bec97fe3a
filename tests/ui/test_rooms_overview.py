"""The rooms overview widget: countdown from an injected clock, the session-wide
buttons, joining rooms, moving attendees from the context menu and by drops on
the view, the help strip, and how it looks on light and dark palettes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from qtkit import texts
from test_rooms_overview_model import T0, session

from desktop.core import BreakoutSettings, Conversation, RoomId, UserId, evolve
from desktop.core.events import ClosingStarted, HelpCleared, TimeExtended
from desktop.ui.rooms_overview import RoomsOverview
from desktop.ui.theme import apply_theme, conflict_background, help_badge

TIMED = BreakoutSettings(time_limit=900, closing_countdown=60)
"""Fifteen minutes, then a one-minute closing countdown (the session's deadline)."""

MOVE = Qt.DropAction.MoveAction
LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


class WallClock:
    """The clock the overview reads; tests move it by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> WallClock:
    return WallClock(T0 + 146)


def shown(qtbot: QtBot, wall: WallClock, conversation: Conversation) -> RoomsOverview:
    overview = RoomsOverview(wall)
    qtbot.add_widget(overview)
    overview.resize(760, 1000)
    overview.update(conversation)
    overview.show()
    qtbot.wait_exposed(overview)
    return overview


@pytest.fixture
def overview(qtbot: QtBot, wall: WallClock) -> RoomsOverview:
    return shown(qtbot, wall, session(settings=TIMED))


def room_rect(overview: RoomsOverview, room: int | None) -> tuple[QModelIndex, QPoint, QPoint]:
    """A room row, the centre of its "Join" button and a plain spot on its card."""
    index = overview.model.room_index(None if room is None else RoomId(room))
    rect = overview.view.visualRect(index)
    join = overview.delegate.join_rect(rect).center()
    return index, join, QPoint(rect.left() + rect.width() // 2, rect.center().y())


def attendee(overview: RoomsOverview, user: str) -> QModelIndex:
    return overview.model.attendee_index(UserId(user))


def menu_action(menu: QMenu, text: str) -> Callable[[], None]:
    for action in menu.actions():
        if action.text() == text:
            assert action.isEnabled(), text
            return action.trigger
    raise AssertionError(f"no {text!r} in {[action.text() for action in menu.actions()]}")


def submenu(menu: QMenu, title: str) -> QMenu:
    for action in menu.actions():
        inner = action.menu()
        if isinstance(inner, QMenu) and inner.title() == title:
            return inner
    raise AssertionError(f"no {title!r} submenu")


# The countdown


def test_countdown_reads_the_injected_clock(overview: RoomsOverview, wall: WallClock) -> None:
    assert overview.header.countdown == "12:34 left"
    assert "In progress · 6 rooms · 16 attendees" in overview.header.state
    wall.now = T0 + 900 - 59.5
    overview.on_timer_timeout()
    assert overview.header.countdown == "1:00 left"
    wall.now = T0 + 905
    overview.on_timer_timeout()
    assert overview.header.countdown == "0:00 left"


def test_countdown_ticks_every_second(
    overview: RoomsOverview, wall: WallClock, qtbot: QtBot
) -> None:
    assert overview.timer.isActive()
    assert overview.timer.interval() == 1000
    wall.now += 1
    qtbot.wait_until(lambda: overview.header.countdown == "12:33 left", timeout=3000)


def test_hours_and_extensions_show(qtbot: QtBot, wall: WallClock) -> None:
    extended = evolve(session(settings=TIMED), TimeExtended(deadline=T0 + 2 * 3600 + 3))
    overview = shown(qtbot, wall, extended)
    assert overview.header.countdown == "1:57:37 left"


def test_closing_counts_down_to_the_end(qtbot: QtBot, wall: WallClock) -> None:
    closing = evolve(session(settings=TIMED), ClosingStarted(closing_at=T0 + 960))
    wall.now = T0 + 915
    overview = shown(qtbot, wall, closing)
    assert overview.header.countdown == "Closing in 0:45"
    assert overview.header.state.startswith("Closing")
    assert overview.header.end_button.text() == "End now"
    assert not overview.header.extend_button.isEnabled()


def test_no_time_limit(qtbot: QtBot, wall: WallClock) -> None:
    overview = shown(qtbot, wall, session(deadline=None))
    assert overview.header.countdown == "No time limit"
    assert not overview.header.extend_button.isEnabled()
    assert overview.header.end_button.isEnabled()


# The session-wide buttons


def test_broadcast_asks_for_text_inline(overview: RoomsOverview, qtbot: QtBot) -> None:
    header = overview.header
    assert not header.composer.isVisible()
    QTest.mouseClick(header.broadcast_button, LEFT)
    assert header.composer.isVisible()
    assert not header.send_button.isEnabled()
    QTest.keyClicks(header.message_edit, "Five minutes left, wrap up")
    with qtbot.wait_signal(overview.broadcast_requested) as sent:
        QTest.mouseClick(header.send_button, LEFT)
    assert sent.args == ["Five minutes left, wrap up"]
    assert not header.composer.isVisible()
    assert header.message_edit.text() == ""


def test_broadcast_sends_on_enter_and_cancels_on_escape(
    overview: RoomsOverview, qtbot: QtBot
) -> None:
    header = overview.header
    QTest.mouseClick(header.broadcast_button, LEFT)
    QTest.keyClicks(header.message_edit, "Back in 2")
    with qtbot.wait_signal(overview.broadcast_requested) as sent:
        QTest.keyClick(header.message_edit, Qt.Key.Key_Return)
    assert sent.args == ["Back in 2"]
    QTest.mouseClick(header.broadcast_button, LEFT)
    QTest.keyClicks(header.message_edit, "never mind")
    with qtbot.assert_not_emitted(overview.broadcast_requested):
        QTest.keyClick(header.message_edit, Qt.Key.Key_Escape)
    assert not header.composer.isVisible()


@pytest.mark.parametrize(("choice", "seconds"), [(0, 300), (1, 600), (2, 900)])
def test_extend_time_offers_minutes(
    overview: RoomsOverview, qtbot: QtBot, choice: int, seconds: int
) -> None:
    actions = overview.header.extend_menu.actions()
    assert [action.text() for action in actions] == ["+5 min", "+10 min", "+15 min"]
    with qtbot.wait_signal(overview.extend_requested) as extended:
        actions[choice].trigger()
    assert extended.args == [seconds]


def confirm(overview: RoomsOverview, qtbot: QtBot) -> QMessageBox:
    QTest.mouseClick(overview.header.end_button, LEFT)
    box = overview.header.confirmation
    assert box is not None
    qtbot.wait_exposed(box)
    return box


def button(box: QMessageBox, role: QMessageBox.ButtonRole) -> QPushButton:
    (found,) = [b for b in box.buttons() if box.buttonRole(b) is role]
    assert isinstance(found, QPushButton)
    return found


def test_ending_asks_first_and_mentions_the_closing_countdown(
    overview: RoomsOverview, qtbot: QtBot
) -> None:
    box = confirm(overview, qtbot)
    assert "1:00 closing countdown" in box.informativeText()
    with qtbot.wait_signal(overview.end_requested):
        QTest.mouseClick(button(box, QMessageBox.ButtonRole.DestructiveRole), LEFT)
    assert overview.header.confirmation is None


def test_ending_can_be_cancelled(overview: RoomsOverview, qtbot: QtBot) -> None:
    box = confirm(overview, qtbot)
    with qtbot.assert_not_emitted(overview.end_requested):
        QTest.mouseClick(button(box, QMessageBox.ButtonRole.RejectRole), LEFT)
    assert overview.header.confirmation is None


def test_ending_without_a_countdown_is_immediate(qtbot: QtBot, wall: WallClock) -> None:
    overview = shown(qtbot, wall, session(settings=BreakoutSettings(time_limit=900)))
    box = confirm(overview, qtbot)
    assert box.informativeText() == "Everyone returns to the main room now."
    with qtbot.wait_signal(overview.end_requested):
        QTest.mouseClick(button(box, QMessageBox.ButtonRole.DestructiveRole), LEFT)


# Joining rooms


def test_the_join_button_joins_its_room(overview: RoomsOverview, qtbot: QtBot) -> None:
    _, join, _ = room_rect(overview, 2)
    with qtbot.wait_signal(overview.join_requested) as joined:
        QTest.mouseClick(overview.view.viewport(), LEFT, NO_KEYS, join)
    assert joined.args == [RoomId(2)]


def test_double_clicking_a_room_joins_it(overview: RoomsOverview, qtbot: QtBot) -> None:
    _, _, card = room_rect(overview, 3)
    joins: list[object] = []
    overview.join_requested.connect(joins.append)
    QTest.mouseClick(overview.view.viewport(), LEFT, NO_KEYS, card)  # as a real double-click
    QTest.mouseDClick(overview.view.viewport(), LEFT, NO_KEYS, card)
    assert joins == [RoomId(3)]


def test_double_clicking_join_joins_once(overview: RoomsOverview) -> None:
    _, join, _ = room_rect(overview, 2)
    joins: list[object] = []
    overview.join_requested.connect(joins.append)
    QTest.mouseClick(overview.view.viewport(), LEFT, NO_KEYS, join)
    QTest.mouseDClick(overview.view.viewport(), LEFT, NO_KEYS, join)
    QTest.mouseRelease(overview.view.viewport(), LEFT, NO_KEYS, join)
    assert joins == [RoomId(2)]


def test_the_chevron_folds_a_room(overview: RoomsOverview, qtbot: QtBot) -> None:
    index, _, _ = room_rect(overview, 1)
    chevron = overview.delegate.chevron_rect(overview.view.visualRect(index)).center()
    assert overview.view.isExpanded(index)
    with qtbot.assert_not_emitted(overview.join_requested):
        QTest.mouseClick(overview.view.viewport(), LEFT, NO_KEYS, chevron)
    assert not overview.view.isExpanded(index)


@pytest.mark.parametrize(
    ("room", "text"), [(1, "Join room"), (None, "Go to main room")], ids=["room", "main"]
)
def test_a_room_menu_joins(
    overview: RoomsOverview, qtbot: QtBot, room: int | None, text: str
) -> None:
    index, _, _ = room_rect(overview, room)
    menu = overview.context_menu(index)
    assert menu is not None
    with qtbot.wait_signal(overview.join_requested) as joined:
        menu_action(menu, text)()
    assert joined.args == [None if room is None else RoomId(room)]


# Moving attendees


def test_move_to_from_the_context_menu(overview: RoomsOverview, qtbot: QtBot) -> None:
    menu = overview.context_menu(attendee(overview, "grace"))
    assert menu is not None
    targets = submenu(menu, "Move to")
    entries = [action.text() for action in targets.actions()]
    assert entries[0] == "Team Alpha (here)"
    assert not targets.actions()[0].isEnabled()
    assert entries[-1] == "Main room"
    with qtbot.wait_signal(overview.move_requested) as requested:
        menu_action(targets, "Team Delta")()
    assert requested.args == [["grace"], RoomId(4)]
    assert texts(overview.model, overview.model.room_index(RoomId(4))) == [
        "John Backus",
        "Radia Perlman",
    ]  # the server moves her; the overview waits for its word


def test_move_to_takes_every_selected_attendee(overview: RoomsOverview, qtbot: QtBot) -> None:
    selection = overview.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for user in ("grace", "tim"):
        selection.select(attendee(overview, user), flags)
    menu = overview.context_menu(attendee(overview, "tim"))
    assert menu is not None
    with qtbot.wait_signal(overview.move_requested) as requested:
        menu_action(submenu(menu, "Move to"), "Team Beta")()
    users, room = requested.args
    assert (sorted(users), room) == (["grace", "tim"], RoomId(2))
    with qtbot.wait_signal(overview.move_requested) as requested:
        menu_action(submenu(menu, "Move to"), "Main room")()
    assert requested.args == [["grace"], None]  # Tim is there already


def test_move_to_leaves_out_rooms_the_bridge_cannot_reach(qtbot: QtBot, wall: WallClock) -> None:
    overview = shown(qtbot, wall, session(settings=BreakoutSettings(phone_room_limit=3)))
    menu = overview.context_menu(attendee(overview, "barbara"))
    assert menu is not None
    delta = submenu(menu, "Move to").actions()[3]
    assert delta.text() == "Team Delta (no phone bridge)"
    assert not delta.isEnabled()
    assert delta.toolTip() == "Barbara Liskov is on the phone; the bridge reaches rooms 1–3 only."


# Offscreen, a popup cannot raise itself or grab the keyboard; Qt says so, harmlessly.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_the_keyboard_opens_move_to(overview: RoomsOverview, qtbot: QtBot) -> None:
    overview.view.setCurrentIndex(attendee(overview, "grace"))
    overview.view.setFocus()
    QTest.keyClick(overview.view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    popup = QApplication.activePopupWidget()
    assert isinstance(popup, QMenu)
    assert submenu(popup, "Move to").actions()[3].text() == "Team Delta"
    popup.close()


def test_clearing_help_from_the_context_menu(overview: RoomsOverview, qtbot: QtBot) -> None:
    menu = overview.context_menu(attendee(overview, "ada"))
    assert menu is not None
    with qtbot.wait_signal(overview.clear_help_requested) as cleared:
        menu_action(menu, "Clear help request")()
    assert cleared.args == ["ada"]


def drag_to(overview: RoomsOverview, users: list[str], room: int) -> QDragMoveEvent:
    """Drag attendees over a room's card and drop them there, as the mouse would."""
    model, viewport = overview.model, overview.view.viewport()
    mime = model.mimeData([attendee(overview, user) for user in users])
    _, _, card = room_rect(overview, room)
    enter = QDragEnterEvent(card, MOVE, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(card, MOVE, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    if move.isAccepted():
        drop = QDropEvent(QPointF(card), MOVE, mime, LEFT, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, drop)
    return move


def test_dropping_on_the_view_asks_for_the_move(overview: RoomsOverview, qtbot: QtBot) -> None:
    with qtbot.wait_signal(overview.move_requested) as requested:
        assert drag_to(overview, ["grace", "alan"], 4).isAccepted()
    assert requested.args == [["grace", "alan"], RoomId(4)]


def test_a_refused_drop_says_why(qtbot: QtBot, wall: WallClock) -> None:
    overview = shown(qtbot, wall, session(settings=BreakoutSettings(phone_room_limit=3)))
    assert not overview.notice.isVisible()
    with qtbot.assert_not_emitted(overview.move_requested):
        assert not drag_to(overview, ["barbara"], 5).isAccepted()
    assert overview.notice.isVisible()
    assert overview.notice.text == (
        "Barbara Liskov is on the phone; the bridge reaches rooms 1–3 only."
    )


# Help requests


def test_help_strip_lists_requests(overview: RoomsOverview, qtbot: QtBot) -> None:
    strip = overview.help_strip
    assert strip.isVisible()
    (request,) = strip.requests
    assert (request.name, request.room_name, request.room_id) == (
        "Ada Lovelace",
        "Team Alpha",
        RoomId(1),
    )
    labels = [label.text() for label in strip.findChildren(QLabel)]
    assert "in Team Alpha · 2 min ago" in labels
    go, clear = strip.buttons_of(UserId("ada"))
    with qtbot.wait_signal(overview.join_requested) as joined:
        QTest.mouseClick(go, LEFT)
    assert joined.args == [RoomId(1)]
    with qtbot.wait_signal(overview.clear_help_requested) as cleared:
        QTest.mouseClick(clear, LEFT)
    assert cleared.args == ["ada"]


def test_help_strip_hides_when_help_is_cleared(overview: RoomsOverview, wall: WallClock) -> None:
    conversation = session(settings=TIMED)
    overview.update(evolve(conversation, HelpCleared(user_id=UserId("ada"), by=UserId("maria"))))
    assert not overview.help_strip.isVisible()
    assert overview.help_strip.requests == ()


# The look


@pytest.fixture
def themes(qapp: QApplication) -> Iterator[Callable[[bool], None]]:
    """Switch the app's theme for one test and put the old look back after."""
    style, palette = qapp.style().name(), qapp.palette()
    yield lambda dark: apply_theme(qapp, dark=dark)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    QGuiApplication.styleHints().unsetColorScheme()


def pixel(overview: RoomsOverview, shot_x: int, index: QModelIndex) -> QColor:
    """The colour at ``shot_x`` pixels left of a row's right edge, in a screenshot."""
    rect = overview.view.visualRect(index)
    spot = overview.view.viewport().mapTo(
        overview, QPoint(rect.right() - shot_x, rect.center().y())
    )
    return overview.grab().toImage().pixelColor(spot)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_renders_conflicts_and_help_on_both_palettes(
    qtbot: QtBot, wall: WallClock, themes: Callable[[bool], None], tmp_path: Path, dark: bool
) -> None:
    themes(dark)
    conversation = session(settings=TIMED, help_from=("ada", "frances"))
    overview = shown(qtbot, wall, conversation)
    overview.model.drop_refused.emit(
        "Barbara Liskov is on the phone; the bridge reaches rooms 1–7 only."
    )
    shot = tmp_path / f"rooms-overview-{'dark' if dark else 'light'}.png"
    assert overview.grab().save(str(shot))
    palette = overview.palette()
    assert pixel(overview, 200, attendee(overview, "edsger")) == conflict_background(palette)
    assert pixel(overview, 200, attendee(overview, "alan")) != conflict_background(palette)
    assert pixel(overview, 14, attendee(overview, "ada")) == help_badge(palette)

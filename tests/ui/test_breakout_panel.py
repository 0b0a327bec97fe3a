"""The Smart Distribute panel: distributing, fixing, moving, applying, its looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from qtkit import texts
from shiboken6 import Shiboken

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    Placement,
    ProblemKind,
    RoomId,
    UserId,
    created,
    execute,
)
from desktop.core.commands import AddMember, Command, PlaceAttendees, RemoveRoom, SetUpBreakouts
from desktop.core.events import ConversationCreated
from desktop.ui.breakout_panel import FIX_BUTTON_WIDTH, PROBLEMS_HEIGHT, ApplyRequest, BreakoutPanel
from desktop.ui.models.breakout_plan_model import BreakoutPlanModel, PlanRole
from desktop.ui.theme import apply_theme, conflict_background

OWNER = UserId("owner")
PHONE = AudioConnection.PHONE
VOIP = AudioConnection.VOIP
LISTENING = AudioConnection.JUST_LISTENING
FIRSTS = ("Amara", "Lena", "Haruto", "Priya", "Kwame", "Aoife", "Linh", "Elif", "Mateo", "Shirin")
LASTS = ("Okafor", "Fischer", "Sato", "Rao", "Mensah", "Murphy", "Nguyen", "Kaya")


def user(number: int) -> UserId:
    return UserId(f"p{number}")


def room(number: int) -> RoomId:
    return RoomId(number)


def run(conversation: Conversation, command: Command) -> Conversation:
    return execute(conversation, OWNER, command, 0.0)[0]


def workshop(
    count: int = 40,
    rooms: int = 6,
    mode: AssignmentMode = AssignmentMode.MANUAL,
) -> Conversation:
    """``count`` participants ``p1``…: every fifth on the phone, every fifth just
    listening; ``rooms`` rooms named after teams."""
    owner = Member(user_id=OWNER, display_name="Olivia Owner")
    conversation = created(
        ConversationCreated(conversation_id="c-1", title="Workshop", owner=owner)
    )
    for number in range(1, count + 1):
        audio = PHONE if number % 5 == 1 else LISTENING if number % 5 == 2 else VOIP
        name = f"{FIRSTS[number % len(FIRSTS)]} {LASTS[number % len(LASTS)]}"
        command = AddMember(user_id=user(number), display_name=name, audio=audio)
        conversation = run(conversation, command)
    names = tuple(f"Team {letter}" for letter in "ABCDEFGHIJKL"[:rooms])
    settings = BreakoutSettings(mode=mode)
    return run(conversation, SetUpBreakouts(room_names=names, settings=settings))


def placed(conversation: Conversation, rooms_of: dict[int, int]) -> Conversation:
    placements = tuple(Placement(user(u), room(r)) for u, r in rooms_of.items())
    return run(conversation, PlaceAttendees(placements=placements))


@pytest.fixture
def panel(qtbot: QtBot) -> BreakoutPanel:
    widget = BreakoutPanel()
    qtbot.addWidget(widget)
    widget.resize(560, 900)
    return widget


def model_of(panel: BreakoutPanel) -> BreakoutPlanModel:
    assert panel.model is not None
    return panel.model


def attendee_index(panel: BreakoutPanel, who: UserId) -> QModelIndex:
    model = model_of(panel)
    bucket = model.draft.bucket_of(who)
    return model.index(list(model.draft.people(bucket)).index(who), 0, model.bucket_index(bucket))


def select(panel: BreakoutPanel, *users: UserId) -> None:
    selection = panel.tree.selectionModel()
    selection.clearSelection()
    for who in users:
        selection.select(attendee_index(panel, who), QItemSelectionModel.SelectionFlag.Select)


def fix_buttons(panel: BreakoutPanel) -> list[QPushButton]:
    return panel.readiness.findChildren(QPushButton)


def problem_texts(panel: BreakoutPanel) -> list[str]:
    return [label.text() for label in panel.readiness.findChildren(QLabel)][1:]


def counts(panel: BreakoutPanel) -> list[int]:
    model = model_of(panel)
    return [model.data(model.index(row, 0), PlanRole.COUNT) for row in range(model.rowCount())]


def move_action(panel: BreakoutPanel, title: str) -> QAction:
    menu = panel.move_menu()
    assert menu is not None
    (move_to,) = menu.actions()
    assert move_to.text() == "Move to"
    submenu = move_to.menu()
    assert isinstance(submenu, QMenu)
    (action,) = [action for action in submenu.actions() if action.text() == title]
    return action


# Distributing


def test_smart_distribute_fills_every_room(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(workshop(), OWNER)
    model = model_of(panel)
    assert counts(panel) == [40, 0, 0, 0, 0, 0, 0]
    assert panel.summary.text() == "40 attendees · 6 rooms · 40 unassigned"

    with qtbot.waitSignal(model.modelReset):
        QTest.mouseClick(panel.distribute_button, Qt.MouseButton.LeftButton)

    assert counts(panel)[0] == 0
    assert sum(counts(panel)) == 40
    assert all(count >= 6 for count in counts(panel)[1:])
    assert panel.summary.text() == "40 attendees · 6 rooms · 0 unassigned"
    assert all(panel.tree.isExpanded(model.index(row, 0)) for row in range(7))
    assert model.draft.conflict_count() == 0


def test_unassign_all_empties_the_rooms(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(workshop(mode=AssignmentMode.AUTOMATIC), OWNER)
    assert counts(panel)[0] == 0

    QTest.mouseClick(panel.unassign_button, Qt.MouseButton.LeftButton)

    assert counts(panel) == [40, 0, 0, 0, 0, 0, 0]


# The readiness check


def test_problems_are_listed_each_with_its_fix(panel: BreakoutPanel) -> None:
    conversation = placed(workshop(count=5, rooms=3), {1: 1, 3: 2})

    panel.open_conversation(conversation, OWNER)

    problems = panel.readiness_problems
    assert [problem.kind for problem in problems] == [
        ProblemKind.UNASSIGNED,
        ProblemKind.EMPTY_ROOM,
    ]
    assert problem_texts(panel) == [problem.message for problem in problems]
    assert [button.text() for button in fix_buttons(panel)] == [p.fix_label for p in problems]
    assert [button.accessibleName() for button in fix_buttons(panel)] == [
        p.fix_label for p in problems
    ]


def test_a_long_fix_label_is_shortened_with_the_whole_label_in_its_tooltip(
    panel: BreakoutPanel,
) -> None:
    conversation = workshop(count=0, rooms=1)
    for number, name in enumerate(("Maximilian Alexander", "Oluwaseun Adebayo-Okonkwo"), 1):
        command = AddMember(user_id=user(number), display_name=f"{name} {'X' * 12}")
        conversation = run(conversation, command)

    panel.open_conversation(conversation, OWNER)

    (problem,) = panel.readiness_problems
    (button,) = fix_buttons(panel)
    assert button.text() != problem.fix_label
    assert "…" in button.text()
    assert button.text().startswith("Place ")
    assert button.toolTip() == problem.fix_label
    assert button.accessibleName() == problem.fix_label
    assert button.fontMetrics().horizontalAdvance(button.text()) <= FIX_BUTTON_WIDTH


def test_clicking_a_fix_resolves_its_problem(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(placed(workshop(count=5, rooms=3), {1: 1, 3: 2}), OWNER)
    _place, remove = fix_buttons(panel)
    assert remove.text() == "Remove 'Team C'"

    QTest.mouseClick(remove, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(fix_buttons(panel)) == 1)
    assert [problem.kind for problem in panel.readiness_problems] == [ProblemKind.UNASSIGNED]
    assert texts(model_of(panel)) == ["Unassigned (3)", "1. Team A (1)", "2. Team B (1)"]

    QTest.mouseClick(fix_buttons(panel)[0], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not fix_buttons(panel))
    assert panel.readiness_problems == ()
    assert problem_texts(panel) == ["Everything is ready."]
    assert counts(panel)[0] == 0
    assert sum(counts(panel)) == 5


def test_a_fix_made_stale_by_a_move_is_not_applied(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(placed(workshop(count=5, rooms=3), {1: 1, 3: 2}), OWNER)
    empty_room = panel.readiness_problems[1]
    select(panel, user(4))
    move_action(panel, "Team C").trigger()  # Team C is no longer empty

    panel.apply_fix(empty_room)  # clicked before the list caught up

    assert [r.name for r in model_of(panel).draft.rooms] == ["Team A", "Team B", "Team C"]
    assert model_of(panel).draft.bucket_of(user(4)) == room(3)
    assert empty_room not in panel.readiness_problems
    qtbot.waitUntil(lambda: len(fix_buttons(panel)) == 1)


def test_a_conflict_made_by_hand_shows_up_after_a_pause(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(workshop(count=10, rooms=2, mode=AssignmentMode.AUTOMATIC), OWNER)
    assert not panel.readiness_problems
    draft = model_of(panel).draft
    caller = user(1)
    assert draft.members[caller].audio is PHONE
    voice_room = next(r.name for r in draft.rooms if r.id != draft.bucket_of(caller))
    select(panel, caller)

    move_action(panel, voice_room).trigger()

    assert "1 with an audio conflict" in panel.summary.text()
    qtbot.waitUntil(lambda: len(panel.readiness_problems) == 1)
    (conflict,) = panel.readiness_problems
    assert conflict.kind is ProblemKind.AUDIO_CONFLICT
    (fix,) = fix_buttons(panel)

    QTest.mouseClick(fix, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not fix_buttons(panel))
    assert model_of(panel).draft.conflict_count() == 0


# Moving with the context menu


def test_move_to_puts_the_selected_attendees_in_a_room(panel: BreakoutPanel) -> None:
    panel.open_conversation(workshop(count=10, rooms=3), OWNER)
    assert panel.move_menu() is None  # nothing selected
    select(panel, user(3), user(4))
    menu = panel.move_menu()
    assert menu is not None
    submenu = menu.actions()[0].menu()
    assert isinstance(submenu, QMenu)
    assert [action.text() for action in submenu.actions()] == [
        "Unassigned",
        "Team A",
        "Team B",
        "Team C",
    ]

    move_action(panel, "Team C").trigger()

    draft = model_of(panel).draft
    assert draft.bucket_of(user(3)) == draft.bucket_of(user(4)) == room(3)
    assert {user(3), user(4)} <= draft.pinned
    assert counts(panel) == [8, 0, 0, 2]
    assert panel.summary.text() == "10 attendees · 3 rooms · 8 unassigned"


def test_a_refused_move_says_why_until_the_next_change(panel: BreakoutPanel) -> None:
    panel.open_conversation(workshop(count=10, rooms=9), OWNER)  # Team H is room 8
    select(panel, user(1))

    move_action(panel, "Team H").trigger()

    assert panel.notice.isVisibleTo(panel)
    assert model_of(panel).draft.members[user(1)].display_name in panel.notice.text()
    assert "1–7" in panel.notice.text()
    assert model_of(panel).draft.bucket_of(user(1)) is None

    select(panel, user(2))
    move_action(panel, "Team H").trigger()

    assert not panel.notice.isVisibleTo(panel)
    assert model_of(panel).draft.bucket_of(user(2)) == room(8)


# Applying, cancelling, reopening


@pytest.mark.parametrize(("button", "start"), [("apply_button", False), ("start_button", True)])
def test_apply_asks_for_the_drafted_plan(
    panel: BreakoutPanel, qtbot: QtBot, button: str, start: bool
) -> None:
    conversation = workshop(count=12, rooms=3, mode=AssignmentMode.AUTOMATIC)
    panel.open_conversation(conversation, OWNER)
    select(panel, user(2))
    move_action(panel, "Unassigned").trigger()

    with qtbot.waitSignal(panel.apply_requested) as applied:
        QTest.mouseClick(getattr(panel, button), Qt.MouseButton.LeftButton)

    (request,) = applied.args
    assert isinstance(request, ApplyRequest)
    assert request.start is start
    assert request.conversation_id == "c-1"
    assert request.wanted == model_of(panel).draft.plan()
    assert user(2) not in request.wanted.rooms_of
    assert request.saved == conversation.breakouts.plan
    assert request.room_changes == ()


def test_apply_carries_the_room_changes_of_a_fix(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(placed(workshop(count=2, rooms=3), {1: 1, 2: 2}), OWNER)
    (remove,) = fix_buttons(panel)
    QTest.mouseClick(remove, Qt.MouseButton.LeftButton)

    with qtbot.waitSignal(panel.apply_requested) as applied:
        QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)

    (request,) = applied.args
    assert request.room_changes == (RemoveRoom(room_id=room(3)),)
    assert request.start is True


def test_cancel_closes_without_applying(panel: BreakoutPanel, qtbot: QtBot) -> None:
    panel.open_conversation(workshop(count=4, rooms=2), OWNER)

    with qtbot.waitSignal(panel.closed), qtbot.assertNotEmitted(panel.apply_requested):
        QTest.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)


def test_reopening_shows_the_saved_plan_not_the_old_draft(
    panel: BreakoutPanel, qtbot: QtBot
) -> None:
    before = workshop(count=10, rooms=3, mode=AssignmentMode.AUTOMATIC)
    panel.open_conversation(before, OWNER)
    select(panel, user(1))
    move_action(panel, "Unassigned").trigger()
    old_model = model_of(panel)
    saved = placed(before, {2: 3, 3: 3})  # someone else applied a change meanwhile

    panel.open_conversation(saved, OWNER)

    model = model_of(panel)
    assert model is not old_model
    assert panel.tree.model() is model
    assert model.draft.plan() == saved.breakouts.plan
    assert model.draft.bucket_of(user(1)) == saved.breakouts.plan.rooms_of[user(1)]
    assert {user(2), user(3)} <= set(model.draft.people(room(3)))
    assert counts(panel)[0] == 0
    assert all(panel.tree.isExpanded(model.index(row, 0)) for row in range(4))
    qtbot.waitUntil(lambda: not Shiboken.isValid(old_model))  # the old model is deleted


# How it looks


def conflicted() -> Conversation:
    """40 attendees in 6 rooms, Smart Distributed, then one VOIP attendee moved
    in with the callers: one audio conflict."""
    conversation = workshop(mode=AssignmentMode.AUTOMATIC)
    rooms_of = conversation.breakouts.plan.rooms_of
    phone_room = rooms_of[user(1)]
    voice = next(
        u for u, r in rooms_of.items() if r != phone_room and conversation.members[u].audio is VOIP
    )
    placement = Placement(voice, phone_room)
    return run(conversation, PlaceAttendees(placements=(placement,)))


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.usefixtures("themed")
def test_conflict_rows_are_red_and_readable_on_both_themes(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, dark: bool
) -> None:
    apply_theme(qapp, dark=dark)
    panel = BreakoutPanel()
    qtbot.addWidget(panel)
    panel.resize(560, 1000)
    panel.open_conversation(conflicted(), OWNER)
    model = model_of(panel)
    draft = model.draft
    (red_room,) = [r.id for r in draft.rooms if draft.has_conflict(r.id)]
    affected = next(u for u in draft.people(red_room) if draft.is_affected(u))
    caller = draft.people(red_room)[0]
    panel.tree.scrollTo(model.bucket_index(red_room), panel.tree.ScrollHint.PositionAtTop)

    image = panel.tree.viewport().grab().toImage()
    image.save(str(tmp_path / f"panel-{'dark' if dark else 'light'}.png"))

    red = conflict_background(panel.palette())
    base = panel.palette().color(panel.palette().ColorRole.Base)
    right = panel.tree.viewport().width() - 8
    affected_rect = panel.tree.visualRect(attendee_index(panel, affected))
    caller_rect = panel.tree.visualRect(attendee_index(panel, caller))
    assert affected_rect.isValid()
    assert caller_rect.isValid()
    assert image.pixelColor(right, affected_rect.center().y()) == red
    assert image.pixelColor(right, caller_rect.center().y()) == base
    text = panel.palette().color(panel.palette().ColorRole.Text)
    assert contrast(text, red) >= 4.5


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

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("count", [40, 5], ids=["ready", "empty-room"])
def test_the_problem_list_is_as_tall_as_its_problems(
    panel: BreakoutPanel, qtbot: QtBot, count: int
) -> None:
    panel.open_conversation(workshop(count=count, rooms=6, mode=AssignmentMode.AUTOMATIC), OWNER)
    panel.show()
    qtbot.waitExposed(panel)
    holder = panel.problems.parentWidget()
    assert holder is not None
    viewport = holder.parentWidget()
    assert viewport is not None

    def fitted() -> bool:
        wrapped = holder.heightForWidth(viewport.width())  # -1 when nothing wraps
        return viewport.height() == (wrapped if wrapped >= 0 else holder.sizeHint().height())

    qtbot.waitUntil(fitted)
    assert bool(panel.readiness_problems) == (count == 5)
    shown = [child for child in holder.findChildren(QWidget) if child.isVisible()]
    bottom = max(child.mapTo(viewport, child.rect().bottomLeft()).y() for child in shown)
    assert viewport.height() - bottom < panel.fontMetrics().height()  # no blank lines
    assert viewport.height() < PROBLEMS_HEIGHT

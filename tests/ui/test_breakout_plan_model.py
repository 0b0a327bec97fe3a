"""The Smart Distribute tree: structure, drag and drop, red rows, refusals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPoint, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTreeView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    DistributeOptions,
    Member,
    Placement,
    PlacementReason,
    RoomId,
    UserId,
    created,
    execute,
)
from desktop.core.commands import AddMember, Command, PlaceAttendees, SetUpBreakouts
from desktop.core.events import ConversationCreated
from desktop.ui.models.attendee_mime import MIME_TYPE, attendees_in, attendees_mime
from desktop.ui.models.breakout_plan_model import BreakoutPlanModel, PlanRole
from desktop.ui.plan_draft import Bucket, PlanDraft
from desktop.ui.resources import icon

OWNER = UserId("owner")
PHONE = AudioConnection.PHONE
VOIP = AudioConnection.VOIP
LISTENING = AudioConnection.JUST_LISTENING
RED = QColor("#fbdcdc")
MOVE = Qt.DropAction.MoveAction
NAMES = ("Zeynep", "amara", "Lukas", "Yui", "bruno", "Kofi", "Émile", "chen", "Oisín", "Ravi")


@pytest.fixture(autouse=True)
def application(qapp: QApplication) -> QApplication:
    """Icons are pixmaps, which need the application: every test here has it."""
    return qapp


def user(number: int) -> UserId:
    return UserId(f"p{number}")


def room(number: int) -> RoomId:
    return RoomId(number)


def run(conversation: Conversation, command: Command) -> Conversation:
    return execute(conversation, OWNER, command, 0.0)[0]


def workshop(
    audio: list[AudioConnection],
    rooms: int,
    placements: dict[int, int] | None = None,
    mode: AssignmentMode = AssignmentMode.MANUAL,
) -> Conversation:
    """Participants ``p1``… with ``audio``; ``rooms`` rooms (ids 1…, phone limit 7);
    ``placements`` maps participant numbers to room numbers."""
    owner = Member(user_id=OWNER, display_name="Olivia Owner")
    conversation = created(
        ConversationCreated(conversation_id="c-1", title="Workshop", owner=owner)
    )
    for number, connection in enumerate(audio, start=1):
        name = f"{NAMES[(number - 1) % len(NAMES)]} {(number - 1) // len(NAMES) + 1}"
        command = AddMember(user_id=user(number), display_name=name, audio=connection)
        conversation = run(conversation, command)
    names = tuple(f"Room {number}" for number in range(1, rooms + 1))
    settings = BreakoutSettings(mode=mode)
    conversation = run(conversation, SetUpBreakouts(room_names=names, settings=settings))
    if placements:
        chosen = tuple(Placement(user(u), room(r)) for u, r in placements.items())
        conversation = run(conversation, PlaceAttendees(placements=chosen))
    return conversation


def model_of(conversation: Conversation) -> BreakoutPlanModel:
    return BreakoutPlanModel(PlanDraft(conversation, OWNER), icon, QBrush(RED))


def realistic() -> BreakoutPlanModel:
    """40 attendees, a fifth on the phone and a fifth listening, over 9 rooms."""
    audio = [PHONE, VOIP, VOIP, VOIP, LISTENING] * 8
    return model_of(workshop(audio, rooms=9, mode=AssignmentMode.AUTOMATIC))


def attendee_index(model: BreakoutPlanModel, who: UserId) -> QModelIndex:
    bucket = model.draft.bucket_of(who)
    row = list(model.draft.people(bucket)).index(who)
    return model.index(row, 0, model.bucket_index(bucket))


def children(model: BreakoutPlanModel, bucket: Bucket) -> list[UserId]:
    parent = model.bucket_index(bucket)
    return [
        model.data(model.index(row, 0, parent), PlanRole.USER_ID)
        for row in range(model.rowCount(parent))
    ]


def everything(model: BreakoutPlanModel) -> list[list[str]]:
    """Every display text, room by room, to prove nothing changed."""
    rooms = texts(model)
    return [rooms, *(texts(model, model.index(row, 0)) for row in range(len(rooms)))]


def background(model: BreakoutPlanModel, who: UserId) -> object:
    return model.data(attendee_index(model, who), Qt.ItemDataRole.BackgroundRole)


# Structure


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "py-tester"])
def test_the_model_holds_up_through_drops_distribute_and_fixes(
    qtmodeltester: ModelTester, force_py: bool
) -> None:
    model = realistic()
    qtmodeltester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints

    draft = model.draft
    model.move([draft.people(room(2))[0], draft.people(room(3))[1]], room(8))
    model.move(list(draft.people(room(4))), None)
    model.reset_with(lambda: draft.distribute(DistributeOptions(seed=5)))
    model.move([draft.people(room(9))[0]], room(1))  # makes a conflict
    problems = draft.readiness()
    assert problems
    model.apply_fix(problems[0])

    qtmodeltester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints


def test_rooms_are_the_top_rows_and_attendees_their_children() -> None:
    model = model_of(workshop([VOIP, PHONE, LISTENING, VOIP], rooms=2, placements={1: 2, 4: 2}))

    assert texts(model) == ["Unassigned (2)", "1. Room 1 (0)", "2. Room 2 (2)"]
    assert texts(model, model.index(2, 0)) == ["Yui 1", "Zeynep 1"]
    assert texts(model, model.index(0, 0)) == ["amara 1", "Lukas 1"]  # phone first
    assert model.data(model.index(0, 0), PlanRole.ROOM_ID) is None
    assert model.data(model.index(2, 0), PlanRole.ROOM_ID) == room(2)
    assert model.data(model.index(2, 0), PlanRole.COUNT) == 2
    assert model.data(model.index(2, 0), PlanRole.IS_ROOM) is True
    first = model.index(0, 0, model.index(2, 0))
    assert model.data(first, PlanRole.USER_ID) == user(4)
    assert model.data(first, PlanRole.AUDIO) == "voip"
    assert model.data(model.index(0, 0, model.index(0, 0)), PlanRole.AUDIO) == "phone"
    assert model.data(first, PlanRole.IS_ROOM) is False
    assert model.rowCount(first) == 0
    assert not model.index(0, 0, first).isValid()
    assert not model.index(2, 0, model.index(2, 0)).isValid()
    assert not model.index(3, 0).isValid()
    assert model.parent(first) == model.index(2, 0)


def test_rooms_take_drops_and_attendees_can_also_be_dragged() -> None:
    model = model_of(workshop([VOIP], rooms=1, placements={1: 1}))
    header, attendee = model.index(1, 0), model.index(0, 0, model.index(1, 0))

    assert model.flags(header) & Qt.ItemFlag.ItemIsDropEnabled
    assert not model.flags(header) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.flags(attendee) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.flags(attendee) & Qt.ItemFlag.ItemNeverHasChildren
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert model.mimeTypes() == [MIME_TYPE]
    assert model.supportedDropActions() == MOVE
    assert model.supportedDragActions() == MOVE


def test_icons_tell_the_audio_connection_and_the_kind_of_row() -> None:
    model = model_of(workshop([PHONE, VOIP, LISTENING], rooms=1, placements={1: 1}))
    decoration = Qt.ItemDataRole.DecorationRole

    def icon_of(index: QModelIndex) -> int:
        return int(model.data(index, decoration).cacheKey())

    assert icon_of(attendee_index(model, user(1))) == icon("phone").cacheKey()
    assert icon_of(attendee_index(model, user(2))) == icon("voip").cacheKey()
    assert icon_of(attendee_index(model, user(3))) == icon("listening").cacheKey()
    assert icon_of(model.index(0, 0)) == icon("unassigned").cacheKey()
    assert icon_of(model.index(1, 0)) == icon("room").cacheKey()


# Drag and drop through the model


def test_several_attendees_dropped_on_a_room_move_there(qtbot: QtBot) -> None:
    model = realistic()
    draft = model.draft
    first, second = draft.people(room(2))[:2]
    third = draft.people(room(3))[-1]
    dragged = [attendee_index(model, who) for who in (first, second, third)]
    arrivals: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: arrivals.append((first, last)))

    mime = model.mimeData([*dragged, model.index(4, 0)])  # a room in the selection is ignored
    target = model.bucket_index(room(5))
    with (
        qtbot.assertNotEmitted(model.modelReset),
        qtbot.waitSignal(model.draft_changed),
    ):
        assert model.canDropMimeData(mime, MOVE, -1, 0, target)
        assert model.dropMimeData(mime, MOVE, -1, 0, target)

    assert attendees_in(mime) == [first, second, third]
    assert len(arrivals) == 3  # one row at a time: each lands where the draft puts it
    assert {draft.bucket_of(who) for who in (first, second, third)} == {room(5)}
    assert {first, second, third} <= set(children(model, room(5)))
    assert children(model, room(5)) == list(draft.people(room(5)))
    assert first not in children(model, room(2))
    assert third not in children(model, room(3))
    assert model.data(target, Qt.ItemDataRole.DisplayRole).startswith(
        f"5. Room 5 ({len(draft.people(room(5)))})"
    )


def test_a_drop_on_an_attendee_row_lands_in_that_attendees_room(qtbot: QtBot) -> None:
    model = realistic()
    draft = model.draft
    mover = draft.people(room(9))[0]
    neighbour = attendee_index(model, draft.people(room(8))[1])
    mime = model.mimeData([attendee_index(model, mover)])

    with (
        qtbot.waitSignal(model.rowsRemoved) as removed,
        qtbot.waitSignal(model.rowsInserted) as inserted,
    ):
        assert model.canDropMimeData(mime, MOVE, -1, 0, neighbour)
        assert model.dropMimeData(mime, MOVE, -1, 0, neighbour)

    assert removed.args == [model.bucket_index(room(9)), 0, 0]
    destination, row, last = inserted.args
    assert (destination, last) == (model.bucket_index(room(8)), row)
    assert children(model, room(8))[row] == mover
    assert draft.bucket_of(mover) == room(8)
    assert draft.reasons[mover] is PlacementReason.MANUAL


def test_dropping_back_to_unassigned_unpins() -> None:
    model = realistic()
    mover = model.draft.people(room(1))[0]

    assert model.dropMimeData(attendees_mime([mover]), MOVE, -1, 0, model.index(0, 0))

    assert mover in children(model, None)
    assert mover not in model.draft.pinned
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == "Unassigned (1)"


def test_foreign_or_misplaced_drops_are_not_taken() -> None:
    model = realistic()
    mover = model.draft.people(room(1))[0]
    ours = attendees_mime([mover])
    foreign = QMimeData()
    foreign.setText(str(mover))
    broken = QMimeData()
    broken.setData(MIME_TYPE, QByteArray(b"not json"))
    target = model.bucket_index(room(2))

    assert not model.canDropMimeData(foreign, MOVE, -1, 0, target)
    assert not model.canDropMimeData(broken, MOVE, -1, 0, target)
    assert not model.canDropMimeData(ours, MOVE, -1, 0, QModelIndex())
    assert not model.dropMimeData(ours, Qt.DropAction.IgnoreAction, -1, 0, target)
    assert not model.dropMimeData(foreign, MOVE, -1, 0, target)
    assert model.draft.bucket_of(mover) == room(1)


def test_rows_are_neither_inserted_nor_removed_from_outside(qtbot: QtBot) -> None:
    """A view that dragged rows away with MoveAction removes them from the model
    once they have landed: they are in the draft's hands, so that is refused."""
    model = realistic()
    before, plan = everything(model), model.draft.plan()
    parent = model.bucket_index(room(2))

    with qtbot.assertNotEmitted(model.rowsRemoved), qtbot.assertNotEmitted(model.rowsInserted):
        assert not model.removeRows(0, 1, parent)
        assert not model.removeRow(0, parent)
        assert not model.insertRows(0, 1, parent)

    assert everything(model) == before
    assert model.draft.plan() == plan


def test_a_whole_plan_change_resets_the_model(qtbot: QtBot) -> None:
    model = model_of(workshop([VOIP, PHONE] * 5, rooms=3))
    assert texts(model)[0] == "Unassigned (10)"

    with (
        qtbot.waitSignals([model.modelReset, model.draft_changed]),
        qtbot.assertNotEmitted(model.rowsInserted),
    ):
        model.reset_with(lambda: model.draft.distribute(DistributeOptions()))

    assert texts(model)[0] == "Unassigned (0)"
    assert sum(model.data(model.index(row, 0), PlanRole.COUNT) for row in (1, 2, 3)) == 10


# Red rows


def test_a_voice_dropped_among_callers_turns_its_room_red(qtbot: QtBot) -> None:
    model = model_of(
        workshop([PHONE, PHONE, VOIP, LISTENING, VOIP], rooms=2, placements={1: 1, 2: 1, 5: 2})
    )
    header = model.bucket_index(room(1))
    assert not model.data(header, PlanRole.CONFLICT)
    changed: list[tuple[QModelIndex, QModelIndex]] = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first, last)))

    assert model.dropMimeData(attendees_mime([user(3), user(4)]), MOVE, -1, 0, header)

    for voice in (user(3), user(4)):
        assert background(model, voice) == QBrush(RED)
        assert model.data(attendee_index(model, voice), PlanRole.CONFLICT) is True
    for caller in (user(1), user(2)):
        assert background(model, caller) is None
        assert model.data(attendee_index(model, caller), PlanRole.CONFLICT) is False
    assert background(model, user(5)) is None
    assert model.data(header, PlanRole.CONFLICT) is True
    assert model.data(header, Qt.ItemDataRole.DisplayRole) == "1. Room 1 (4) — audio conflict"
    conflict_icon = model.data(header, Qt.ItemDataRole.DecorationRole)
    assert conflict_icon.cacheKey() == icon("conflict").cacheKey()
    # Views repaint what dataChanged covers: the header and every row of the room.
    assert (header, header) in changed
    assert (model.index(0, 0, header), model.index(3, 0, header)) in changed

    model.move([user(3), user(4)], room(2))

    assert background(model, user(3)) is None
    assert not model.data(header, PlanRole.CONFLICT)
    assert model.data(header, Qt.ItemDataRole.DisplayRole) == "1. Room 1 (2)"


def test_tooltips_name_the_conflict_and_the_reason_of_each_placement() -> None:
    model = model_of(workshop([PHONE, VOIP, VOIP, PHONE], rooms=9, mode=AssignmentMode.AUTOMATIC))
    draft = model.draft
    tip = Qt.ItemDataRole.ToolTipRole
    caller = draft.people(room(1))[0]
    distributed_tip = model.data(attendee_index(model, caller), tip)
    assert "Phone" in distributed_tip
    assert "Placed: phone: rooms 1–7 only" in distributed_tip
    assert "Pinned" not in distributed_tip

    model.move([user(2)], draft.bucket_of(caller))

    moved_tip = model.data(attendee_index(model, user(2)), tip)
    assert "Zeynep" not in moved_tip.splitlines()[0]
    assert moved_tip.splitlines()[0] == "amara 1 — VOIP"
    assert "Placed: placed by a moderator" in moved_tip
    assert "Pinned" in moved_tip
    assert "Audio conflict" in moved_tip
    assert draft.members[caller].display_name in moved_tip
    room_tip = model.data(model.bucket_index(draft.bucket_of(caller)), tip)
    assert "Audio conflict" in room_tip
    assert draft.members[caller].display_name in room_tip
    assert "Beyond the phone bridge (rooms 1–7)" in model.data(model.bucket_index(room(8)), tip)
    assert "drag them onto a room" in model.data(model.index(0, 0), tip)


# The phone bridge's reach


def test_a_caller_dropped_beyond_room_seven_is_refused_and_nothing_changes(
    qtbot: QtBot,
) -> None:
    model = realistic()
    caller = model.draft.people(room(1))[0]
    assert model.draft.members[caller].audio is PHONE
    before, plan = everything(model), model.draft.plan()
    target = model.bucket_index(room(8))
    mime = model.mimeData([attendee_index(model, caller)])

    with (
        qtbot.waitSignal(model.drop_refused) as refused,
        qtbot.assertNotEmitted(model.rowsRemoved),
        qtbot.assertNotEmitted(model.dataChanged),
        qtbot.assertNotEmitted(model.draft_changed),
    ):
        assert not model.dropMimeData(mime, MOVE, -1, 0, target)

    (why,) = refused.args
    assert model.draft.members[caller].display_name in why
    assert "1–7" in why
    assert everything(model) == before
    assert model.draft.plan() == plan


# Synthetic drag events on a tree view


@pytest.fixture
def view(qtbot: QtBot) -> QTreeView:
    tree = QTreeView()
    qtbot.addWidget(tree)
    tree.setHeaderHidden(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
    tree.setDefaultDropAction(MOVE)
    tree.resize(400, 1200)
    return tree


def drag_to(tree: QTreeView, point: QPoint, mime: QMimeData) -> tuple[bool, bool, bool]:
    """Enter, move and drop at ``point``; whether each event was accepted."""
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    viewport = tree.viewport()
    enter = QDragEnterEvent(point, MOVE, mime, buttons, keys)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(point, MOVE, mime, buttons, keys)
    QApplication.sendEvent(viewport, move)
    drop = QDropEvent(point, MOVE, mime, buttons, keys)
    QApplication.sendEvent(viewport, drop)
    return enter.isAccepted(), move.isAccepted(), drop.isAccepted()


def shown(tree: QTreeView, model: BreakoutPlanModel) -> None:
    tree.setModel(model)
    tree.expandAll()
    tree.executeDelayedItemsLayout()


def test_a_drop_event_on_a_room_row_moves_the_attendees(view: QTreeView) -> None:
    model = realistic()
    shown(view, model)
    movers = list(model.draft.people(room(3))[:2])
    mime = model.mimeData([attendee_index(model, who) for who in movers])
    point = view.visualRect(model.bucket_index(room(2))).center()

    assert drag_to(view, point, mime) == (True, True, True)

    assert {model.draft.bucket_of(who) for who in movers} == {room(2)}
    assert set(movers) <= set(children(model, room(2)))


def test_a_drop_event_on_an_attendee_row_moves_into_that_room(view: QTreeView) -> None:
    model = realistic()
    shown(view, model)
    mover = model.draft.people(room(4))[0]
    point = view.visualRect(attendee_index(model, model.draft.people(room(2))[1])).center()

    assert drag_to(view, point, attendees_mime([mover])) == (True, True, True)

    assert model.draft.bucket_of(mover) == room(2)


def test_a_refused_drop_event_is_not_accepted(view: QTreeView, qtbot: QtBot) -> None:
    model = realistic()
    shown(view, model)
    caller = model.draft.people(room(1))[0]
    point = view.visualRect(model.bucket_index(room(9))).center()

    with qtbot.waitSignal(model.drop_refused):
        accepted = drag_to(view, point, attendees_mime([caller]))

    assert accepted == (True, True, False)
    assert model.draft.bucket_of(caller) == room(1)


def test_a_foreign_drag_is_not_accepted(view: QTreeView) -> None:
    model = realistic()
    shown(view, model)
    foreign = QMimeData()
    foreign.setText("p1")
    point = view.visualRect(model.bucket_index(room(2))).center()
    before = everything(model)

    assert drag_to(view, point, foreign) == (False, False, False)
    assert everything(model) == before

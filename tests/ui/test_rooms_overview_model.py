"""The rooms overview model: a running session as a tree, updated in small steps,
with drag and drop that asks the server instead of moving rows itself."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    Placement,
    Room,
    RoomId,
    UserId,
    evolve,
    replay,
)
from desktop.core.events import (
    AttendeesPlaced,
    AudioChanged,
    BreakoutsSetUp,
    ClosingStarted,
    ConversationCreated,
    Event,
    HelpCleared,
    HelpRequested,
    MemberAdded,
    MemberRemoved,
    RoomAdded,
    RoomRemoved,
    RoomRenamed,
    SessionEnded,
    SessionStarted,
)
from desktop.ui.models.attendee_mime import MIME_TYPE, attendees_in, attendees_mime
from desktop.ui.models.rooms_overview_model import OverviewRole, RoomsOverviewModel, RowKind
from desktop.ui.resources import icon
from desktop.ui.theme import conflict_background

VOIP = AudioConnection.VOIP
PHONE = AudioConnection.PHONE
LISTENING = AudioConnection.JUST_LISTENING
MOVE = Qt.DropAction.MoveAction

T0 = 10_000.0
OWNER = UserId("maria")

ROOMS = ("Team Alpha", "Team Beta", "Team Gamma", "Team Delta", "Team Epsilon", "Team Zeta")

CAST: tuple[tuple[str, str, AudioConnection, int | None], ...] = (
    ("ada", "Ada Lovelace", VOIP, 1),
    ("grace", "Grace Hopper", VOIP, 1),
    ("alan", "Alan Turing", LISTENING, 1),
    ("edsger", "Edsger Dijkstra", VOIP, 2),
    ("barbara", "Barbara Liskov", PHONE, 2),
    ("ken", "Ken Thompson", LISTENING, 2),
    ("margaret", "Margaret Hamilton", PHONE, 3),
    ("dennis", "Dennis Ritchie", PHONE, 3),
    ("radia", "Radia Perlman", VOIP, 4),
    ("john", "John Backus", VOIP, 4),
    ("frances", "Frances Allen", VOIP, 5),
    ("donald", "Donald Knuth", VOIP, 5),
    ("leslie", "Leslie Lamport", VOIP, 6),
    ("shafi", "Shafi Goldwasser", LISTENING, 6),
    ("tim", "Tim Berners-Lee", VOIP, None),
    ("katherine", "Katherine Johnson", PHONE, None),
)
"""Who sits where (room positions); Barbara's phone makes Team Beta a conflict."""


def session(
    rooms: Sequence[str] = ROOMS,
    cast: Sequence[tuple[str, str, AudioConnection, int | None]] = CAST,
    settings: BreakoutSettings | None = None,
    help_from: Sequence[str] = ("ada",),
    deadline: float | None = T0 + 900,
) -> Conversation:
    """A running session built from its events, as a mirror builds it."""
    events: list[Event] = [
        ConversationCreated(
            conversation_id="workshop",
            title="Design workshop",
            owner=Member(user_id=OWNER, display_name="Maria Moderator"),
        )
    ]
    for user, name, audio, _ in cast:
        events.append(MemberAdded(member=Member(user_id=UserId(user), display_name=name)))
        events.append(AudioChanged(user_id=UserId(user), audio=audio))
    room_list = tuple(Room(RoomId(at), name) for at, name in enumerate(rooms, 1))
    events.append(BreakoutsSetUp(rooms=room_list, settings=settings or BreakoutSettings()))
    placements = tuple(
        Placement(UserId(user), RoomId(room)) for user, _, _, room in cast if room is not None
    )
    events.append(AttendeesPlaced(placements=placements))
    events.append(SessionStarted(started_at=T0, deadline=deadline))
    rooms_of = {UserId(user): RoomId(room) for user, _, _, room in cast if room is not None}
    for at, user in enumerate(help_from):
        events.append(
            HelpRequested(user_id=UserId(user), room_id=rooms_of[UserId(user)], at=T0 + at)
        )
    return replay(events)


def moved(conversation: Conversation, user: str, room: int | None) -> Conversation:
    room_id = None if room is None else RoomId(room)
    return evolve(conversation, AttendeesPlaced(placements=(Placement(UserId(user), room_id),)))


def tree(model: QAbstractItemModel) -> list[tuple[str, list[str]]]:
    return [(name, texts(model, model.index(row, 0))) for row, name in enumerate(texts(model))]


def attendee(model: RoomsOverviewModel, user: str) -> QModelIndex:
    index = model.attendee_index(UserId(user))
    assert index.isValid(), user
    return index


def room(model: RoomsOverviewModel, position: int | None) -> QModelIndex:
    return model.room_index(None if position is None else RoomId(position))


def watch(tester: ModelTester, model: QAbstractItemModel, force_py: bool = False) -> None:
    """Have Qt's model tester check ``model`` now and after every change."""
    tester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints


def current(index: QPersistentModelIndex) -> QModelIndex:
    """Where a persistent index points now, as a plain index."""
    model = index.model()
    if not index.isValid() or model is None:
        return QModelIndex()
    return model.index(index.row(), index.column(), index.parent())


class Changes:
    """Every structural signal a model emits, to tell a move from a reset."""

    def __init__(self, model: QAbstractItemModel) -> None:
        self.seen: list[str] = []
        self._changed: list[QPersistentModelIndex] = []
        for name in ("rowsMoved", "rowsInserted", "rowsRemoved", "modelReset", "layoutChanged"):
            getattr(model, name).connect(lambda *_, name=name: self.seen.append(name))
        model.dataChanged.connect(self._on_data_changed)

    def _on_data_changed(self, first: QModelIndex, last: QModelIndex) -> None:
        assert first == last, "one row at a time"
        self._changed.append(QPersistentModelIndex(first))

    @property
    def changed(self) -> list[QModelIndex]:
        """The rows that changed, where they are now."""
        return [current(index) for index in self._changed]


@pytest.fixture(autouse=True)
def app(qapp: QApplication) -> QApplication:
    """Icons are pixmaps: every test here needs the application."""
    return qapp


@pytest.fixture
def model(qtmodeltester: ModelTester) -> RoomsOverviewModel:
    """A model of the workshop, watched by Qt's model tester through every update."""
    result = RoomsOverviewModel()
    watch(qtmodeltester, result)
    result.update(session())
    return result


def test_rooms_in_order_then_the_main_room(model: RoomsOverviewModel) -> None:
    assert tree(model) == [
        ("Team Alpha", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("Team Beta", ["Barbara Liskov", "Edsger Dijkstra", "Ken Thompson"]),
        ("Team Gamma", ["Dennis Ritchie", "Margaret Hamilton"]),
        ("Team Delta", ["John Backus", "Radia Perlman"]),
        ("Team Epsilon", ["Donald Knuth", "Frances Allen"]),
        ("Team Zeta", ["Leslie Lamport", "Shafi Goldwasser"]),
        ("Main room", ["Katherine Johnson", "Tim Berners-Lee"]),
    ]
    alpha, main = room(model, 1), room(model, None)
    assert alpha.data(OverviewRole.CountRole) == 3
    assert alpha.data(OverviewRole.KindRole) == RowKind.ROOM
    assert alpha.data(OverviewRole.RoomIdRole) == RoomId(1)
    assert room(model, 4).data(OverviewRole.PositionRole) == 4
    assert main.data(OverviewRole.KindRole) == RowKind.MAIN_ROOM
    assert main.data(OverviewRole.RoomIdRole) is None
    assert main.data(OverviewRole.CountRole) == 2


def test_attendee_rows_carry_ids_and_audio_icons(model: RoomsOverviewModel) -> None:
    for user, audio in (("barbara", "phone"), ("ada", "voip"), ("alan", "listening")):
        index = attendee(model, user)
        assert index.data(OverviewRole.UserIdRole) == user
        assert index.data(OverviewRole.KindRole) == RowKind.ATTENDEE
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        assert not decoration.isNull()
        assert decoration.cacheKey() == icon(audio).cacheKey()
    assert attendee(model, "tim").data(OverviewRole.RoomIdRole) is None
    assert attendee(model, "radia").data(OverviewRole.RoomIdRole) == RoomId(4)


def test_moderators_are_not_rows(model: RoomsOverviewModel) -> None:
    assert not model.attendee_index(OWNER).isValid()
    assert sum(model.rowCount(model.index(row, 0)) for row in range(model.rowCount())) == 16


def test_audio_conflict_rows_are_red_and_explained(model: RoomsOverviewModel) -> None:
    red = conflict_background(QGuiApplication.palette())
    for user in ("edsger", "ken"):
        index = attendee(model, user)
        assert index.data(Qt.ItemDataRole.BackgroundRole) == red
        assert index.data(OverviewRole.ConflictRole) is True
        assert "Barbara Liskov on the phone cannot hear" in index.data(Qt.ItemDataRole.ToolTipRole)
    barbara = attendee(model, "barbara")
    assert barbara.data(Qt.ItemDataRole.BackgroundRole) is None
    assert "cannot hear Edsger Dijkstra and Ken Thompson" in barbara.data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert attendee(model, "ada").data(Qt.ItemDataRole.BackgroundRole) is None
    assert room(model, 2).data(OverviewRole.ConflictRole) is True
    assert room(model, 3).data(OverviewRole.ConflictRole) is False  # phones only


def test_a_conflict_clears_when_the_caller_leaves(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    model.update(moved(session(), "barbara", 3))
    assert attendee(model, "edsger").data(Qt.ItemDataRole.BackgroundRole) is None
    assert room(model, 2).data(OverviewRole.ConflictRole) is False
    assert attendee(model, "edsger") in changes.changed
    assert room(model, 2) in changes.changed


def test_a_phone_beyond_the_bridge_is_red(qtmodeltester: ModelTester) -> None:
    model = RoomsOverviewModel()
    model.update(session(settings=BreakoutSettings(phone_room_limit=2)))
    watch(qtmodeltester, model)
    margaret = attendee(model, "margaret")
    assert margaret.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "the bridge reaches rooms 1–2 only" in margaret.data(Qt.ItemDataRole.ToolTipRole)


def test_help_badge_appears_and_disappears(model: RoomsOverviewModel) -> None:
    alpha, epsilon = room(model, 1), room(model, 5)
    assert alpha.data(OverviewRole.HelpRole) is True
    assert attendee(model, "ada").data(OverviewRole.HelpRole) is True
    assert "help requested by Ada Lovelace" in alpha.data(Qt.ItemDataRole.ToolTipRole)
    assert epsilon.data(OverviewRole.HelpRole) is False

    changes = Changes(model)
    asked = evolve(session(), HelpRequested(user_id=UserId("frances"), room_id=RoomId(5), at=T0))
    model.update(asked)
    assert epsilon.data(OverviewRole.HelpRole) is True
    assert attendee(model, "frances").data(OverviewRole.HelpRole) is True
    assert {epsilon, attendee(model, "frances")} <= set(changes.changed)

    cleared = evolve(asked, HelpCleared(user_id=UserId("ada"), by=OWNER))
    model.update(cleared)
    assert alpha.data(OverviewRole.HelpRole) is False
    assert attendee(model, "ada").data(OverviewRole.HelpRole) is False
    assert alpha in changes.changed
    assert changes.seen == []


def test_a_move_is_one_rows_moved(model: RoomsOverviewModel, qtbot: QtBot) -> None:
    changes = Changes(model)
    with qtbot.wait_signal(model.rowsMoved) as moved_signal:
        model.update(moved(session(), "grace", 4))
    assert changes.seen == ["rowsMoved"]
    source, first, last, target, row = moved_signal.args
    assert (source, first, last) == (room(model, 1), 2, 2)
    assert (target, row) == (room(model, 4), 0)
    assert texts(model, room(model, 4)) == ["Grace Hopper", "John Backus", "Radia Perlman"]
    assert room(model, 1).data(OverviewRole.CountRole) == 2
    assert room(model, 4).data(OverviewRole.CountRole) == 3
    assert set(changes.changed) == {room(model, 1), room(model, 4), attendee(model, "grace")}


def test_back_to_the_main_room_and_out_again(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    back = moved(session(), "ada", None)
    model.update(back)
    assert "Ada Lovelace" in texts(model, room(model, None))
    assert room(model, 1).data(OverviewRole.HelpRole) is False  # moving clears help
    model.update(moved(back, "tim", 6))
    assert texts(model, room(model, 6)) == ["Leslie Lamport", "Shafi Goldwasser", "Tim Berners-Lee"]
    assert changes.seen == ["rowsMoved", "rowsMoved"]


def test_a_renamed_attendee_moves_within_the_room(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    renamed = Member(user_id=UserId("ada"), display_name="Zelda Lovelace")
    model.update(evolve(session(), MemberAdded(member=renamed)))
    assert texts(model, room(model, 1)) == ["Alan Turing", "Grace Hopper", "Zelda Lovelace"]
    assert changes.seen == ["rowsMoved"]


def test_switching_audio_repaints_the_row(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    model.update(evolve(session(), AudioChanged(user_id=UserId("barbara"), audio=VOIP)))
    index = attendee(model, "barbara")
    assert index.data(Qt.ItemDataRole.DecorationRole).cacheKey() == icon("voip").cacheKey()
    assert index in changes.changed
    assert attendee(model, "edsger").data(OverviewRole.ConflictRole) is False
    assert changes.seen == []


def test_members_arrive_and_leave(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    newcomer = Member(user_id=UserId("hedy"), display_name="Hedy Lamarr")
    joined = evolve(session(), MemberAdded(member=newcomer))
    model.update(joined)
    assert texts(model, room(model, None)) == [
        "Hedy Lamarr",
        "Katherine Johnson",
        "Tim Berners-Lee",
    ]
    model.update(evolve(joined, MemberRemoved(user_id=UserId("radia"))))
    assert texts(model, room(model, 4)) == ["John Backus"]
    assert changes.seen == ["rowsInserted", "rowsRemoved"]


def test_rooms_are_added_renamed_and_removed(model: RoomsOverviewModel) -> None:
    changes = Changes(model)
    added = evolve(session(), RoomAdded(room=Room(RoomId(7), "Team Eta")))
    model.update(added)
    assert texts(model)[-2:] == ["Team Eta", "Main room"]
    renamed = evolve(added, RoomRenamed(room_id=RoomId(2), name="Team Bravo"))
    model.update(renamed)
    assert texts(model)[1] == "Team Bravo"
    assert room(model, 2) in changes.changed
    model.update(evolve(renamed, RoomRemoved(room_id=RoomId(6))))
    assert "Team Zeta" not in texts(model)
    assert texts(model, room(model, None)) == [
        "Katherine Johnson",
        "Leslie Lamport",
        "Shafi Goldwasser",
        "Tim Berners-Lee",
    ]
    assert room(model, 7).data(OverviewRole.PositionRole) == 6
    assert "modelReset" not in changes.seen
    assert changes.seen.count("rowsInserted") == 1


def test_closing_and_ending_bring_everyone_back(model: RoomsOverviewModel) -> None:
    closing = evolve(session(), ClosingStarted(closing_at=T0 + 60))
    model.update(closing)
    assert room(model, 1).data(OverviewRole.CountRole) == 3
    model.update(evolve(closing, SessionEnded(at=T0 + 60)))
    assert room(model, None).data(OverviewRole.CountRole) == 16
    assert all(room(model, at).data(OverviewRole.CountRole) == 0 for at in range(1, 7))


def test_both_model_testers_follow_a_whole_session(qtmodeltester: ModelTester) -> None:
    """Qt's C++ tester watches every other test; pytest-qt's Python one watches this."""
    model = RoomsOverviewModel()
    watch(qtmodeltester, model, force_py=True)
    steps: list[Event] = [
        AttendeesPlaced(placements=(Placement(UserId("grace"), RoomId(4)),)),
        HelpRequested(user_id=UserId("john"), room_id=RoomId(4), at=T0 + 5),
        AudioChanged(user_id=UserId("ken"), audio=PHONE),
        MemberAdded(member=Member(user_id=UserId("hedy"), display_name="Hedy Lamarr")),
        RoomAdded(room=Room(RoomId(7), "Team Eta")),
        RoomRenamed(room_id=RoomId(1), name="Team Zulu"),
        AttendeesPlaced(placements=(Placement(UserId("hedy"), RoomId(7)),)),
        RoomRemoved(room_id=RoomId(3)),
        MemberRemoved(user_id=UserId("donald")),
        ClosingStarted(closing_at=T0 + 60),
        SessionEnded(at=T0 + 60),
    ]
    conversation = session()
    model.update(conversation)
    for step in steps:
        conversation = evolve(conversation, step)
        model.update(conversation)
    assert texts(model) == [
        "Team Zulu",
        "Team Beta",
        "Team Delta",
        "Team Epsilon",
        "Team Zeta",
        "Team Eta",
        "Main room",
    ]
    assert model.rowCount(room(model, None)) == 16


def test_a_large_session_moves_one_attendee_with_one_row_move(
    qtmodeltester: ModelTester,
) -> None:
    """Not a reset nor a rebuild of 2,000 rows: one move and three changed cells
    (speed itself is measured in bench/ui_panel.py, not here)."""
    names = tuple(f"Room {at}" for at in range(1, 101))
    cast = tuple(
        (f"u{at:04}", f"Attendee {at:04}", PHONE if at % 7 == 0 else VOIP, at % 100 + 1)
        for at in range(2000)
    )
    big = session(rooms=names, cast=cast, help_from=())
    model = RoomsOverviewModel()
    model.update(big)
    watch(qtmodeltester, model)
    changes = Changes(model)
    model.update(moved(big, "u0001", 50))
    assert changes.seen == ["rowsMoved"]
    assert len(changes.changed) == 3  # the two rooms' counts and the attendee's room
    shown = model.attendee(UserId("u0001"))
    assert shown is not None
    assert shown.room_id == RoomId(50)


def test_the_session_starting_resets_once(qtmodeltester: ModelTester) -> None:
    cast = tuple((f"u{at:03}", f"Attendee {at:03}", VOIP, at % 6 + 1) for at in range(100))
    started = session(cast=cast, help_from=())
    before = Conversation(
        id=started.id,
        title=started.title,
        owner=started.owner,
        members=started.members,
    )
    model = RoomsOverviewModel()
    model.update(before)
    watch(qtmodeltester, model)
    assert texts(model) == ["Main room"]
    changes = Changes(model)
    model.update(started)
    assert changes.seen == ["modelReset"]
    assert model.rowCount(room(model, 1)) == 17


# Drag and drop


def drag(model: RoomsOverviewModel, *users: str) -> QMimeData:
    return model.mimeData([attendee(model, user) for user in users])


def test_attendees_drag_and_rooms_take_drops(model: RoomsOverviewModel) -> None:
    assert model.mimeTypes() == [MIME_TYPE]
    assert model.supportedDropActions() == MOVE
    assert model.supportedDragActions() == MOVE
    ada_flags = model.flags(attendee(model, "ada"))
    room_flags = model.flags(room(model, 1))
    assert ada_flags & Qt.ItemFlag.ItemIsDragEnabled
    assert not room_flags & Qt.ItemFlag.ItemIsDragEnabled
    assert room_flags & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(room(model, None)) & Qt.ItemFlag.ItemIsDropEnabled
    mime = drag(model, "grace", "alan")
    assert attendees_in(mime) == ["grace", "alan"]
    assert not model.mimeData([room(model, 1)]).hasFormat(MIME_TYPE)


def test_a_drop_asks_for_the_move_and_changes_nothing(
    model: RoomsOverviewModel, qtbot: QtBot
) -> None:
    before = tree(model)
    changes = Changes(model)
    mime = drag(model, "grace", "alan")
    delta = room(model, 4)
    assert model.canDropMimeData(mime, MOVE, -1, -1, delta)
    with qtbot.wait_signal(model.move_requested) as requested:
        assert model.dropMimeData(mime, MOVE, -1, -1, delta)
    assert requested.args == [["grace", "alan"], RoomId(4)]
    assert tree(model) == before
    assert changes.seen == []
    assert changes.changed == []


def test_a_drop_on_an_attendee_goes_to_their_room(model: RoomsOverviewModel, qtbot: QtBot) -> None:
    with qtbot.wait_signal(model.move_requested) as requested:
        assert model.dropMimeData(drag(model, "ada"), MOVE, -1, -1, attendee(model, "john"))
    assert requested.args == [["ada"], RoomId(4)]


def test_a_drop_on_the_main_room_asks_for_none(model: RoomsOverviewModel, qtbot: QtBot) -> None:
    with qtbot.wait_signal(model.move_requested) as requested:
        assert model.dropMimeData(drag(model, "ada", "tim"), MOVE, 0, 0, room(model, None))
    assert requested.args == [["ada"], None]  # Tim is there already


@pytest.mark.parametrize(
    ("mime", "action", "target"),
    [
        pytest.param(["ada"], MOVE, 1, id="own room"),
        pytest.param(["ada"], Qt.DropAction.CopyAction, 2, id="copy"),
        pytest.param(["nobody"], MOVE, 2, id="unknown attendee"),
        pytest.param(["ada"], MOVE, 0, id="between rooms"),
        pytest.param(None, MOVE, 2, id="foreign data"),
    ],
)
def test_drops_that_mean_nothing_are_refused(
    model: RoomsOverviewModel,
    qtbot: QtBot,
    mime: list[str] | None,
    action: Qt.DropAction,
    target: int,
) -> None:
    data = QMimeData()
    if mime is None:
        data.setText("ada")
    else:
        data = attendees_mime(UserId(user) for user in mime)
    parent = QModelIndex() if target == 0 else room(model, target)
    with (
        qtbot.assert_not_emitted(model.move_requested),
        qtbot.assert_not_emitted(model.drop_refused),
    ):
        assert not model.canDropMimeData(data, action, 0, 0, parent)
        assert not model.dropMimeData(data, action, 0, 0, parent)


def test_a_phone_beyond_the_bridge_is_refused(qtbot: QtBot) -> None:
    model = RoomsOverviewModel()
    model.update(session(settings=BreakoutSettings(phone_room_limit=3)))
    epsilon = room(model, 5)
    caller = drag(model, "barbara", "edsger")
    with qtbot.wait_signal(model.drop_refused) as refused:
        assert not model.canDropMimeData(caller, MOVE, -1, -1, epsilon)
    assert refused.args == ["Barbara Liskov is on the phone; the bridge reaches rooms 1–3 only."]
    with qtbot.assert_not_emitted(model.drop_refused):  # said once per target
        assert not model.canDropMimeData(caller, MOVE, -1, -1, epsilon)
    with qtbot.assert_not_emitted(model.move_requested):
        assert not model.dropMimeData(caller, MOVE, -1, -1, epsilon)
    assert model.canDropMimeData(caller, MOVE, -1, -1, room(model, 3))
    assert model.canDropMimeData(drag(model, "edsger"), MOVE, -1, -1, epsilon)
    assert model.refusal([UserId("barbara"), UserId("katherine")], RoomId(6)) == (
        "Barbara Liskov and Katherine Johnson are on the phone; the bridge reaches rooms 1–3 only."
    )
    assert model.refusal([UserId("barbara")], None) is None

"""CallModel: the people of a room's call and its phone attendees, kept current
row by row from the server's call state and the call engine's reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    Placement,
    Role,
    Room,
    RoomId,
    UserId,
    created,
    evolve,
)
from desktop.core.events import (
    AttendeesPlaced,
    AudioChanged,
    BreakoutsSetUp,
    ConversationCreated,
    Event,
    MemberAdded,
    SessionStarted,
)
from desktop.protocol.messages import CallParticipant, CallState
from desktop.ui.models.call_model import (
    DESCRIBED,
    SPEAKING_HOLD,
    CallModel,
    CallRole,
    PersonState,
    call_people,
)

PHONE = AudioConnection.PHONE
LISTENING = AudioConnection.JUST_LISTENING
ROOM = RoomId(1)
ME = UserId("ada")

pytestmark = pytest.mark.usefixtures("qapp")


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def joined(user: str, name: str, audio: AudioConnection = AudioConnection.VOIP) -> MemberAdded:
    return MemberAdded(member=Member(user_id=UserId(user), display_name=name, audio=audio))


def workshop() -> Conversation:
    """Ada moderates; Team Alpha has Bob, Cy (listening) and Fay (phone), Team
    Beta has Dee and Gus (phone); Hal (phone) stays in the main room."""
    owner = Member(user_id=ME, display_name="Ada Lovelace")
    conversation = created(ConversationCreated(conversation_id="c1", title="Work", owner=owner))
    rooms = (Room(ROOM, "Team Alpha"), Room(RoomId(2), "Team Beta"))
    placements = tuple(
        Placement(UserId(user), RoomId(room))
        for user, room in (("bob", 1), ("cy", 1), ("fay", 1), ("dee", 2), ("gus", 2))
    )
    events: list[Event] = [
        joined("bob", "Bob"),
        joined("cy", "Cy", LISTENING),
        joined("dee", "Dee"),
        joined("fay", "Fay", PHONE),
        joined("gus", "Gus", PHONE),
        joined("hal", "Hal", PHONE),
        BreakoutsSetUp(rooms=rooms, settings=BreakoutSettings()),
        AttendeesPlaced(placements=placements),
        SessionStarted(started_at=1.0, deadline=None),
    ]
    for event in events:
        conversation = evolve(conversation, event)
    return conversation


def call(*people: str | tuple[str, bool], room: RoomId | None = ROOM) -> CallState:
    """A call state; a person is a user id, or (user id, muted)."""
    participants = tuple(
        CallParticipant(user_id=UserId(p), muted=False)
        if isinstance(p, str)
        else CallParticipant(user_id=UserId(p[0]), muted=p[1])
        for p in people
    )
    return CallState(conversation_id="c1", room_id=room, participants=participants)


def shown(model: CallModel, role: int) -> list[object]:
    return [model.index(row).data(role) for row in range(model.rowCount())]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def model(qtmodeltester: ModelTester, clock: Clock) -> CallModel:
    """A model of Team Alpha's call with Ada, Bob and Cy, checked throughout."""
    model = CallModel(clock=clock)
    model.set_people(workshop(), ROOM, call("ada", "bob", ("cy", True)), ME)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints
    return model


@contextmanager
def only_data_changes(qtbot: QtBot, model: CallModel) -> Iterator[list[tuple[int, list[int]]]]:
    """Collect (row, roles) of every dataChanged; fail on any structural change."""
    changed: list[tuple[int, list[int]]] = []

    def collect(first: QModelIndex, last: QModelIndex, roles: list[int]) -> None:
        changed.extend((row, list(roles)) for row in range(first.row(), last.row() + 1))

    model.dataChanged.connect(collect)
    with (
        qtbot.assert_not_emitted(model.modelReset),
        qtbot.assert_not_emitted(model.rowsInserted),
        qtbot.assert_not_emitted(model.rowsRemoved),
        qtbot.assert_not_emitted(model.layoutChanged),
    ):
        yield changed
    model.dataChanged.disconnect(collect)


# Who is shown


def test_you_first_then_the_call_by_name_then_the_room_phone_attendees(model: CallModel) -> None:
    assert texts(model) == ["Ada Lovelace", "Bob", "Cy", "Fay"]
    assert shown(model, CallRole.StateRole) == ["you", "connecting", "connecting", "on_phone"]
    assert shown(model, CallRole.MutedRole) == [False, False, True, False]
    assert shown(model, CallRole.AudioRole) == ["voip", "voip", "just_listening", "phone"]
    assert shown(model, CallRole.RoleRole) == [
        "moderator",
        "participant",
        "participant",
        "participant",
    ]


def test_the_main_room_shows_the_phone_attendees_outside_every_breakout() -> None:
    people = call_people(workshop(), None, call("ada", room=None), ME)

    assert [(p.user_id, p.on_phone) for p in people] == [("ada", False), ("hal", True)]


def test_without_a_call_only_the_phone_attendees_are_shown() -> None:
    people = call_people(workshop(), RoomId(2), None, ME)

    assert [p.user_id for p in people] == ["gus"]


def test_a_caller_the_conversation_does_not_know_yet_shows_by_id() -> None:
    (stranger,) = call_people(workshop(), RoomId(2), call("zed", room=RoomId(2)), ME)[:1]

    assert (stranger.name, stranger.audio, stranger.role) == (
        "zed",
        AudioConnection.VOIP,
        Role.PARTICIPANT,
    )


def test_a_phone_attendee_viewing_the_room_is_you_and_on_the_phone() -> None:
    (you,) = [p for p in call_people(workshop(), ROOM, None, UserId("fay")) if p.is_me]

    assert you.on_phone
    assert you.sort_key < call_people(workshop(), ROOM, call("bob"), UserId("fay"))[1].sort_key


def test_rows_carry_audio_icons_and_a_readable_description(model: CallModel) -> None:
    cy = model.index(2)

    assert isinstance(cy.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert (
        cy.data(Qt.ItemDataRole.ToolTipRole)
        == "Cy — Participant · Just Listening · Connecting… · muted"
    )
    assert model.index(0).data(CallRole.UserIdRole) == "ada"
    assert model.roleNames()[CallRole.SpeakingRole].data() == b"speaking"


# Call state updates


def test_someone_joining_inserts_one_row_and_nothing_else(qtbot: QtBot, model: CallModel) -> None:
    conversation = workshop()
    with (
        qtbot.wait_signal(model.rowsInserted) as inserted,
        qtbot.assert_not_emitted(model.rowsRemoved),
        qtbot.assert_not_emitted(model.modelReset),
    ):
        model.set_people(conversation, ROOM, call("ada", "bob", ("cy", True), "dee"), ME)

    assert inserted.args is not None
    assert inserted.args[1:] == [3, 3]
    assert texts(model) == ["Ada Lovelace", "Bob", "Cy", "Dee", "Fay"]


def test_someone_leaving_removes_their_row(qtbot: QtBot, model: CallModel) -> None:
    with (
        qtbot.wait_signal(model.rowsRemoved) as removed,
        qtbot.assert_not_emitted(model.rowsInserted),
    ):
        model.set_people(workshop(), ROOM, call("ada", ("cy", True)), ME)

    assert removed.args is not None
    assert removed.args[1:] == [1, 1]
    assert texts(model) == ["Ada Lovelace", "Cy", "Fay"]


def test_muting_changes_that_row_only(qtbot: QtBot, model: CallModel) -> None:
    with only_data_changes(qtbot, model) as changed:
        model.set_people(workshop(), ROOM, call("ada", ("bob", True), ("cy", True)), ME)

    assert [row for row, _ in changed] == [1]
    assert model.index(1).data(CallRole.MutedRole) is True


def test_the_same_call_state_again_changes_nothing(qtbot: QtBot, model: CallModel) -> None:
    with only_data_changes(qtbot, model) as changed:
        model.set_people(workshop(), ROOM, call("ada", "bob", ("cy", True)), ME)

    assert changed == []


def test_a_phone_attendee_switching_to_voip_and_joining_moves_into_the_call(
    model: CallModel,
) -> None:
    conversation = evolve(
        workshop(), AudioChanged(user_id=UserId("fay"), audio=AudioConnection.VOIP)
    )

    model.set_people(conversation, ROOM, call("ada", "bob", ("cy", True), "fay"), ME)

    assert texts(model) == ["Ada Lovelace", "Bob", "Cy", "Fay"]
    assert model.index(3).data(CallRole.StateRole) == "connecting"
    assert model.index(3).data(CallRole.AudioRole) == "voip"


def test_clear_removes_every_row(model: CallModel) -> None:
    model.clear()

    assert model.rowCount() == 0


# What the engine reports


def test_peer_states_show_on_their_rows(qtbot: QtBot, model: CallModel) -> None:
    with only_data_changes(qtbot, model) as changed:
        model.set_peer_state("bob", "connected")
        model.set_peer_state("cy", "failed")
        model.set_peer_state("cy", "failed")

    assert changed == [(1, [CallRole.StateRole, *DESCRIBED]), (2, [CallRole.StateRole, *DESCRIBED])]
    assert shown(model, CallRole.StateRole) == ["you", "connected", "failed", "on_phone"]


def test_a_closed_connection_to_someone_still_in_the_call_reads_as_connecting(
    model: CallModel,
) -> None:
    model.set_peer_state("bob", "connected")

    model.set_peer_state("bob", "closed")

    assert model.index(1).data(CallRole.StateRole) == PersonState.CONNECTING


def test_an_unknown_peer_state_is_refused(model: CallModel) -> None:
    with pytest.raises(ValueError, match="sleeping"):
        model.set_peer_state("bob", "sleeping")


def test_a_peer_who_leaves_and_comes_back_starts_connecting_again(model: CallModel) -> None:
    model.set_peer_state("bob", "connected")
    model.set_people(workshop(), ROOM, call("ada", ("cy", True)), ME)

    model.set_people(workshop(), ROOM, call("ada", "bob", ("cy", True)), ME)

    assert model.index(1).data(CallRole.StateRole) == "connecting"


# Levels and speaking


def test_a_level_over_the_threshold_makes_someone_speak(qtbot: QtBot, model: CallModel) -> None:
    with only_data_changes(qtbot, model) as changed:
        model.set_levels({"bob": 0.5})

    assert changed == [(1, [CallRole.LevelRole, CallRole.SpeakingRole, *DESCRIBED])]
    assert shown(model, CallRole.SpeakingRole) == [False, True, False, False]
    assert model.index(1).data(CallRole.LevelRole) == pytest.approx(0.5)


def test_speaking_holds_through_a_short_pause(model: CallModel, clock: Clock) -> None:
    model.set_levels({"bob": 0.5})

    clock.now += SPEAKING_HOLD / 2
    model.set_levels({})
    still = model.is_speaking("bob")
    clock.now += SPEAKING_HOLD
    model.set_levels({})

    assert still
    assert not model.is_speaking("bob")
    assert model.index(1).data(CallRole.LevelRole) == 0.0


def test_small_changes_of_level_are_not_repainted(qtbot: QtBot, model: CallModel) -> None:
    model.set_levels({"bob": 0.5})

    with only_data_changes(qtbot, model) as changed:
        model.set_levels({"bob": 0.51})
        model.set_levels({"bob": 0.49})
    with only_data_changes(qtbot, model) as moved:
        model.set_levels({"bob": 0.7})

    assert changed == []
    assert moved == [(1, [CallRole.LevelRole])]


def test_the_muted_never_show_as_speaking(model: CallModel) -> None:
    model.set_levels({"cy": 0.9})

    assert not model.is_speaking("cy")


def test_levels_are_kept_between_zero_and_one(model: CallModel) -> None:
    model.set_levels({"bob": 7.0, "ada": -1.0})

    assert model.index(1).data(CallRole.LevelRole) == pytest.approx(1.0)
    assert model.index(0).data(CallRole.LevelRole) == 0.0


def test_phone_attendees_have_no_level(qtbot: QtBot, model: CallModel) -> None:
    with only_data_changes(qtbot, model) as changed:
        model.set_levels({"fay": 0.9})

    assert changed == []


# Video


def test_a_video_frame_replaces_the_avatar_until_it_stops(qtbot: QtBot, model: CallModel) -> None:
    frame = QImage(64, 48, QImage.Format.Format_RGB32)
    frame.fill(QColor("teal"))

    with only_data_changes(qtbot, model) as changed:
        model.set_video_frame("bob", frame)
        shown_frame = model.index(1).data(CallRole.VideoRole)
        model.set_video_frame("bob", None)
        model.set_video_frame("bob", None)
        model.set_video_frame("nobody", frame)

    assert shown_frame == frame
    assert model.index(1).data(CallRole.VideoRole) is None
    assert changed == [(1, [CallRole.VideoRole]), (1, [CallRole.VideoRole])]


# Volume


def test_setting_a_volume_tells_who_plays_the_sound(qtbot: QtBot, model: CallModel) -> None:
    with qtbot.wait_signal(model.volume_changed) as told:
        model.set_volume("bob", 1.5)

    assert told.args == ["bob", 1.5]
    assert model.index(1).data(CallRole.VolumeRole) == 1.5
    assert "volume 150 %" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)


def test_volumes_start_at_one_and_stay_between_zero_and_two(qtbot: QtBot, model: CallModel) -> None:
    assert shown(model, CallRole.VolumeRole) == [1.0, 1.0, 1.0, 1.0]

    model.set_volume("bob", 5.0)
    model.set_volume("cy", -1.0)

    assert (model.volume("bob"), model.volume("cy")) == (2.0, 0.0)
    with qtbot.assert_not_emitted(model.volume_changed):
        model.set_volume("bob", 2.0)


def test_a_volume_is_remembered_while_the_peer_is_away(model: CallModel) -> None:
    model.set_volume("bob", 0.5)
    model.set_people(workshop(), ROOM, call("ada", ("cy", True)), ME)

    model.set_people(workshop(), ROOM, call("ada", "bob", ("cy", True)), ME)

    assert model.index(1).data(CallRole.VolumeRole) == 0.5

"""ParticipantsModel and ParticipantsView: members in order, updated row by row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
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
    HelpCleared,
    HelpRequested,
    MemberAdded,
    MemberRemoved,
    RoleChanged,
    SessionEnded,
    SessionStarted,
)
from desktop.ui.models.participants_model import ParticipantRole, ParticipantsModel
from desktop.ui.participants_view import ParticipantsView

ROOMS = (Room(RoomId(1), "Team Alpha"), Room(RoomId(2), "Team Beta"))
PHONE = AudioConnection.PHONE

pytestmark = pytest.mark.usefixtures("qapp")


def apply(conversation: Conversation, *events: Event) -> Conversation:
    for event in events:
        conversation = evolve(conversation, event)
    return conversation


def joined(user: str, name: str, audio: AudioConnection = AudioConnection.VOIP) -> MemberAdded:
    return MemberAdded(member=Member(user_id=UserId(user), display_name=name, audio=audio))


def weekly() -> Conversation:
    """Ada owns it; Eve is promoted; five attendees with mixed audio."""
    owner = Member(user_id=UserId("ada"), display_name="Ada Lovelace")
    start = created(ConversationCreated(conversation_id="c1", title="Weekly", owner=owner))
    return apply(
        start,
        joined("bob", "bob Marley", PHONE),
        joined("cy", "Cyrus", AudioConnection.JUST_LISTENING),
        joined("dee", "Dee"),
        joined("eve", "Eve"),
        joined("fay", "Fay", PHONE),
        RoleChanged(user_id=UserId("eve"), role=Role.MODERATOR),
    )


def in_session(conversation: Conversation) -> Conversation:
    def place(user: str, room: int) -> Placement:
        return Placement(UserId(user), RoomId(room))

    return apply(
        conversation,
        BreakoutsSetUp(rooms=ROOMS, settings=BreakoutSettings()),
        AttendeesPlaced(placements=(place("bob", 1), place("fay", 1), place("cy", 2))),
        SessionStarted(started_at=100.0, deadline=None),
        HelpRequested(user_id=UserId("cy"), room_id=RoomId(2), at=110.0),
    )


def column(model: ParticipantsModel, role: int) -> list[object]:
    return [model.index(row).data(role) for row in range(model.rowCount())]


@contextmanager
def only_data_changes(qtbot: QtBot, model: ParticipantsModel) -> Iterator[list[tuple[int, int]]]:
    """Collect the (first, last) rows of every dataChanged; fail on any structural change."""
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, roles: changed.append((first.row(), last.row())))
    signals = (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged)
    with (
        qtbot.assert_not_emitted(signals[0]),
        qtbot.assert_not_emitted(signals[1]),
        qtbot.assert_not_emitted(signals[2]),
        qtbot.assert_not_emitted(signals[3]),
    ):
        yield changed


def test_model_is_consistent_through_a_whole_session(qtmodeltester: ModelTester) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints
    for event in (
        joined("gus", "Gus"),
        AudioChanged(user_id=UserId("dee"), audio=PHONE),
        MemberRemoved(user_id=UserId("bob")),
        RoleChanged(user_id=UserId("cy"), role=Role.MODERATOR),
        BreakoutsSetUp(rooms=ROOMS, settings=BreakoutSettings()),
        AttendeesPlaced(placements=(Placement(UserId("dee"), RoomId(1)),)),
        SessionStarted(started_at=1.0, deadline=None),
        HelpRequested(user_id=UserId("dee"), room_id=RoomId(1), at=2.0),
        SessionEnded(at=3.0),
    ):
        conversation = evolve(conversation, event)
        model.update(conversation)
    assert model.rowCount() == len(conversation.members)


def test_moderators_come_first_then_everyone_by_name() -> None:
    model = ParticipantsModel(weekly())
    assert texts(model) == ["Ada Lovelace", "Eve", "bob Marley", "Cyrus", "Dee", "Fay"]
    assert column(model, ParticipantRole.RoleRole)[:3] == ["moderator", "moderator", "participant"]
    assert column(model, ParticipantRole.UserIdRole)[0] == "ada"


def test_roles_tell_audio_help_and_room_during_a_session() -> None:
    model = ParticipantsModel(in_session(weekly()))
    rows = {model.index(row).data(ParticipantRole.UserIdRole): row for row in range(6)}

    def at(user: str, role: int) -> object:
        return model.index(rows[user]).data(role)

    assert at("bob", ParticipantRole.AudioRole) == "phone"
    assert at("cy", ParticipantRole.AudioRole) == "just_listening"
    assert at("cy", ParticipantRole.HelpRole) is True
    assert at("bob", ParticipantRole.HelpRole) is False
    assert at("bob", ParticipantRole.RoomRole) == "Team Alpha"
    assert at("cy", ParticipantRole.RoomRole) == "Team Beta"
    assert at("dee", ParticipantRole.RoomRole) is None
    assert at("ada", Qt.ItemDataRole.ToolTipRole) == "Ada Lovelace — Moderator · VOIP"
    assert (
        at("bob", Qt.ItemDataRole.ToolTipRole) == "bob Marley — Participant · Phone · in Team Alpha"
    )
    assert str(at("cy", Qt.ItemDataRole.ToolTipRole)).endswith("· in Team Beta · asked for help")


def test_each_audio_connection_has_its_own_icon() -> None:
    model = ParticipantsModel(weekly())
    icons = {
        model.index(row).data(ParticipantRole.AudioRole): model.index(row).data(
            Qt.ItemDataRole.DecorationRole
        )
        for row in range(model.rowCount())
    }
    assert set(icons) == {"voip", "phone", "just_listening"}
    assert all(isinstance(icon, QIcon) and not icon.isNull() for icon in icons.values())
    images = {audio: icon.pixmap(24, 24).toImage() for audio, icon in icons.items()}
    assert images["voip"] != images["phone"] != images["just_listening"] != images["voip"]


def test_an_audio_change_updates_one_row_only(qtbot: QtBot) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    with only_data_changes(qtbot, model) as changed:
        model.update(evolve(conversation, AudioChanged(user_id=UserId("dee"), audio=PHONE)))
    assert changed == [(4, 4)]
    assert model.index(4).data(ParticipantRole.AudioRole) == "phone"


def test_help_requests_and_their_end_update_one_row_each(qtbot: QtBot) -> None:
    conversation = in_session(weekly())
    model = ParticipantsModel(conversation)
    with only_data_changes(qtbot, model) as changed:
        conversation = evolve(conversation, HelpCleared(user_id=UserId("cy"), by=UserId("ada")))
        model.update(conversation)
        model.update(conversation)
    assert changed == [(3, 3)]
    assert model.index(3).data(ParticipantRole.HelpRole) is False


def test_a_new_member_is_inserted_in_place(qtbot: QtBot) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    with (
        qtbot.assert_not_emitted(model.modelReset),
        qtbot.wait_signal(model.rowsInserted) as inserted,
    ):
        model.update(evolve(conversation, joined("dan", "Dan")))
    assert inserted.args is not None
    assert inserted.args[1:] == [4, 4]
    assert texts(model)[3:6] == ["Cyrus", "Dan", "Dee"]


def test_a_member_leaving_removes_their_row(qtbot: QtBot) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    with qtbot.wait_signal(model.rowsRemoved) as removed:
        model.update(evolve(conversation, MemberRemoved(user_id=UserId("cy"))))
    assert removed.args is not None
    assert removed.args[1:] == [3, 3]
    assert "Cyrus" not in texts(model)


def test_a_promoted_member_moves_up_to_the_moderators(qtbot: QtBot) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    with qtbot.assert_not_emitted(model.modelReset):
        model.update(evolve(conversation, RoleChanged(user_id=UserId("fay"), role=Role.MODERATOR)))
    assert texts(model) == ["Ada Lovelace", "Eve", "Fay", "bob Marley", "Cyrus", "Dee"]


@pytest.mark.parametrize("changed_user", ["m0007", "m1999"])
def test_one_change_among_two_thousand_members_is_one_data_change(
    qtbot: QtBot, changed_user: str
) -> None:
    conversation = weekly()
    conversation = apply(conversation, *(joined(f"m{n:04}", f"Member {n:04}") for n in range(2000)))
    model = ParticipantsModel(conversation)
    assert model.rowCount() == 2006
    row = texts(model).index(f"Member {changed_user[1:]}")
    with only_data_changes(qtbot, model) as changed:
        model.update(evolve(conversation, AudioChanged(user_id=UserId(changed_user), audio=PHONE)))
    assert changed == [(row, row)]


def test_view_counts_participants_in_its_header(qtbot: QtBot) -> None:
    conversation = weekly()
    model = ParticipantsModel(conversation)
    view = ParticipantsView(model)
    qtbot.add_widget(view)
    assert view.header.text() == "Participants (6)"
    model.update(evolve(conversation, joined("gus", "Gus")))
    assert view.header.text() == "Participants (7)"
    model.clear()
    assert view.header.text() == "Participants (0)"


def test_view_tells_which_participant_was_activated(qtbot: QtBot) -> None:
    model = ParticipantsModel(weekly())
    view = ParticipantsView(model)
    qtbot.add_widget(view)
    view.list.setCurrentIndex(model.index(1))
    with qtbot.wait_signal(view.participant_activated) as activated:
        QTest.keyClick(view.list, Qt.Key.Key_Return)
    assert activated.args == ["eve"]


def test_a_view_without_a_model_makes_its_own(qtbot: QtBot) -> None:
    view = ParticipantsView()
    qtbot.add_widget(view)
    view.model.update(weekly())
    assert view.list.model() is view.model
    assert view.header.text() == "Participants (6)"

"""ChatModel: one visible chat in seq order, whatever order its lines arrive in."""

from __future__ import annotations

from collections import deque

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import RoomId, UserId
from desktop.core.events import BroadcastSent, MemberAdded, MessagePosted
from desktop.core.members import Member
from desktop.protocol import Record
from desktop.protocol.chat import EVERY_CHAT, MAIN_CHAT, room_chat
from desktop.protocol.notices import Assigned, SystemMessage
from desktop.ui.models.chat_model import ChatModel, ChatRole, shows_in, visible_chat

START = 1_700_000_000.0
NAMES = {UserId("ada"): "Ada Lovelace", UserId("bob"): "Bob Marley"}

pytestmark = pytest.mark.usefixtures("qapp")


def posted(seq: int, author: str, text: str, room: int | None = None) -> Record:
    at = START + seq
    body = MessagePosted(
        author=UserId(author), text=text, room_id=None if room is None else RoomId(room), at=at
    )
    return Record(seq=seq, at=at, actor=UserId(author), body=body)


def broadcast(seq: int, text: str) -> Record:
    at = START + seq
    body = BroadcastSent(author=UserId("ada"), text=text, at=at)
    return Record(seq=seq, at=at, actor=UserId("ada"), body=body)


def system(seq: int, text: str, everywhere: bool = True) -> Record:
    return Record(
        seq=seq, at=START + seq, actor=None, body=SystemMessage(text, everywhere=everywhere)
    )


def chat_model(*records: Record) -> ChatModel:
    model = ChatModel(NAMES.__getitem__, UserId("bob"))
    model.reset(records)
    return model


def seqs(model: ChatModel) -> list[int]:
    return [model.index(row).data(ChatRole.SeqRole) for row in range(model.rowCount())]


def test_model_is_consistent_through_reset_append_and_prepend(qtmodeltester: ModelTester) -> None:
    model = chat_model(posted(10, "ada", "Welcome"), broadcast(12, "Five minutes left"))
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints
    model.append(system(14, "Breakout rooms ended."))
    model.append(posted(13, "bob", "Late line"))
    model.prepend([posted(8, "bob", "Earlier"), posted(5, "ada", "Much earlier")])
    model.reset([posted(20, "ada", "Another room")])
    assert seqs(model) == [20]


def test_lines_stay_in_seq_order_whatever_order_they_arrive_in() -> None:
    model = chat_model(posted(2, "ada", "two"), posted(5, "bob", "five"))
    model.append(posted(7, "ada", "seven"))
    model.append(posted(3, "bob", "three"))
    model.append(posted(1, "bob", "one"))
    assert seqs(model) == [1, 2, 3, 5, 7]


def test_a_line_seen_twice_shows_once(qtbot: QtBot) -> None:
    model = chat_model(posted(2, "ada", "two"))
    with qtbot.assert_not_emitted(model.rowsInserted):
        model.append(posted(2, "ada", "two"))
        model.prepend([posted(2, "ada", "two")])
    model.reset([posted(4, "bob", "four"), posted(4, "bob", "four")])
    assert seqs(model) == [4]


def test_an_older_page_goes_in_at_the_top_with_one_insert(qtbot: QtBot) -> None:
    model = chat_model(posted(50, "ada", "fifty"), posted(51, "bob", "fifty-one"))
    page = [posted(seq, "ada", f"line {seq}") for seq in range(49, 30, -1)]  # newest first
    with qtbot.wait_signal(model.rowsInserted) as inserted:
        model.prepend(page)
    assert inserted.args is not None
    assert inserted.args[1:] == [0, 18]
    assert seqs(model) == list(range(31, 52))
    assert model.first_seq() == 31


def test_a_page_overlapping_what_is_shown_adds_only_the_new_lines() -> None:
    model = chat_model(posted(10, "ada", "ten"), posted(12, "ada", "twelve"))
    model.prepend([posted(12, "ada", "twelve"), posted(11, "bob", "eleven"), posted(9, "bob", "x")])
    assert seqs(model) == [9, 10, 11, 12]


def test_records_that_are_no_chat_lines_are_ignored() -> None:
    member = MemberAdded(member=Member(user_id=UserId("cy"), display_name="Cy"))
    assigned = Assigned(user_id=UserId("bob"), room_id=RoomId(1), room_name="Alpha", position=1)
    model = chat_model(
        Record(seq=1, at=START, actor=UserId("ada"), body=member),
        Record(seq=2, at=START, actor=None, body=assigned),
        posted(3, "ada", "hello"),
    )
    assert seqs(model) == [3]
    assert ChatModel(NAMES.__getitem__, None).first_seq() is None


def test_a_room_shows_its_own_chat_merged_with_the_everywhere_chat() -> None:
    chats = {
        MAIN_CHAT: deque([posted(1, "ada", "main one"), posted(6, "bob", "main two")]),
        room_chat(RoomId(1)): deque([posted(4, "bob", "alpha one", 1), posted(8, "ada", "a2", 1)]),
        room_chat(RoomId(2)): deque([posted(5, "ada", "beta one", 2)]),
        EVERY_CHAT: deque([system(3, "Breakout rooms started."), broadcast(7, "Wrap up")]),
    }
    model = chat_model(*visible_chat(chats, RoomId(1)))
    assert seqs(model) == [3, 4, 7, 8]
    model.reset(visible_chat(chats, None))
    assert seqs(model) == [1, 3, 6, 7]
    assert visible_chat({}, RoomId(3)) == []
    model.append(broadcast(9, "Back soon"))
    assert seqs(model)[-1] == 9


@pytest.mark.parametrize(
    ("record", "room", "shown"),
    [
        (posted(1, "ada", "main"), None, True),
        (posted(1, "ada", "main"), RoomId(1), False),
        (posted(1, "ada", "alpha", 1), RoomId(1), True),
        (posted(1, "ada", "alpha", 1), RoomId(2), False),
        (broadcast(1, "all"), RoomId(2), True),
        (broadcast(1, "all"), None, True),
        (system(1, "main only", everywhere=False), RoomId(1), False),
        (system(1, "main only", everywhere=False), None, True),
    ],
)
def test_shows_in_tells_which_room_a_live_record_belongs_to(
    record: Record, room: RoomId | None, shown: bool
) -> None:
    assert shows_in(record, room) is shown


def test_roles_describe_each_line() -> None:
    model = chat_model(
        posted(1, "ada", "Hello"),
        posted(2, "bob", "Hi!"),
        posted(3, "zed", "Who am I?"),
        broadcast(4, "Five minutes left"),
        system(5, "Breakout rooms ended."),
    )
    assert texts(model) == [
        "Ada Lovelace: Hello",
        "Bob Marley: Hi!",
        "zed: Who am I?",
        "Broadcast from Ada Lovelace: Five minutes left",
        "Breakout rooms ended.",
    ]

    def column(role: ChatRole) -> list[object]:
        return [model.index(row).data(role) for row in range(model.rowCount())]

    assert column(ChatRole.AuthorRole) == ["Ada Lovelace", "Bob Marley", "zed", "Ada Lovelace", ""]
    assert column(ChatRole.TextRole)[0] == "Hello"
    assert column(ChatRole.KindRole) == ["message", "message", "message", "broadcast", "system"]
    assert column(ChatRole.IsOwnRole) == [False, True, False, False, False]
    when = model.index(0).data(ChatRole.TimeRole)
    assert when.toSecsSinceEpoch() == START + 1
    assert model.roleNames()[ChatRole.AuthorRole].data() == b"author"


def test_refresh_names_repaints_every_author(qtbot: QtBot) -> None:
    names = {UserId("ada"): "Ada"}
    model = ChatModel(names.__getitem__, None)
    model.reset([posted(1, "ada", "a"), posted(2, "cy", "c")])
    assert model.index(1).data(ChatRole.AuthorRole) == "cy"
    names[UserId("cy")] = "Cyrus"
    with qtbot.wait_signal(model.dataChanged) as changed:
        model.refresh_names()
    assert changed.args is not None
    assert (changed.args[0].row(), changed.args[1].row()) == (0, 1)
    assert model.index(1).data(ChatRole.AuthorRole) == "Cyrus"

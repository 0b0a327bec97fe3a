"""The client's mirror of its conversations: snapshots, records, calls and
removals, and the changes it tells its listeners (pure: no network)."""

from __future__ import annotations

from collections import deque

import pytest

from desktop.client.mirror import CHAT_KEPT, Change, ChangeKind, Mirror
from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    Phase,
    Placement,
    Room,
    RoomId,
    UserId,
    created,
    evolve,
)
from desktop.core.events import (
    AttendeesPlaced,
    BreakoutsApplied,
    BreakoutsSetUp,
    BroadcastSent,
    ConversationCreated,
    ConversationRenamed,
    Event,
    MemberAdded,
    MessagePosted,
    SessionStarted,
)
from desktop.protocol import Body, Record
from desktop.protocol.messages import (
    CallParticipant,
    CallState,
    Delivery,
    RemovalReason,
    Removed,
    Snapshot,
    Synced,
)
from desktop.protocol.notices import Assigned, HelpNeeded, SystemMessage

CID = "c-1"
OTHER = "c-2"
MOD = UserId("mod")
ANN = UserId("ann")
BEN = UserId("ben")
RED, BLUE = RoomId(1), RoomId(2)
T0 = 1_000.0


def start() -> Conversation:
    owner = Member(user_id=MOD, display_name="Mo")
    return created(ConversationCreated(conversation_id=CID, title="Workshop", owner=owner))


def with_ann() -> Conversation:
    return evolve(start(), MemberAdded(member=Member(user_id=ANN, display_name="Ann")))


def snapshot(
    seq: int = 5,
    conversation: Conversation | None = None,
    *,
    cid: str = CID,
    calls: tuple[CallState, ...] = (),
    resync: bool = False,
) -> Snapshot:
    return Snapshot(
        conversation_id=cid,
        seq=seq,
        conversation=with_ann() if conversation is None else conversation,
        calls=calls,
        resync=resync,
    )


def record(seq: int, body: Body) -> Record:
    return Record(seq=seq, at=T0 + seq, actor=MOD, body=body)


def delivery(seq: int, body: Body, cid: str = CID) -> Delivery:
    return Delivery(conversation_id=cid, record=record(seq, body))


def message(text: str, room: RoomId | None = None) -> MessagePosted:
    return MessagePosted(author=ANN, text=text, room_id=room, at=T0)


def call(room: RoomId | None, *users: UserId, cid: str = CID) -> CallState:
    participants = tuple(CallParticipant(user_id=user, muted=False) for user in users)
    return CallState(conversation_id=cid, room_id=room, participants=participants)


ASSIGNED = Assigned(user_id=ANN, room_id=RED, room_name="Red", position=1)


@pytest.fixture
def mirror() -> Mirror:
    return Mirror()


@pytest.fixture
def changes(mirror: Mirror) -> list[Change]:
    seen: list[Change] = []
    mirror.subscribe(seen.append)
    return seen


# Snapshots and records


def test_a_snapshot_starts_a_conversation(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(5))

    copy = mirror.conversations[CID]
    assert copy.conversation == with_ann()
    assert copy.seq == 5
    assert copy.chats == {}
    assert list(copy.notices) == []
    assert copy.calls == {}
    assert changes == [Change(CID, ChangeKind.SNAPSHOT)]


def test_records_evolve_the_conversation(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(5))
    added = MemberAdded(member=Member(user_id=BEN, display_name="Ben"))

    mirror.apply(delivery(6, added))
    mirror.apply(delivery(7, ConversationRenamed(title="Retro")))

    copy = mirror.conversations[CID]
    assert copy.conversation == evolve(
        evolve(with_ann(), added), ConversationRenamed(title="Retro")
    )
    assert copy.seq == 7
    assert copy.chats == {}
    assert list(copy.notices) == []
    assert changes[1:] == [
        Change(CID, ChangeKind.RECORD, record=record(6, added)),
        Change(CID, ChangeKind.RECORD, record=record(7, ConversationRenamed(title="Retro"))),
    ]


def test_chat_records_land_in_their_chat(mirror: Mirror) -> None:
    mirror.apply(snapshot(5))
    hello = message("hello")
    red = message("in red", RED)
    broadcast = BroadcastSent(author=MOD, text="Two minutes", at=T0)
    started = SystemMessage(text="Breakout rooms have started.", everywhere=True)
    main_line = SystemMessage(text="2 breakout rooms were set up.")
    red_line = SystemMessage(text="Red only", room_id=RED)

    bodies: list[Body] = [hello, red, broadcast, started, main_line, red_line]
    for seq, body in enumerate(bodies, start=6):
        mirror.apply(delivery(seq, body))

    copy = mirror.conversations[CID]
    assert copy.chats == {
        "main": deque([record(6, hello), record(10, main_line)]),
        "room:1": deque([record(7, red), record(11, red_line)]),
        "all": deque([record(8, broadcast), record(9, started)]),
    }
    assert list(copy.notices) == []
    assert copy.conversation == with_ann()
    assert copy.seq == 11


def test_notices_other_than_system_messages_are_kept_apart(mirror: Mirror) -> None:
    mirror.apply(snapshot(5))
    help_needed = HelpNeeded(user_id=ANN, room_id=RED, room_name="Red")

    mirror.apply(delivery(6, ASSIGNED))
    mirror.apply(delivery(7, help_needed))

    copy = mirror.conversations[CID]
    assert list(copy.notices) == [record(6, ASSIGNED), record(7, help_needed)]
    assert copy.chats == {}
    assert copy.conversation == with_ann()
    assert copy.seq == 7


def test_a_running_session_is_mirrored_from_its_events(mirror: Mirror) -> None:
    mirror.apply(snapshot(5))
    events: list[Event] = [
        BreakoutsSetUp(rooms=(Room(RED, "Red"), Room(BLUE, "Blue")), settings=BreakoutSettings()),
        AttendeesPlaced(placements=(Placement(ANN, BLUE),)),
        BreakoutsApplied(),
        SessionStarted(started_at=T0, deadline=None),
    ]

    for seq, event in enumerate(events, start=6):
        mirror.apply(delivery(seq, event))

    state = mirror.conversations[CID].conversation
    assert state.breakouts.phase is Phase.RUNNING
    assert state.breakouts.current_room(ANN) == BLUE
    assert state.members[ANN].audio is AudioConnection.VOIP


@pytest.mark.parametrize("seq", [3, 5, 7])
def test_a_record_already_seen_is_ignored(mirror: Mirror, changes: list[Change], seq: int) -> None:
    mirror.apply(snapshot(5))
    mirror.apply(delivery(6, message("first")))
    mirror.apply(delivery(7, message("second")))
    before = list(changes)

    mirror.apply(delivery(seq, message("again")))
    mirror.apply(delivery(7, ConversationRenamed(title="Replayed")))

    copy = mirror.conversations[CID]
    assert copy.chats == {
        "main": deque([record(6, message("first")), record(7, message("second"))])
    }
    assert copy.conversation.title == "Workshop"
    assert copy.seq == 7
    assert changes == before


def test_the_creation_record_is_not_applied_again(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(0, start()))
    creation = ConversationCreated(
        conversation_id=CID, title="Workshop", owner=Member(user_id=MOD, display_name="Mo")
    )

    mirror.apply(delivery(1, creation))

    assert mirror.conversations[CID].conversation == start()
    assert mirror.conversations[CID].seq == 1
    assert changes[1:] == [Change(CID, ChangeKind.RECORD, record=record(1, creation))]


def test_records_of_an_unknown_conversation_are_ignored(
    mirror: Mirror, changes: list[Change]
) -> None:
    mirror.apply(delivery(1, message("lost"), cid=OTHER))
    mirror.apply(Synced(conversation_id=OTHER, seq=9))
    mirror.apply(call(None, ANN, cid=OTHER))

    assert mirror.conversations == {}
    assert changes == []


def test_chats_keep_the_newest_records(mirror: Mirror) -> None:
    mirror.apply(snapshot(0))

    for seq in range(1, CHAT_KEPT + 3):
        mirror.apply(delivery(seq, message(f"line {seq}")))

    kept = mirror.conversations[CID].chats["main"]
    assert len(kept) == CHAT_KEPT == 500
    assert kept[0].seq == 3
    assert kept[-1].seq == CHAT_KEPT + 2


# Synced


def test_synced_raises_the_seq(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(5))

    mirror.apply(Synced(conversation_id=CID, seq=12))

    assert mirror.conversations[CID].seq == 12
    mirror.apply(delivery(12, message("old")))
    mirror.apply(delivery(13, message("new")))
    assert mirror.conversations[CID].chats == {"main": deque([record(13, message("new"))])}
    assert [change.kind for change in changes] == [ChangeKind.SNAPSHOT, ChangeKind.RECORD]


def test_synced_never_lowers_the_seq(mirror: Mirror) -> None:
    mirror.apply(snapshot(5))
    mirror.apply(delivery(6, message("hi")))

    mirror.apply(Synced(conversation_id=CID, seq=2))

    assert mirror.conversations[CID].seq == 6


# Calls


def test_call_states_are_kept_per_room(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(5))
    main = call(None, MOD)
    red = call(RED, ANN, BEN)
    red_later = call(RED, ANN)
    red_empty = call(RED)

    mirror.apply(main)
    mirror.apply(red)
    assert mirror.conversations[CID].calls == {None: main, RED: red}
    mirror.apply(red_later)
    assert mirror.conversations[CID].calls == {None: main, RED: red_later}
    mirror.apply(red_empty)
    assert mirror.conversations[CID].calls == {None: main}
    mirror.apply(call(BLUE))
    assert mirror.conversations[CID].calls == {None: main}

    assert changes[1:] == [
        Change(CID, ChangeKind.CALL, call=main),
        Change(CID, ChangeKind.CALL, call=red),
        Change(CID, ChangeKind.CALL, call=red_later),
        Change(CID, ChangeKind.CALL, call=red_empty),
        Change(CID, ChangeKind.CALL, call=call(BLUE)),
    ]
    assert mirror.conversations[CID].seq == 5


def test_call_of_finds_the_room_of_a_participant(mirror: Mirror) -> None:
    mirror.apply(snapshot(5, calls=(call(None, MOD), call(RED, ANN), call(BLUE))))

    copy = mirror.conversations[CID]
    assert copy.calls == {None: call(None, MOD), RED: call(RED, ANN)}
    assert copy.call_of(ANN) == RED
    assert copy.call_of(MOD) is None
    assert copy.call_of(BEN) is False


# Removal and resuming


@pytest.mark.parametrize("reason", list(RemovalReason))
def test_removed_drops_the_conversation(
    mirror: Mirror, changes: list[Change], reason: RemovalReason
) -> None:
    mirror.apply(snapshot(5))
    mirror.apply(snapshot(3, cid=OTHER))

    mirror.apply(Removed(conversation_id=CID, reason=reason))

    assert list(mirror.conversations) == [OTHER]
    assert changes[2:] == [Change(CID, ChangeKind.REMOVED, reason=reason)]
    assert mirror.resume() == {OTHER: 3}


def test_resume_maps_each_conversation_to_its_seq(mirror: Mirror) -> None:
    assert mirror.resume() == {}
    mirror.apply(snapshot(5))
    mirror.apply(snapshot(3, cid=OTHER))
    mirror.apply(delivery(6, message("hi")))
    mirror.apply(delivery(7, ASSIGNED))
    mirror.apply(Synced(conversation_id=OTHER, seq=9))

    assert mirror.resume() == {CID: 7, OTHER: 9}


def test_a_resync_snapshot_replaces_everything(mirror: Mirror, changes: list[Change]) -> None:
    mirror.apply(snapshot(5, calls=(call(RED, ANN),)))
    mirror.apply(delivery(6, message("before the gap")))
    mirror.apply(delivery(7, ASSIGNED))
    renamed = evolve(with_ann(), ConversationRenamed(title="After the gap"))

    mirror.apply(snapshot(40, renamed, calls=(call(None, MOD),), resync=True))

    copy = mirror.conversations[CID]
    assert copy.conversation == renamed
    assert copy.seq == 40
    assert copy.chats == {}
    assert copy.calls == {None: call(None, MOD)}
    assert changes[-1] == Change(CID, ChangeKind.SNAPSHOT)
    mirror.apply(delivery(41, message("after the gap")))
    assert copy.chats == {"main": deque([record(41, message("after the gap"))])}


def test_a_plain_snapshot_keeps_the_chats(mirror: Mirror) -> None:
    mirror.apply(snapshot(5))
    mirror.apply(delivery(6, message("kept")))

    mirror.apply(snapshot(6))

    assert mirror.conversations[CID].chats == {"main": deque([record(6, message("kept"))])}


# Listeners


def test_every_listener_hears_each_change_until_it_unsubscribes(mirror: Mirror) -> None:
    first: list[Change] = []
    second: list[Change] = []
    stop_first = mirror.subscribe(first.append)
    mirror.subscribe(second.append)

    mirror.apply(snapshot(5))
    stop_first()
    mirror.apply(delivery(6, message("hi")))

    assert first == [Change(CID, ChangeKind.SNAPSHOT)]
    assert second == [
        Change(CID, ChangeKind.SNAPSHOT),
        Change(CID, ChangeKind.RECORD, record=record(6, message("hi"))),
    ]


def test_a_listener_may_unsubscribe_while_being_told(mirror: Mirror) -> None:
    heard: list[ChangeKind] = []
    others: list[ChangeKind] = []

    def once(change: Change) -> None:
        heard.append(change.kind)
        stop()

    stop = mirror.subscribe(once)
    mirror.subscribe(lambda change: others.append(change.kind))

    mirror.apply(snapshot(5))
    mirror.apply(delivery(6, message("hi")))

    assert heard == [ChangeKind.SNAPSHOT]
    assert others == [ChangeKind.SNAPSHOT, ChangeKind.RECORD]

"""The panel's working copy of a plan: order, conflicts, refusals, pins, fixes."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    DistributeOptions,
    Member,
    Placement,
    PlacementReason,
    ProblemKind,
    RoomId,
    UserId,
    analyze,
    created,
    execute,
)
from desktop.core.commands import (
    AddMember,
    AddRoom,
    Command,
    PlaceAttendees,
    RemoveRoom,
    SetUpBreakouts,
)
from desktop.core.events import ConversationCreated
from desktop.ui.plan_draft import Bucket, MoveRefused, PlanDraft

OWNER = UserId("owner")
PHONE = AudioConnection.PHONE
VOIP = AudioConnection.VOIP
LISTENING = AudioConnection.JUST_LISTENING
ROOM_1, ROOM_2, ROOM_3, ROOM_4 = (RoomId(number) for number in range(1, 5))

# Mixed case and an accent, and not in the order of the ids, so that sorting by
# name is really tested.
NAMES = ("Zeynep", "amara", "Lukas", "Yui", "bruno", "Kofi", "Émile", "chen", "Oisín", "Ravi")


def user(number: int) -> UserId:
    return UserId(f"p{number}")


def run(conversation: Conversation, command: Command) -> Conversation:
    return execute(conversation, OWNER, command, 0.0)[0]


def workshop(
    *audio: AudioConnection,
    rooms: int = 3,
    limit: int = 7,
    mode: AssignmentMode = AssignmentMode.MANUAL,
) -> Conversation:
    """The owner, participants ``p1``… with ``audio`` and ``rooms`` rooms (ids 1…)."""
    owner = Member(user_id=OWNER, display_name="Olivia Owner")
    conversation = created(
        ConversationCreated(conversation_id="c-1", title="Workshop", owner=owner)
    )
    for number, connection in enumerate(audio, start=1):
        name = f"{NAMES[(number - 1) % len(NAMES)]} {(number - 1) // len(NAMES) + 1}"
        command = AddMember(user_id=user(number), display_name=name, audio=connection)
        conversation = run(conversation, command)
    names = tuple(f"Room {number}" for number in range(1, rooms + 1))
    settings = BreakoutSettings(mode=mode, phone_room_limit=limit)
    return run(conversation, SetUpBreakouts(room_names=names, settings=settings))


def placed(conversation: Conversation, rooms_of: dict[UserId, RoomId]) -> Conversation:
    placements = tuple(Placement(u, room) for u, room in rooms_of.items())
    return run(conversation, PlaceAttendees(placements=placements))


def expected_order(draft: PlanDraft, users: Iterable[UserId]) -> list[UserId]:
    """Phone first, then VOIP, then Just Listening; by name within each."""
    rank = {PHONE: 0, VOIP: 1, LISTENING: 2}

    def key(u: UserId) -> tuple[int, str, str]:
        member = draft.members[u]
        return rank[member.audio], member.display_name.casefold(), u

    return sorted(users, key=key)


def buckets(draft: PlanDraft) -> list[Bucket]:
    return [None, *(room.id for room in draft.rooms)]


def assert_consistent(draft: PlanDraft) -> None:
    """The incremental state equals what the domain computes from scratch."""
    plan = draft.plan()
    for bucket in buckets(draft):
        members = [u for u in draft.members if plan.rooms_of.get(u) == bucket]
        assert list(draft.people(bucket)) == expected_order(draft, members), bucket
    report = analyze(draft.members, plan.rooms_of, draft.positions, draft.limit)
    conflicted = {room.id for room in draft.rooms if draft.has_conflict(room.id)}
    assert conflicted == set(report.rooms)
    assert {u for u in draft.members if draft.is_affected(u)} == report.affected
    assert draft.conflict_count() == len(report.rooms)
    assert not draft.has_conflict(None)
    for room_id, conflict in report.rooms.items():
        assert set(draft.phone_people(room_id)) == conflict.phone_attendees
    assert report.phone_violations == ()


# Order


def test_people_are_listed_phone_first_then_by_name() -> None:
    draft = PlanDraft(workshop(VOIP, LISTENING, PHONE, VOIP, PHONE, LISTENING, VOIP), OWNER)

    people = list(draft.people(None))

    assert people == expected_order(draft, draft.members)
    assert [draft.members[u].audio for u in people] == [PHONE] * 2 + [VOIP] * 3 + [LISTENING] * 2
    assert people[:2] == [user(5), user(3)]  # "bruno" before "Lukas": case does not count
    assert OWNER not in draft.members  # moderators are not distributed


def test_moves_keep_each_room_in_order() -> None:
    draft = PlanDraft(workshop(*[VOIP, PHONE, LISTENING] * 4), OWNER)

    for number in (7, 1, 12, 2, 9):
        draft.move([user(number)], ROOM_1)
    draft.move([user(4), user(6), user(3)], ROOM_1)
    draft.move([user(1), user(3)], ROOM_2)

    assert list(draft.people(ROOM_1)) == expected_order(
        draft, [user(n) for n in (2, 4, 6, 7, 9, 12)]
    )
    assert list(draft.people(ROOM_2)) == expected_order(draft, [user(1), user(3)])
    assert_consistent(draft)


def test_insertion_row_is_where_a_move_puts_the_attendee() -> None:
    draft = PlanDraft(placed(workshop(VOIP, VOIP, PHONE, VOIP), {user(1): ROOM_1}), OWNER)
    draft.move([user(2), user(3)], ROOM_1)

    row = draft.insertion_row(user(4), ROOM_1)
    draft.move([user(4)], ROOM_1)

    assert draft.people(ROOM_1)[row] == user(4)


# Conflicts


def test_a_phone_attendee_among_voices_is_a_conflict_of_that_room_only() -> None:
    draft = PlanDraft(workshop(PHONE, VOIP, LISTENING, PHONE), OWNER)

    moved = draft.move([user(2), user(3)], ROOM_1)
    assert draft.conflict_count() == 0
    draft.move([user(1)], ROOM_1)
    draft.move([user(4)], ROOM_2)

    assert moved.sources == frozenset({None})
    assert moved.target == ROOM_1
    assert draft.has_conflict(ROOM_1)
    assert not draft.has_conflict(ROOM_2)
    assert [draft.is_affected(user(n)) for n in (1, 2, 3, 4)] == [False, True, True, False]
    assert draft.phone_people(ROOM_1) == [user(1)]
    assert draft.conflict_count() == 1
    assert_consistent(draft)

    draft.move([user(1)], ROOM_2)

    assert draft.conflict_count() == 0
    assert not draft.is_affected(user(2))
    assert_consistent(draft)


ATTENDEES = 12
ROOMS = 9
LIMIT = 7
CROWD = workshop(*[PHONE, VOIP, VOIP, LISTENING] * 3, rooms=ROOMS, limit=LIMIT)

moves = st.lists(
    st.tuples(
        st.sets(st.integers(1, ATTENDEES), min_size=1, max_size=4),
        st.integers(0, ROOMS),  # 0 is the Unassigned list
    ),
    max_size=30,
)


@given(moves)
def test_the_conflict_state_kept_by_moves_equals_the_domains(
    steps: list[tuple[set[int], int]],
) -> None:
    draft = PlanDraft(CROWD, OWNER)
    for numbers, room in steps:
        users = sorted(user(n) for n in numbers)
        target = None if room == 0 else RoomId(room)
        before = draft.plan()
        try:
            draft.move(users, target)
        except MoveRefused:
            assert room > LIMIT
            assert any(draft.members[u].audio is PHONE for u in users)
            assert draft.plan() == before
        else:
            assert all(draft.bucket_of(u) == target for u in users)
        assert_consistent(draft)


# The phone bridge's reach


def test_a_phone_attendee_is_refused_beyond_the_limit_with_a_reason() -> None:
    draft = PlanDraft(workshop(PHONE, VOIP, rooms=3, limit=2), OWNER)
    before = draft.plan()

    with pytest.raises(MoveRefused) as refused:
        draft.move([user(1)], ROOM_3)

    message = str(refused.value)
    assert draft.members[user(1)].display_name in message
    assert "1–2" in message
    assert "room 3" in message
    assert draft.plan() == before
    assert draft.refusal([user(1)], ROOM_3) == message
    assert draft.refusal([user(1)], ROOM_2) is None
    assert draft.refusal([user(1)], None) is None


def test_a_group_with_callers_is_refused_as_a_whole() -> None:
    draft = PlanDraft(workshop(PHONE, VOIP, PHONE, rooms=3, limit=2), OWNER)

    with pytest.raises(MoveRefused, match="2 attendees are on the phone"):
        draft.move([user(1), user(2), user(3)], ROOM_3)

    assert list(draft.people(None)) == expected_order(draft, draft.members)
    assert draft.move([user(2)], ROOM_3).users == (user(2),)
    assert draft.people(ROOM_3) == [user(2)]


# Pins


def test_moved_attendees_are_pinned_as_placed_by_a_moderator() -> None:
    draft = PlanDraft(workshop(VOIP, PHONE, mode=AssignmentMode.AUTOMATIC), OWNER)
    assert not draft.pinned

    draft.move([user(1), user(2)], ROOM_3)

    assert draft.pinned == {user(1), user(2)}
    assert draft.reasons[user(1)] is PlacementReason.MANUAL
    assert draft.plan().reasons[user(2)] is PlacementReason.MANUAL

    draft.move([user(1)], None)

    assert draft.pinned == {user(2)}
    assert user(1) not in draft.reasons
    assert user(1) not in draft.plan().rooms_of


def test_moving_someone_within_their_room_pins_them_there() -> None:
    draft = PlanDraft(placed(workshop(VOIP, VOIP), {user(1): ROOM_2}), OWNER)

    moved = draft.move([user(1)], ROOM_2)

    assert moved.sources == frozenset({ROOM_2})
    assert draft.pinned == {user(1)}
    assert draft.people(ROOM_2) == [user(1)]


def test_smart_distribute_places_everyone_else_and_keeps_the_pins() -> None:
    draft = PlanDraft(workshop(*[PHONE, VOIP, VOIP, LISTENING] * 5, rooms=4), OWNER)
    draft.move([user(2), user(3)], ROOM_3)
    draft.move([user(1)], ROOM_3)  # a conflict of the moderator's own making

    draft.distribute(DistributeOptions(seed=3))
    first = draft.plan()
    draft.distribute(DistributeOptions(seed=4))

    for plan in (first, draft.plan()):
        assert {plan.rooms_of[user(n)] for n in (1, 2, 3)} == {ROOM_3}
        assert {user(1), user(2), user(3)} <= plan.pinned
        assert set(plan.rooms_of) == set(draft.members)
    assert draft.people(None) == []
    assert draft.conflict_count() == 1  # only the pinned one
    assert_consistent(draft)


def test_unassign_all_empties_every_room() -> None:
    draft = PlanDraft(workshop(VOIP, PHONE, LISTENING, mode=AssignmentMode.AUTOMATIC), OWNER)
    draft.move([user(1)], ROOM_2)

    draft.unassign_all()

    assert draft.plan().rooms_of == {}
    assert not draft.pinned
    assert list(draft.people(None)) == expected_order(draft, draft.members)


# Readiness fixes and the room changes they make


def test_removing_an_empty_room_is_a_room_change() -> None:
    conversation = placed(workshop(VOIP, VOIP, rooms=3), {user(1): ROOM_1, user(2): ROOM_2})
    draft = PlanDraft(conversation, OWNER)
    (empty,) = [p for p in draft.readiness() if p.kind is ProblemKind.EMPTY_ROOM]

    draft.fix(empty)

    assert [room.id for room in draft.rooms] == [ROOM_1, ROOM_2]
    assert draft.room_changes() == [RemoveRoom(room_id=ROOM_3)]
    assert draft.readiness() == ()
    assert [room.id for room in draft.saved.breakouts.rooms] == [ROOM_1, ROOM_2, ROOM_3]


def test_a_conflict_without_a_clean_room_is_fixed_in_a_new_room() -> None:
    conversation = placed(
        workshop(PHONE, VOIP, PHONE, VOIP, rooms=2),
        {user(1): ROOM_1, user(2): ROOM_1, user(3): ROOM_2, user(4): ROOM_2},
    )
    draft = PlanDraft(conversation, OWNER)
    assert draft.conflict_count() == 2
    first = next(p for p in draft.readiness() if p.kind is ProblemKind.AUDIO_CONFLICT)

    draft.fix(first)

    assert [room.name for room in draft.rooms] == ["Room 1", "Room 2", "Room 3"]
    assert draft.room_changes() == [AddRoom(name="Room 3")]
    assert draft.conflict_count() == 1
    assert draft.people(RoomId(3)) != []
    assert_consistent(draft)


def test_room_changes_list_removals_before_additions() -> None:
    conversation = placed(
        workshop(PHONE, VOIP, VOIP, rooms=3),
        {user(1): ROOM_1, user(2): ROOM_1, user(3): ROOM_2},
    )
    draft = PlanDraft(conversation, OWNER)
    (empty,) = [p for p in draft.readiness() if p.kind is ProblemKind.EMPTY_ROOM]
    draft.fix(empty)
    draft.move([user(3)], ROOM_1)
    (conflict,) = [p for p in draft.readiness() if p.kind is ProblemKind.AUDIO_CONFLICT]

    draft.fix(conflict)

    changes = draft.room_changes()
    assert changes[0] == RemoveRoom(room_id=ROOM_3)
    assert [type(change) for change in changes[1:]] in ([], [AddRoom])
    assert draft.conflict_count() == 0


def test_a_fix_keeps_the_drafts_own_moves() -> None:
    draft = PlanDraft(workshop(VOIP, VOIP, VOIP, rooms=2), OWNER)
    draft.move([user(1)], ROOM_2)
    (unassigned,) = [p for p in draft.readiness() if p.kind is ProblemKind.UNASSIGNED]

    draft.fix(unassigned)

    assert draft.bucket_of(user(1)) == ROOM_2
    assert user(1) in draft.pinned
    assert draft.people(None) == []
    assert draft.saved.breakouts.plan.rooms_of == {}  # the saved state is untouched


# Round trips


def test_the_saved_plan_comes_back_unchanged() -> None:
    conversation = workshop(*[PHONE, VOIP, LISTENING] * 4, rooms=4, mode=AssignmentMode.AUTOMATIC)
    conversation = run(
        conversation, PlaceAttendees(placements=(Placement(user(2), ROOM_2, pinned=True),))
    )

    draft = PlanDraft(conversation, OWNER)

    assert draft.plan() == conversation.breakouts.plan
    assert draft.as_conversation() == conversation
    assert draft.room_changes() == []


def test_a_draft_of_the_drafted_conversation_is_the_same_draft() -> None:
    draft = PlanDraft(workshop(*[PHONE, VOIP, LISTENING] * 4, rooms=4), OWNER)
    draft.distribute(DistributeOptions(seed=1))
    draft.move([user(2), user(5)], ROOM_4)
    draft.move([user(3)], None)

    again = PlanDraft(draft.as_conversation(), OWNER)

    assert again.plan() == draft.plan()
    assert again.pinned == {user(2), user(5)}
    assert again.bucket_of(user(5)) == ROOM_4
    for bucket in buckets(draft):
        assert again.people(bucket) == draft.people(bucket)

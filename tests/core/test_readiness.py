"""The readiness check: each problem, and that its one-call fix settles it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
    analyze,
    check_readiness,
    execute,
)
from desktop.core.commands import (
    AddMember,
    Batch,
    ChangeSettings,
    Command,
    PlaceAttendees,
    SetUpBreakouts,
)
from desktop.core.conversation import created
from desktop.core.events import ConversationCreated

PHONE = AudioConnection.PHONE
VOIP = AudioConnection.VOIP
LISTENING = AudioConnection.JUST_LISTENING
HOST = UserId("host")
NOW = 1_000.0


def run(conversation: Conversation, *commands: Command) -> Conversation:
    for command in commands:
        conversation, _ = execute(conversation, HOST, command, NOW)
    return conversation


def workshop(
    *audios: AudioConnection,
    rooms: int = 3,
    mode: AssignmentMode = AssignmentMode.MANUAL,
    limit: int = 7,
) -> Conversation:
    owner = Member(user_id=HOST, display_name="Host")
    conversation = created(ConversationCreated(conversation_id="c", title="W", owner=owner))
    return run(
        conversation,
        *(
            AddMember(user_id=UserId(f"p{n}"), display_name=f"P{n}", audio=audio)
            for n, audio in enumerate(audios)
        ),
        SetUpBreakouts(
            room_names=tuple(f"Room {n}" for n in range(1, rooms + 1)),
            settings=BreakoutSettings(mode=mode, phone_room_limit=limit),
        ),
    )


def place(conversation: Conversation, **placed: int) -> Conversation:
    """Place ``p0=1`` (attendee p0 into the first room) and so on."""
    room_ids = [room.id for room in conversation.breakouts.rooms]
    placements = tuple(
        Placement(UserId(user), room_ids[index - 1]) for user, index in placed.items()
    )
    return run(conversation, PlaceAttendees(placements=placements))


def kinds(conversation: Conversation) -> list[ProblemKind]:
    return [problem.kind for problem in check_readiness(conversation)]


def fixed(conversation: Conversation, kind: ProblemKind) -> Conversation:
    (problem,) = [p for p in check_readiness(conversation) if p.kind is kind]
    return run(conversation, problem.fix)


def test_a_conversation_without_rooms_has_no_problems() -> None:
    owner = Member(user_id=HOST, display_name="Host")
    conversation = created(ConversationCreated(conversation_id="c", title="W", owner=owner))
    assert check_readiness(conversation) == ()


def test_a_good_plan_has_no_problems() -> None:
    conversation = place(workshop(PHONE, VOIP, VOIP, rooms=2), p0=1, p1=2, p2=2)
    assert check_readiness(conversation) == ()


def test_unassigned_attendees_are_placed_by_the_fix() -> None:
    conversation = place(workshop(VOIP, VOIP, PHONE, rooms=2), p0=1)
    problem, empty = check_readiness(conversation)
    assert (problem.kind, empty.kind) == (ProblemKind.UNASSIGNED, ProblemKind.EMPTY_ROOM)
    assert problem.user_ids == {UserId("p1"), UserId("p2")}
    assert "P1 and P2 have no room yet" in problem.message
    assert check_readiness(fixed(conversation, ProblemKind.UNASSIGNED)) == ()


def test_an_audio_conflict_names_who_cannot_hear_whom_and_is_fixed() -> None:
    conversation = place(workshop(PHONE, VOIP, LISTENING, VOIP, rooms=2), p0=1, p1=1, p2=1, p3=2)
    (problem,) = check_readiness(conversation)
    assert problem.kind is ProblemKind.AUDIO_CONFLICT
    assert problem.message == "In 'Room 1', P0 on the phone cannot hear P1 and P2."
    # The phone attendee is the smaller side, but room 2 has a VOIP attendee: no clean
    # room for the phone, so the two voices move to room 2 instead.
    assert problem.fix_label == "Move P1 and P2 to another room"
    after = fixed(conversation, ProblemKind.AUDIO_CONFLICT)
    assert check_readiness(after) == ()


def test_a_conflict_with_no_room_to_spare_gets_a_new_room() -> None:
    conversation = place(workshop(PHONE, VOIP, rooms=1), p0=1, p1=1)
    (problem,) = check_readiness(conversation)
    assert isinstance(problem.fix, Batch)
    after = fixed(conversation, ProblemKind.AUDIO_CONFLICT)
    assert len(after.breakouts.rooms) == 2
    assert check_readiness(after) == ()


def test_a_phone_beyond_a_lowered_limit_is_moved_back() -> None:
    conversation = place(workshop(PHONE, VOIP, VOIP, rooms=3), p0=3, p1=1, p2=2)
    conversation = run(conversation, ChangeSettings(settings=BreakoutSettings(phone_room_limit=2)))
    problems = check_readiness(conversation)
    assert [p.kind for p in problems] == [ProblemKind.PHONE_ROOM_LIMIT]
    assert "the bridge reaches rooms 1–2" in problems[0].message
    after = fixed(conversation, ProblemKind.PHONE_ROOM_LIMIT)
    assert ProblemKind.PHONE_ROOM_LIMIT not in kinds(after)


def test_a_listeners_only_room_gets_a_speaker_swapped_in() -> None:
    conversation = place(
        workshop(LISTENING, LISTENING, VOIP, VOIP, rooms=2), p0=1, p1=1, p2=2, p3=2
    )
    assert kinds(conversation) == [ProblemKind.LISTENERS_ONLY]
    after = fixed(conversation, ProblemKind.LISTENERS_ONLY)
    assert check_readiness(after) == ()
    assert [len(after.breakouts.members_of(room.id)) for room in after.breakouts.rooms] == [2, 2]


def test_listeners_join_the_only_speaker_when_none_is_spare() -> None:
    conversation = place(workshop(LISTENING, VOIP, rooms=2), p0=1, p1=2)
    after = fixed(conversation, ProblemKind.LISTENERS_ONLY)
    assert kinds(after) == [ProblemKind.EMPTY_ROOM]


def test_nobody_able_to_speak_anywhere_is_not_a_problem_to_fix() -> None:
    conversation = place(workshop(LISTENING, LISTENING, rooms=2), p0=1, p1=2)
    assert check_readiness(conversation) == ()


def test_an_empty_room_is_removed_by_the_fix() -> None:
    conversation = place(workshop(VOIP, rooms=2), p0=1)
    assert kinds(conversation) == [ProblemKind.EMPTY_ROOM]
    after = fixed(conversation, ProblemKind.EMPTY_ROOM)
    assert len(after.breakouts.rooms) == 1
    assert check_readiness(after) == ()


def test_participants_choosing_their_rooms_are_not_unassigned() -> None:
    conversation = workshop(VOIP, VOIP, rooms=2, mode=AssignmentMode.FREE_CHOICE)
    assert check_readiness(conversation) == ()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(list(AudioConnection)), min_size=1, max_size=12),
    st.lists(st.one_of(st.none(), st.integers(1, 4)), max_size=12),
    st.integers(1, 4),
    st.integers(1, 4),
)
def test_every_fix_applies_and_settles_its_problem(
    audios: list[AudioConnection], picks: list[int | None], room_count: int, limit: int
) -> None:
    conversation = workshop(*audios, rooms=room_count, limit=8)
    room_ids = [room.id for room in conversation.breakouts.rooms]
    placements = tuple(
        Placement(UserId(f"p{n}"), room_ids[(pick - 1) % room_count])
        for n, pick in enumerate(picks[: len(audios)])
        if pick is not None
    )
    if placements:
        conversation = run(conversation, PlaceAttendees(placements=placements))
    conversation = run(
        conversation, ChangeSettings(settings=BreakoutSettings(phone_room_limit=limit))
    )
    for problem in check_readiness(conversation):
        after = run(conversation, problem.fix)
        remaining = [
            p
            for p in check_readiness(after)
            if (p.kind, p.room_id) == (problem.kind, problem.room_id)
        ]
        if problem.kind is ProblemKind.EMPTY_ROOM:
            assert problem.room_id not in {room.id for room in after.breakouts.rooms}
        else:
            assert not remaining, (problem, remaining)
        if problem.kind in _REARRANGING:
            _assert_no_new_conflict(conversation, after)


# Placing someone new can meet a conflict nobody could avoid (one room, both kinds);
# rearranging never creates one.
_REARRANGING = {ProblemKind.AUDIO_CONFLICT, ProblemKind.LISTENERS_ONLY, ProblemKind.EMPTY_ROOM}


def _assert_no_new_conflict(before: Conversation, after: Conversation) -> None:
    def affected(conversation: Conversation) -> frozenset[UserId]:
        breakouts = conversation.breakouts
        return analyze(
            conversation.members,
            breakouts.plan.rooms_of,
            breakouts.positions(),
            breakouts.settings.phone_room_limit,
        ).affected

    assert affected(after) <= affected(before) | _moved(before, after)


def _moved(before: Conversation, after: Conversation) -> frozenset[UserId]:
    old, new = before.breakouts.plan.rooms_of, after.breakouts.plan.rooms_of
    return frozenset(user for user in new if old.get(user) != new[user])


def test_room_ids_in_fixes_are_the_ones_the_rooms_get() -> None:
    conversation = place(workshop(PHONE, VOIP, rooms=1), p0=1, p1=1)
    (problem,) = check_readiness(conversation)
    assert isinstance(problem.fix, Batch)
    place_command = problem.fix.commands[1]
    assert isinstance(place_command, PlaceAttendees)
    new_room = place_command.placements[0].room_id
    assert new_room == RoomId(conversation.breakouts.next_room_id)

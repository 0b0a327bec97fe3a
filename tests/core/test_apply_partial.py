"""Applying part of a plan: only the named attendees change, everyone else stays."""

from __future__ import annotations

import pytest
from builders import (
    M1,
    OWNER,
    P1,
    P2,
    P3,
    P4,
    PHONE,
    ROOM_1,
    ROOM_2,
    ROOM_3,
    STRANGER,
    T0,
    TIMED,
    VOIP,
    conversation_with,
    in_phase,
    refusal,
    run,
    set_up,
)
from hypothesis import given
from hypothesis import strategies as st

from desktop.core import (
    BreakoutSettings,
    Conversation,
    ErrorCode,
    Phase,
    Placement,
    PlacementReason,
    RoomId,
    execute,
)
from desktop.core.commands import ApplyBreakouts
from desktop.core.events import AttendeesPlaced, BreakoutsApplied, SessionStarted

BALANCED = PlacementReason.BALANCED
PHONE_ROOMS = PlacementReason.PHONE_ROOMS


def partial(*placements: Placement, start: bool = False) -> ApplyBreakouts:
    return ApplyBreakouts(placements=placements, start=start, partial=True)


def planned() -> Conversation:
    """Four VOIP attendees and a second moderator in three rooms: ``p1`` pinned
    in room 1, ``p2`` in room 2 and ``p3`` in room 3 (both balanced), ``p4`` in
    none."""
    conversation = set_up(conversation_with(VOIP, VOIP, VOIP, VOIP, moderators=1), 3, TIMED)
    whole = ApplyBreakouts(
        placements=(
            Placement(P1, ROOM_1, True, PlacementReason.PINNED),
            Placement(P2, ROOM_2, False, BALANCED),
            Placement(P3, ROOM_3, False, BALANCED),
        )
    )
    return run(conversation, whole)


def test_a_partial_apply_changes_only_the_attendees_it_names() -> None:
    conversation = planned()
    moved = Placement(P2, ROOM_3, False, BALANCED)
    after, events = execute(conversation, OWNER, partial(moved), T0)
    assert events == (AttendeesPlaced(placements=(moved,)), BreakoutsApplied())
    plan = after.breakouts.plan
    assert plan.rooms_of == {P1: ROOM_1, P2: ROOM_3, P3: ROOM_3}
    assert plan.pinned == frozenset({P1})
    assert plan.reasons == {P1: PlacementReason.PINNED, P2: BALANCED, P3: BALANCED}


def test_a_partial_apply_unassigns_with_no_room() -> None:
    conversation = planned()
    after, events = execute(conversation, OWNER, partial(Placement(P1, None)), T0)
    assert events == (AttendeesPlaced(placements=(Placement(P1, None),)), BreakoutsApplied())
    assert after.breakouts.plan.rooms_of == {P2: ROOM_2, P3: ROOM_3}
    assert after.breakouts.plan.pinned == frozenset()
    assert P1 not in after.breakouts.plan.reasons


def test_a_partial_apply_keeps_the_reasons_it_is_given() -> None:
    conversation = planned()
    placements = (Placement(P4, ROOM_1, False, BALANCED), Placement(P3, ROOM_3, True, BALANCED))
    after, events = execute(conversation, OWNER, partial(*placements), T0)
    placed = events[0]
    assert isinstance(placed, AttendeesPlaced)
    assert set(placed.placements) == set(placements)
    assert after.breakouts.plan.reasons[P4] is BALANCED
    assert after.breakouts.plan.reasons[P3] is BALANCED
    assert after.breakouts.plan.pinned == frozenset({P1, P3})


def test_a_partial_apply_reports_only_real_changes() -> None:
    conversation = planned()
    same = Placement(P2, ROOM_2, False, BALANCED)
    new_reason = Placement(P3, ROOM_3, False, PlacementReason.MANUAL)
    unassigned_already = Placement(P4, None)
    after, events = execute(conversation, OWNER, partial(same, new_reason, unassigned_already), T0)
    assert events == (AttendeesPlaced(placements=(new_reason,)), BreakoutsApplied())
    assert after.breakouts.plan.reasons[P3] is PlacementReason.MANUAL


def test_an_empty_partial_apply_only_saves_the_plan() -> None:
    conversation = in_phase(Phase.ENDED)
    after, events = execute(conversation, OWNER, partial(), T0 + 30)
    assert events == (BreakoutsApplied(),)
    assert after.breakouts.phase is Phase.CONFIGURED
    assert after.breakouts.plan == conversation.breakouts.plan


def test_a_partial_apply_can_start_the_session() -> None:
    conversation = planned()
    after, events = execute(conversation, OWNER, partial(start=True), T0 + 5)
    assert events == (BreakoutsApplied(), SessionStarted(started_at=T0 + 5, deadline=T0 + 605))
    assert after.breakouts.phase is Phase.RUNNING
    assert after.breakouts.current_room(P2) == ROOM_2


def test_a_partial_apply_with_changes_and_start_places_then_starts() -> None:
    conversation = planned()
    moved = Placement(P4, ROOM_2, False, BALANCED)
    after, events = execute(conversation, OWNER, partial(moved, start=True), T0)
    assert [type(event) for event in events] == [AttendeesPlaced, BreakoutsApplied, SessionStarted]
    assert after.breakouts.current_room(P4) == ROOM_2
    assert after.breakouts.current_room(P1) == ROOM_1


@pytest.mark.parametrize(
    ("phase", "code"),
    [
        (Phase.NOT_CONFIGURED, ErrorCode.NOT_SET_UP),
        (Phase.RUNNING, ErrorCode.ILLEGAL_TRANSITION),
        (Phase.CLOSING, ErrorCode.ILLEGAL_TRANSITION),
    ],
)
def test_a_partial_apply_is_refused_outside_the_idle_phases(phase: Phase, code: ErrorCode) -> None:
    assert refusal(in_phase(phase), partial(Placement(P3, ROOM_3))) is code


@pytest.mark.parametrize(
    ("placement", "code"),
    [
        (Placement(M1, ROOM_1), ErrorCode.MODERATOR_NOT_ASSIGNABLE),
        (Placement(OWNER, None), ErrorCode.MODERATOR_NOT_ASSIGNABLE),
        (Placement(P1, RoomId(99)), ErrorCode.UNKNOWN_ROOM),
        (Placement(STRANGER, ROOM_1), ErrorCode.NOT_A_MEMBER),
        (Placement(P4, ROOM_3), ErrorCode.PHONE_ROOM_LIMIT),
    ],
)
def test_partial_applies_are_checked_like_whole_ones(placement: Placement, code: ErrorCode) -> None:
    # p4 is on the phone, and only rooms 1 and 2 reach the bridge.
    members = conversation_with(VOIP, VOIP, VOIP, PHONE, moderators=1)
    conversation = set_up(members, 3, BreakoutSettings(phone_room_limit=2))
    command = partial(Placement(P2, ROOM_2), placement, start=True)
    assert refusal(conversation, command) is code


def test_participants_cannot_apply_part_of_a_plan() -> None:
    assert refusal(planned(), partial(), actor=P1) is ErrorCode.FORBIDDEN


# Saving a plan in parts gives the same plan as saving it whole.

USERS = (P1, P2, P3, P4)
ROOMS = (None, ROOM_1, ROOM_2, ROOM_3)

placements = st.builds(
    Placement,
    st.sampled_from(USERS),
    st.sampled_from(ROOMS),
    st.booleans(),
    st.sampled_from([BALANCED, PHONE_ROOMS, PlacementReason.MANUAL]),
)


def whole(plan_placements: list[Placement]) -> ApplyBreakouts:
    return ApplyBreakouts(placements=tuple(plan_placements))


@given(
    st.lists(placements, max_size=6),
    st.lists(placements, max_size=4, unique_by=lambda placement: placement.user_id),
    st.integers(0, 4),
)
def test_a_plan_saved_in_parts_equals_the_plan_saved_whole(
    saved: list[Placement], wanted: list[Placement], cut: int
) -> None:
    conversation = run(planned(), whole(saved))
    expected = run(conversation, whole(wanted)).breakouts.plan
    wanted_users = {placement.user_id for placement in wanted}
    changes = [*wanted, *(Placement(user, None) for user in USERS if user not in wanted_users)]
    first = run(conversation, partial(*changes[:cut]))
    last = run(first, partial(*changes[cut:]))
    assert last.breakouts.plan == expected


def test_users_named_twice_take_the_last_placement() -> None:
    conversation = planned()
    command = partial(Placement(P4, ROOM_1), Placement(P4, ROOM_2))
    assert run(conversation, command).breakouts.plan.rooms_of[P4] == ROOM_2

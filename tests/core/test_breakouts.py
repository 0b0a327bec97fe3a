"""Small pieces of the breakout model: reasons, the phone bridge, the plan."""

from __future__ import annotations

import pytest

from desktop.core import (
    PhoneBridge,
    Placement,
    PlacementReason,
    Plan,
    RoomId,
    UserId,
    describe_reason,
)


def test_every_reason_has_words() -> None:
    for reason in PlacementReason:
        assert describe_reason(reason, 7)


def test_the_phone_reason_names_the_limit() -> None:
    assert describe_reason(PlacementReason.PHONE_ROOMS, 5) == "phone: rooms 1–5 only"


@pytest.mark.parametrize(("position", "pin"), [(1, "1111"), (3, "3333"), (0, None), (4, None)])
def test_a_bridge_pin_belongs_to_a_room_position(position: int, pin: str | None) -> None:
    bridge = PhoneBridge("+41 44 000 00 00", ("1111", "2222", "3333"))
    assert bridge.pin_for(position) == pin


def test_placing_pins_and_unassigning_clears_pin_and_reason() -> None:
    ann = UserId("ann")
    plan = Plan().with_placements((Placement(ann, RoomId(2), pinned=True),))
    assert plan.rooms_of == {ann: RoomId(2)}
    assert plan.pinned == {ann}
    assert plan.reasons == {ann: PlacementReason.MANUAL}
    moved = plan.with_placements((Placement(ann, RoomId(3)),))
    assert moved.pinned == frozenset()
    cleared = moved.with_placements((Placement(ann, None),))
    assert cleared == Plan()


def test_without_leaves_a_plan_alone_when_nobody_in_it_leaves() -> None:
    plan = Plan().with_placements((Placement(UserId("ann"), RoomId(1)),))
    assert plan.without(frozenset({UserId("bob")})) is plan

"""Water-filling and round-robin dealing, the arithmetic under distribution."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.balance import seats, water_fill


@pytest.mark.parametrize(
    ("levels", "items", "expected"),
    [
        ([0, 0, 0], 7, [3, 2, 2]),
        ([5, 0, 0], 4, [0, 2, 2]),
        ([5, 0, 1], 10, [1, 5, 4]),
        ([2, 2, 0], 1, [0, 0, 1]),
        ([3], 0, [0]),
        ([], 0, []),
    ],
)
def test_water_fill_examples(levels: list[int], items: int, expected: list[int]) -> None:
    assert water_fill(levels, items) == expected


def test_water_fill_refuses_items_without_rooms() -> None:
    with pytest.raises(ValueError, match="cannot place 2 items into 0 rooms"):
        water_fill([], 2)


def greedy(levels: list[int], items: int) -> list[int]:
    """One item at a time into the emptiest room: slow, obviously right."""
    sizes = list(levels)
    for _ in range(items):
        sizes[sizes.index(min(sizes))] += 1
    return sizes


@given(st.lists(st.integers(0, 20), min_size=1, max_size=15), st.integers(0, 200))
def test_water_fill_ends_as_even_as_one_at_a_time(levels: list[int], items: int) -> None:
    received = water_fill(levels, items)
    assert sum(received) == items
    assert all(amount >= 0 for amount in received)
    final = [level + amount for level, amount in zip(levels, received, strict=True)]
    assert sorted(final) == sorted(greedy(levels, items))
    receivers = [size for size, amount in zip(final, received, strict=True) if amount]
    if receivers:
        assert max(receivers) - min(final) <= 1


@given(st.lists(st.integers(0, 10), max_size=12))
def test_seats_deal_each_room_its_slots_round_robin(slots: list[int]) -> None:
    dealt = seats(slots)
    assert Counter(dealt) == Counter({room: count for room, count in enumerate(slots) if count})
    open_rooms = sum(1 for count in slots if count)
    first_round = dealt[:open_rooms]
    assert len(set(first_round)) == open_rooms

"""Even filling of rooms: the arithmetic under every distribution strategy."""

from __future__ import annotations

from collections.abc import Sequence


def water_fill(levels: Sequence[int], items: int) -> list[int]:
    """How many of ``items`` each room receives so that the fullest room is as small
    as possible and the rooms that receive end up differing by at most one.

    ``levels`` are the rooms' current sizes (people already there). Rooms already
    above the final level receive nothing. Where a remainder must be split, the
    earlier rooms get the extra one.
    """
    count = len(levels)
    if items < 0 or (items and not count):
        raise ValueError(f"cannot place {items} items into {count} rooms")
    if not count:
        return []
    order = sorted(range(count), key=levels.__getitem__)
    remaining = items
    level = levels[order[0]]
    raised = 1
    while raised < count and remaining:
        step = levels[order[raised]] - level
        if step * raised > remaining:
            break
        remaining -= step * raised
        level += step
        raised += 1
    level += remaining // raised
    extra = remaining % raised
    received = [0] * count
    for index in sorted(order[:raised]):
        received[index] = level - levels[index] + (1 if extra > 0 else 0)
        extra -= 1
    return received


def seats(slots: Sequence[int]) -> list[int]:
    """Room indexes dealt round-robin, room ``i`` appearing ``slots[i]`` times.

    Consecutive seats are in different rooms for as long as two rooms still have
    room, which is what spreads a sorted sequence of people evenly.
    """
    dealt: list[int] = []
    active = [index for index, count in enumerate(slots) if count > 0]
    round_number = 0
    while active:
        dealt.extend(active)
        round_number += 1
        active = [index for index in active if slots[index] > round_number]
    return dealt

"""Smart Distribute and conflict analysis at workshop scale, against sorting.

10,000 attendees (10 % phone, 20 % just listening, 70 % VOIP) over 100 rooms.
The baseline is ``sorted()`` of the same attendees by name, timed in the same
run, so the ratios hold on a busy machine. Targets: distribute at most 5 times a sort,
conflict analysis at most 2 times a sort.

    python bench/distribute.py [--attendees N] [--rooms N] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from operator import attrgetter

from desktop.core import (
    AudioConnection,
    Member,
    RoomId,
    UserId,
    analyze,
    smart_distribute,
)


def attendees(count: int, seed: int = 7) -> list[Member]:
    rng = random.Random(seed)
    members = []
    for number in range(count):
        draw = rng.random()
        audio = (
            AudioConnection.PHONE
            if draw < 0.10
            else AudioConnection.JUST_LISTENING
            if draw < 0.30
            else AudioConnection.VOIP
        )
        name = f"{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{rng.getrandbits(40):x} {number}"
        members.append(Member(user_id=UserId(f"user-{number}"), display_name=name, audio=audio))
    return members


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=41)
    args = parser.parse_args()

    members = attendees(args.attendees)
    room_ids = [RoomId(number) for number in range(1, args.rooms + 1)]
    positions = {room: number for number, room in enumerate(room_ids, start=1)}
    by_id = {member.user_id: member for member in members}
    plan = smart_distribute(members, room_ids, {}, 7)

    # Interleave the measurements so that load changes hit all of them alike.
    sort_times, distribute_times, conflict_times = [], [], []
    for _ in range(args.repeat):
        sort_times.append(timed(lambda: sorted(members, key=attrgetter("display_name"))))
        distribute_times.append(timed(lambda: smart_distribute(members, room_ids, {}, 7)))
        conflict_times.append(timed(lambda: analyze(by_id, plan.rooms_of, positions, 7)))
    sort_s = statistics.median(sort_times)
    distribute_s = statistics.median(distribute_times)
    conflicts_s = statistics.median(conflict_times)

    print(f"attendees={args.attendees}")
    print(f"rooms={args.rooms}")
    print(f"sort_ms={sort_s * 1e3:.3f}")
    print(f"distribute_ms={distribute_s * 1e3:.3f}")
    print(f"conflicts_ms={conflicts_s * 1e3:.3f}")
    print(f"distribute_vs_sort_ratio={distribute_s / sort_s:.2f}")
    print(f"conflicts_vs_sort_ratio={conflicts_s / sort_s:.2f}")


if __name__ == "__main__":
    main()

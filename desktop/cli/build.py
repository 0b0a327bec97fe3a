"""The domain command each breakout subcommand sends, built from its arguments.

Pure functions: nothing here talks to the server, so what a command line means
can be read (and tested) without one. The server checks every value again and
refuses what the domain does not allow; the refusal is what the user sees.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    DistributeOptions,
    PhoneBridge,
    Placement,
    PlacementReason,
    Role,
    UserId,
)
from desktop.core.breakouts import DEFAULT_PHONE_ROOM_LIMIT
from desktop.core.commands import (
    AddMember,
    Broadcast,
    Command,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    PlaceAttendees,
    PostMessage,
    SetUpBreakouts,
    StartBreakouts,
    Strategy,
)

Builder = Callable[[argparse.Namespace], Command]

MANUAL = PlacementReason.MANUAL


def add_member(args: argparse.Namespace) -> AddMember:
    """The display name is left empty: the server fills in the account's own."""
    return AddMember(
        user_id=UserId(args.username),
        display_name="",
        role=Role.MODERATOR if args.moderator else Role.PARTICIPANT,
        audio=AudioConnection(args.audio),
        attributes=dict(args.attributes),
    )


def set_up(args: argparse.Namespace) -> SetUpBreakouts:
    return SetUpBreakouts(room_names=room_names(args), settings=settings(args), seed=args.seed)


def room_names(args: argparse.Namespace) -> tuple[str, ...]:
    """The names given, or ``Room 1`` … ``Room N`` for ``--rooms N``."""
    if args.room_names is not None:
        return tuple(args.room_names)
    return tuple(f"Room {number}" for number in range(1, args.rooms + 1))


def settings(args: argparse.Namespace) -> BreakoutSettings:
    """With a phone bridge, the PINs say how many rooms phone attendees can reach,
    unless ``--phone-room-limit`` says otherwise."""
    pins: tuple[str, ...] = tuple(args.pins or ())
    fallback = len(pins) if pins else DEFAULT_PHONE_ROOM_LIMIT
    limit: int = fallback if args.phone_room_limit is None else args.phone_room_limit
    return BreakoutSettings(
        mode=AssignmentMode(args.mode),
        time_limit=args.time_limit,
        closing_countdown=args.closing_countdown,
        phone_room_limit=limit,
        bridge=None if args.dial_in is None else PhoneBridge(args.dial_in, pins),
    )


def distribute(args: argparse.Namespace) -> Distribute:
    return Distribute(
        strategy=Strategy.PLAIN if args.plain else Strategy.SMART,
        options=DistributeOptions(seed=args.seed, balance_by=args.balance_by),
    )


def place(args: argparse.Namespace) -> PlaceAttendees:
    placement = Placement(UserId(args.username), args.room, pinned=args.pinned)
    return PlaceAttendees(placements=(placement,))


def post(args: argparse.Namespace) -> PostMessage:
    return PostMessage(text=args.text, room_id=args.room)


def broadcast(args: argparse.Namespace) -> Broadcast:
    return Broadcast(text=args.text)


BUILDERS: Mapping[str, Builder] = {
    "add-member": add_member,
    "set-up": set_up,
    "distribute": distribute,
    "place": place,
    "start": lambda _: StartBreakouts(),
    "broadcast": broadcast,
    "end": lambda _: EndBreakouts(),
    "delete-rooms": lambda _: DeleteBreakouts(),
    "post": post,
}
"""The subcommands that send one domain command, each with how to build it."""

"""Applying a breakout plan of any size: only what changed, in frames the server takes.

One ``apply_breakouts`` carrying the whole plan of a few thousand attendees is
larger than the largest frame the server accepts (it closes the socket with
``1009``). :func:`apply_plan` sends the difference between the saved plan and
the wanted one instead, as partial applies that each stay well within the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from desktop.core import Placement, PlacementReason, Plan, UserId
from desktop.core.commands import ApplyBreakouts
from desktop.protocol import MAX_FRAME_BYTES, encode
from desktop.protocol.messages import RequestId, SendCommand

from .client import Client

FRAME_BUDGET = MAX_FRAME_BYTES // 2
"""The largest frame one partial apply may take: half the server's limit."""


def _longest_request_id() -> str:
    info = msgspec.inspect.type_info(RequestId)
    assert isinstance(info, msgspec.inspect.StrType)
    assert info.max_length is not None
    return "x" * info.max_length


_LONGEST_ID = _longest_request_id()
"""Frames are measured with the longest id a request may have, whatever id it gets."""


async def apply_plan(
    client: Client, conversation_id: str, saved: Plan, wanted: Plan, *, start: bool = False
) -> int:
    """Turn the saved plan ``saved`` into ``wanted`` (rooms, pins and reasons) and,
    with ``start``, start the session; returns the log's ``seq`` after the last step.

    ``saved`` is the plan the server holds, as the mirror has it. Only the
    difference is sent, as partial applies one after the other, each answered
    before the next goes; only the last one carries ``start``. With no
    difference one empty apply is still sent, so that the plan counts as applied
    (and the session starts).

    The steps are separate commands, not one transaction:

    - If the connection drops midway, the SDK sends the unanswered step again,
      with the same id, once it is back; the server carries each id out once,
      so the sequence completes after the reconnect.
    - If the server refuses a step (another moderator started the session, an
      attendee was promoted or left, the requests came too fast), the
      :class:`~desktop.client.ServerError` propagates and the earlier steps stay
      saved. Read the saved plan again from the mirror: calling this again with
      it sends only what still differs.
    - If the client is closed midway, :class:`~desktop.client.ConnectionFailed`
      propagates; the steps answered before stay saved.
    """
    seq = 0
    for command in partial_applies(conversation_id, plan_changes(saved, wanted), start=start):
        seq = await client.execute(conversation_id, command)
    return seq


def plan_changes(saved: Plan, wanted: Plan) -> list[Placement]:
    """The placements that turn ``saved`` into ``wanted``: every attendee whose
    room, pin or reason differs, then ``room_id=None`` for every attendee of
    ``saved`` that ``wanted`` leaves out."""
    users = [*wanted.rooms_of, *(user for user in saved.rooms_of if user not in wanted.rooms_of)]
    return [
        placement
        for user in users
        if (placement := _placement_in(wanted, user)) != _placement_in(saved, user)
    ]


def partial_applies(
    conversation_id: str,
    changes: Sequence[Placement],
    *,
    start: bool = False,
    budget: int = FRAME_BUDGET,
) -> list[ApplyBreakouts]:
    """``changes`` as partial applies in order, each in a ``command`` frame of at
    most ``budget`` bytes as the codec encodes it; only the last carries
    ``start``. No changes give one empty apply; a placement too large for the
    budget on its own goes alone."""
    empty = _frame_bytes(conversation_id, ())
    chunks: list[list[Placement]] = [[]]
    size = empty
    for placement in changes:
        item = _frame_bytes(conversation_id, (placement,)) - empty
        if chunks[-1] and size + len(b",") + item > budget:
            chunks.append([])
            size = empty
        size += item + (len(b",") if chunks[-1] else 0)
        chunks[-1].append(placement)
    last = len(chunks) - 1
    return [
        ApplyBreakouts(placements=tuple(chunk), start=start and index == last, partial=True)
        for index, chunk in enumerate(chunks)
    ]


def _placement_in(plan: Plan, user: UserId) -> Placement:
    room = plan.rooms_of.get(user)
    if room is None:
        return Placement(user, None)
    reason = plan.reasons.get(user, PlacementReason.MANUAL)
    return Placement(user, room, user in plan.pinned, reason)


def _frame_bytes(conversation_id: str, placements: tuple[Placement, ...]) -> int:
    # ``start`` false: ``false`` is longer than ``true``, so this is the larger frame.
    command = ApplyBreakouts(placements=placements, start=False, partial=True)
    request = SendCommand(id=_LONGEST_ID, conversation_id=conversation_id, command=command)
    return len(encode(request))

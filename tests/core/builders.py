"""Small builders shared by the tests of the breakout domain.

Every conversation is built the way a real one is: created, then changed only
through :func:`desktop.core.execute`. The ids are predictable: the owner is
``OWNER``, participants are ``p1``, ``p2``… (see :func:`participant`), extra
moderators ``m1``, ``m2``… and the first set of rooms has the ids 1, 2, 3….
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import msgspec
import pytest

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    DomainError,
    ErrorCode,
    Member,
    Phase,
    Placement,
    Role,
    RoomId,
    UserId,
    created,
    execute,
)
from desktop.core.commands import (
    AddMember,
    Command,
    EndBreakouts,
    PlaceAttendees,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.core.events import ConversationCreated, Event

OWNER = UserId("owner")
STRANGER = UserId("stranger")
T0 = 1_000.0
"""When every test story begins, in seconds."""

VOIP = AudioConnection.VOIP
PHONE = AudioConnection.PHONE
LISTENING = AudioConnection.JUST_LISTENING

ROOM_1 = RoomId(1)
ROOM_2 = RoomId(2)
ROOM_3 = RoomId(3)

MANUAL = BreakoutSettings()
"""The defaults: moderators assign the rooms; no time limit, no countdown."""

TIMED = BreakoutSettings(time_limit=600, closing_countdown=60)
"""Ten minutes, then a one-minute closing countdown."""


def participant(number: int) -> UserId:
    return UserId(f"p{number}")


def moderator(number: int) -> UserId:
    return UserId(f"m{number}")


P1, P2, P3, P4 = (participant(number) for number in range(1, 5))
M1 = moderator(1)


def room_names(count: int) -> tuple[str, ...]:
    return tuple(f"Room {number}" for number in range(1, count + 1))


@dataclass
class Log:
    """A conversation together with every event that made it, for replays."""

    conversation: Conversation
    events: list[Event]

    def do(self, command: Command, *, actor: UserId = OWNER, now: float = T0) -> tuple[Event, ...]:
        self.conversation, events = execute(self.conversation, actor, command, now)
        self.events.extend(events)
        return events


def new_log(*audio: AudioConnection, moderators: int = 0) -> Log:
    """A conversation with the owner (a moderator), one participant per entry of
    ``audio`` and ``moderators`` further moderators."""
    creation = ConversationCreated(
        conversation_id="c-1",
        title="Workshop",
        owner=Member(user_id=OWNER, display_name="Olivia Owner"),
    )
    log = Log(created(creation), [creation])
    for number, connection in enumerate(audio, start=1):
        log.do(
            AddMember(
                user_id=participant(number),
                display_name=f"Participant {number}",
                audio=connection,
            )
        )
    for number in range(1, moderators + 1):
        log.do(
            AddMember(
                user_id=moderator(number),
                display_name=f"Moderator {number}",
                role=Role.MODERATOR,
            )
        )
    return log


def conversation_with(*audio: AudioConnection, moderators: int = 0) -> Conversation:
    return new_log(*audio, moderators=moderators).conversation


def run(
    conversation: Conversation, command: Command, *, actor: UserId = OWNER, now: float = T0
) -> Conversation:
    """The state after ``command``, for arranging a test."""
    return execute(conversation, actor, command, now)[0]


def set_up(
    conversation: Conversation,
    rooms: int = 3,
    settings: BreakoutSettings = MANUAL,
) -> Conversation:
    return run(conversation, SetUpBreakouts(room_names=room_names(rooms), settings=settings))


def place(conversation: Conversation, rooms_of: Mapping[UserId, RoomId | None]) -> Conversation:
    placements = tuple(Placement(user, room) for user, room in rooms_of.items())
    return run(conversation, PlaceAttendees(placements=placements))


def in_phase(
    phase: Phase,
    settings: BreakoutSettings = TIMED,
    *,
    mode: AssignmentMode = AssignmentMode.MANUAL,
) -> Conversation:
    """A conversation in ``phase`` with three VOIP participants and a second
    moderator. Once set up there are three rooms; ``p1`` is in room 1, ``p2`` in
    room 2 and ``p3`` in none. The session starts at ``T0`` and ``EndBreakouts``
    is given at ``T0 + 10``."""
    conversation = conversation_with(VOIP, VOIP, VOIP, moderators=1)
    if phase is Phase.NOT_CONFIGURED:
        return conversation
    settings = msgspec.structs.replace(settings, mode=mode)
    conversation = place(set_up(conversation, 3, settings), {P1: ROOM_1, P2: ROOM_2})
    if phase is not Phase.CONFIGURED:
        conversation = run(conversation, StartBreakouts())
    if phase in (Phase.CLOSING, Phase.ENDED):
        if settings.closing_countdown is None:
            raise ValueError("the closing phase needs settings with a closing countdown")
        conversation = run(conversation, EndBreakouts(), now=T0 + 10)
    if phase is Phase.ENDED:
        conversation = run(conversation, EndBreakouts(), now=T0 + 20)
    assert conversation.breakouts.phase is phase
    return conversation


def snapshot(conversation: Conversation) -> bytes:
    """Everything in ``conversation``, to prove that nothing changed."""
    return msgspec.json.encode(conversation, order="deterministic")


def refusal(
    conversation: Conversation, command: Command, *, actor: UserId = OWNER, now: float = T0
) -> ErrorCode:
    """The code ``command`` is refused with; fails if it is accepted or if the
    refusal changed anything."""
    before = snapshot(conversation)
    with pytest.raises(DomainError) as caught:
        execute(conversation, actor, command, now)
    assert snapshot(conversation) == before, "a refused command changed the conversation"
    return caught.value.code


def room_sizes(conversation: Conversation) -> dict[RoomId, int]:
    breakouts = conversation.breakouts
    return {room.id: len(breakouts.members_of(room.id)) for room in breakouts.rooms}

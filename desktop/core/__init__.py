"""The breakout domain: plain data and pure functions, no Qt, no I/O, no asyncio.

State is a :class:`Conversation`; :func:`execute` (or :func:`decide` and
:func:`evolve`) turns commands into events; :func:`due_events` tells what the
clock decides; :func:`smart_distribute`, :func:`analyze` and
:func:`check_readiness` answer the questions the breakout panel asks. Time is
always passed in, in seconds.
"""

from .breakouts import (
    AssignmentMode,
    Breakouts,
    BreakoutSettings,
    Phase,
    PhoneBridge,
    Placement,
    PlacementReason,
    Plan,
    Room,
    RoomId,
    describe_reason,
)
from .conflicts import ConflictReport, PhoneViolation, RoomConflict, analyze
from .conversation import Conversation, created, evolve, replay
from .decide import decide, execute
from .distribute import DistributeOptions, place_late_joiner, plain_distribute, smart_distribute
from .errors import DomainError, ErrorCode
from .members import AudioConnection, Member, Role, UserId
from .readiness import Problem, ProblemKind, check_readiness
from .session import due_events, next_due

__all__ = [
    "AssignmentMode",
    "AudioConnection",
    "BreakoutSettings",
    "Breakouts",
    "ConflictReport",
    "Conversation",
    "DistributeOptions",
    "DomainError",
    "ErrorCode",
    "Member",
    "Phase",
    "PhoneBridge",
    "PhoneViolation",
    "Placement",
    "PlacementReason",
    "Plan",
    "Problem",
    "ProblemKind",
    "Role",
    "Room",
    "RoomConflict",
    "RoomId",
    "UserId",
    "analyze",
    "check_readiness",
    "created",
    "decide",
    "describe_reason",
    "due_events",
    "evolve",
    "execute",
    "next_due",
    "place_late_joiner",
    "plain_distribute",
    "replay",
    "smart_distribute",
]

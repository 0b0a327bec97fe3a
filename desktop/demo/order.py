"""What the app tells the demo process, and what the process answers.

The app writes one JSON line on the child's stdin: where the server is, the
moderator's token, the conversation, how many attendees and a seed, plus
optional behaviour knobs next to them (flat, so a test writes
``"help_probability": 1``). The token travels this way only — never in argv,
the environment or a log line. The child answers with one line on stdout:
``{"ready": true, "attendees": N}``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

MAX_ATTENDEES = 200

Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Seconds = Annotated[float, msgspec.Meta(ge=0.0, le=3600.0)]
Span = tuple[Seconds, Seconds]
"""Lowest and highest number of seconds; each wait is drawn between them."""


class OrderRefused(Exception):
    """The line on stdin is not an order this process can carry out."""


class Behaviour(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the simulated people act. The defaults look natural in a live demo;
    tests make the waits short and the rare things certain."""

    reaction: Span = (1.0, 6.0)
    """Seconds a person takes to react to a notice (join a call, pick a room)."""
    greet_probability: Probability = 0.35
    """Chance of saying hello in a room's chat on arrival."""
    help_probability: Probability = 0.08
    """Chance of asking for help, once per arrival in a breakout room."""
    help_after: Span = (20.0, 120.0)
    """Seconds in a room before asking for help."""
    help_for: Span = (30.0, 90.0)
    """Seconds before an unanswered help request is cancelled."""
    phone_switch_probability: Probability = 0.5
    """Chance of following a prompt to switch to phone audio."""

    def __post_init__(self) -> None:
        for name in ("reaction", "help_after", "help_for"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"{name} must go from low to high, not {low} to {high}")


class Order(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    token: str
    conversation_id: str
    count: Annotated[int, msgspec.Meta(ge=1, le=MAX_ATTENDEES)] = 40
    seed: int = 0
    behaviour: Behaviour = Behaviour()

    def __repr__(self) -> str:  # the token must not reach a log or a traceback
        return (
            f"Order(url={self.url!r}, conversation_id={self.conversation_id!r}, "
            f"count={self.count}, seed={self.seed}, behaviour={self.behaviour!r})"
        )


class Ready(msgspec.Struct, frozen=True, kw_only=True):
    ready: bool
    attendees: int


_ORDER_FIELDS = frozenset(Order.__struct_fields__) - {"behaviour"}


def order_line(order: Order) -> bytes:
    """The order as the one line the child reads, knobs flat beside the rest."""
    fields: dict[str, Any] = msgspec.to_builtins(order)
    knobs = fields.pop("behaviour")
    return msgspec.json.encode({**fields, **knobs}) + b"\n"


def read_order(line: bytes) -> Order:
    """Read an order line; raises :class:`OrderRefused` saying what is wrong."""
    try:
        fields = msgspec.json.decode(line, type=dict[str, Any])
        knobs = {name: fields.pop(name) for name in tuple(fields) if name not in _ORDER_FIELDS}
        return msgspec.convert({**fields, "behaviour": knobs}, Order)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise OrderRefused(f"The demo order is not valid: {error}.") from None


def ready_line(attendees: int) -> bytes:
    return msgspec.json.encode(Ready(ready=True, attendees=attendees)) + b"\n"


def read_ready(line: bytes) -> Ready | None:
    """The ready answer in ``line``, or ``None`` when the line is something else."""
    try:
        ready = msgspec.json.decode(line, type=Ready)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return ready if ready.ready else None

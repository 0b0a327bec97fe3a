"""Delivering frames to the connections of their recipients.

The hub publishes envelopes on the bus; every server instance's ``Fanout``
receives them and hands each to the local connections of its recipients. A
frame is encoded once, however many sockets it goes to.
"""

from __future__ import annotations

from collections import defaultdict
from enum import IntEnum
from typing import Protocol

import msgspec

from desktop.core import UserId

CHANNEL = "deliveries"


class Kind(IntEnum):
    RECORD = 0
    """A log record (``seq``) the connection sends if it has not yet."""
    FRAME = 1
    """A message outside the log: call state, a signal."""
    JOINED = 2
    """The recipient became a member: send them the conversation's snapshot."""
    LEFT = 3
    """The recipient is no longer a member; ``frame`` says why."""


class Envelope(msgspec.Struct, frozen=True, array_like=True):
    kind: Kind
    conversation_id: str
    recipients: tuple[UserId, ...]
    frame: bytes = b""
    seq: int = 0
    connection: str | None = None
    """Only this connection of the recipient, for call signaling."""


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Envelope).decode


def pack(envelope: Envelope) -> bytes:
    return _encode(envelope)


class Recipient(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def token_hash(self) -> str: ...

    def deliver(self, envelope: Envelope) -> None: ...

    def sign_out(self) -> None: ...


class Fanout:
    """The signed-in connections of this instance, by account."""

    def __init__(self) -> None:
        self._by_user: defaultdict[UserId, set[Recipient]] = defaultdict(set)

    def add(self, user: UserId, connection: Recipient) -> None:
        self._by_user[user].add(connection)

    def remove(self, user: UserId, connection: Recipient) -> None:
        connections = self._by_user.get(user)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_user[user]

    def receive(self, message: bytes) -> None:
        envelope = _decode(message)
        for user in envelope.recipients:
            for connection in tuple(self._by_user.get(user, ())):
                if envelope.connection in (None, connection.id):
                    connection.deliver(envelope)

    def sign_out(self, user: UserId, token_hash: str | None) -> None:
        """Close ``user``'s connections holding ``token_hash`` (all if ``None``)."""
        for connection in tuple(self._by_user.get(user, ())):
            if token_hash is None or connection.token_hash == token_hash:
                connection.sign_out()

    def count(self) -> int:
        return sum(len(connections) for connections in self._by_user.values())

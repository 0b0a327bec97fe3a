"""Calls in tests: ICE on 127.0.0.1 only, and signalling handed straight across.

Tests keep every packet on 127.0.0.1 with ``desktop.media.ice.loopback_only``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from desktop.core import UserId
from desktop.media.engine import MediaEngine
from desktop.media.events import CallEvent, PeerChanged
from desktop.media.peer import PeerState
from desktop.protocol.messages import SignalKind


class Switchboard:
    """In-process signalling: what one engine sends, the addressee's engine gets."""

    def __init__(self) -> None:
        self.engines: dict[UserId, MediaEngine] = {}

    def line(self, me: UserId) -> Line:
        return Line(self, me)


class Line:
    def __init__(self, board: Switchboard, me: UserId) -> None:
        self._board = board
        self._me = me

    def send(self, to: UserId, kind: SignalKind, sdp: str) -> None:
        engine = self._board.engines.get(to)
        if engine is not None:
            engine.deliver(self._me, kind, sdp)


class Connections:
    """Collects an engine's events; waits until it is connected to given peers."""

    def __init__(self) -> None:
        self.states: dict[UserId, PeerState] = {}
        self.events: list[CallEvent] = []
        self._changed = threading.Condition()

    def tell(self, event: CallEvent) -> None:
        with self._changed:
            self.events.append(event)
            if isinstance(event, PeerChanged):
                self.states[event.user] = event.state
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        with self._changed:
            if not self._changed.wait_for(condition, timeout):
                raise TimeoutError(f"not reached in {timeout} s: {self.states}")

    def count(self, kind: type) -> int:
        """How many events of ``kind`` were told."""
        return sum(isinstance(event, kind) for event in self.events)

    def connected(self, *users: UserId) -> Callable[[], bool]:
        return lambda: all(self.states.get(user) is PeerState.CONNECTED for user in users)

"""Fan-out between server instances: the ``Bus`` interface and its in-process form.

A channel carries opaque bytes; subscribers are called in publish order. With one
process the bus is a dictionary of callbacks; a Redis bus can implement the same
interface with pub/sub when several instances share a store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

Deliver = Callable[[bytes], None]
Unsubscribe = Callable[[], None]


class Bus(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...

    async def subscribe(self, channel: str, deliver: Deliver) -> Unsubscribe: ...

    async def close(self) -> None: ...


class LocalBus:
    """The in-process :class:`Bus`: ``publish`` calls every subscriber at once."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, list[Deliver]] = defaultdict(list)

    async def publish(self, channel: str, message: bytes) -> None:
        for deliver in tuple(self._subscribers.get(channel, ())):
            deliver(message)

    async def subscribe(self, channel: str, deliver: Deliver) -> Unsubscribe:
        self._subscribers[channel].append(deliver)

        def unsubscribe() -> None:
            subscribers = self._subscribers.get(channel, [])
            if deliver in subscribers:
                subscribers.remove(deliver)
            if not subscribers:
                self._subscribers.pop(channel, None)

        return unsubscribe

    async def close(self) -> None:
        self._subscribers.clear()

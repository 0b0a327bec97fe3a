"""Helpers for Qt tests: run a scenario on the app's qasync loop, wait on conditions.

A UI test is a coroutine run to completion on a qasync loop over the test's
``QApplication``, so widgets, the client SDK and an embedded server share one
loop exactly as in the app. Waiting is on conditions re-checked as events are
processed, never on a fixed sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt

T = TypeVar("T")

WAIT = 10.0
"""Seconds a test waits for something that should happen at once."""

_POLL = 0.005


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, T]) -> T:
    return loop.run_until_complete(scenario)


async def until(condition: Callable[[], object], what: str = "", timeout: float = WAIT) -> None:
    """Wait until ``condition`` holds, re-checking as the loop processes events."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(_POLL)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what or condition}") from None


def texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> list[str]:
    """The display texts of ``parent``'s children (the top level by default)."""
    parent = parent or QModelIndex()
    return [
        str(model.data(model.index(row, 0, parent), Qt.ItemDataRole.DisplayRole))
        for row in range(model.rowCount(parent))
    ]

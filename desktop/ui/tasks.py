"""Owned background tasks for slots that await.

qasync's ``asyncSlot`` starts tasks nobody keeps or cancels; here whoever
starts work owns it: :class:`Tasks` keeps every running task, reports failures
as readable messages instead of tracebacks, and cancels what is left on close.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from desktop.client import ConnectionFailed, ServerError

ErrorReporter = Callable[[str, str], None]
"""Called with a stable code and a sentence for the user."""


class Tasks:
    def __init__(self, report: ErrorReporter) -> None:
        self._report = report
        self._running: set[asyncio.Task[Any]] = set()

    def run(self, work: Coroutine[Any, Any, object], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        if name:
            task.set_name(name)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, ServerError):
            self._report(error.code, error.message)
        elif isinstance(error, ConnectionFailed):
            self._report("unreachable", str(error))
        elif error is not None:
            self._report("internal", f"Something went wrong: {error}")

    async def close(self) -> None:
        for task in tuple(self._running):
            task.cancel()
        for task in tuple(self._running):
            with contextlib.suppress(asyncio.CancelledError):
                await task

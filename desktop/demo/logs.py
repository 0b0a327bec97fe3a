"""The demo process's logs: one ``key=value`` line per event on stderr.

The parent keeps the last lines to explain a failed start, so every line must
read on its own. Nothing secret is ever a field: the moderator's token stays in
memory only.

ts=2026-11-22T10:00:00.123Z level=info event=joined_call user=amara.okafor room=2
"""

from __future__ import annotations

import logging

from desktop.eventlog import EventLog

_EVENTS = EventLog("roomcast.demo")

log = _EVENTS.log
failed = _EVENTS.failed


def configure(level: int = logging.INFO) -> None:
    """Send the demo's log lines to stderr (stdout carries only the ready line)."""
    _EVENTS.configure(level, propagate=False)

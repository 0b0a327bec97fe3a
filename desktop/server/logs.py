"""The server's structured logs (see :mod:`desktop.eventlog` for the format)."""

from __future__ import annotations

from desktop.eventlog import EventLog

_EVENTS = EventLog("roomcast.server")

LOGGER = _EVENTS.logger
log = _EVENTS.log
configure = _EVENTS.configure

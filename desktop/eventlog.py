"""Structured logs: one line per event, ``key=value`` pairs that grep and parse.

Shared by the server and the demo process, which log the same way:

ts=2026-11-22T10:00:00.123Z level=info event=command_applied conversation=3f… seq=12
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any


def _value(value: object) -> str:
    text = str(value)
    if not text or any(character in text for character in ' ="\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields: dict[str, Any] = getattr(record, "fields", {})
        parts = [
            f"ts={stamp}.{int(record.msecs):03d}Z",
            f"level={record.levelname.lower()}",
            f"event={_value(record.getMessage())}",
            *(f"{key}={_value(value)}" for key, value in fields.items()),
        ]
        if record.exc_info:
            parts.append(f"error={_value(self.formatException(record.exc_info))}")
        return " ".join(parts)


class EventLog:
    """The events of one logger (``roomcast.server``, ``roomcast.demo``)."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)

    def log(self, event: str, level: int = logging.INFO, **fields: object) -> None:
        self.logger.log(level, event, extra={"fields": fields})

    def failed(self, event: str, **fields: object) -> None:
        """Log an unexpected exception, with its traceback, from inside ``except``."""
        self.logger.error(event, exc_info=True, extra={"fields": fields})

    def configure(self, level: int = logging.INFO, *, propagate: bool = True) -> None:
        """Write this logger's lines to stderr."""
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(KeyValueFormatter())
        self.logger.addHandler(handler)
        self.logger.setLevel(level)
        self.logger.propagate = propagate

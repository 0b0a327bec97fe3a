"""The demo process's logs: one ``key=value`` line per event on stderr.

The parent keeps the last lines to explain a failed start, so every line must
read on its own. Nothing secret is ever a field: the moderator's token stays in
memory only. The format is the server's; the layers keep this package from
importing it.

ts=2026-11-22T10:00:00.123Z level=info event=joined_call user=amara.okafor room=2
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

LOGGER = logging.getLogger("roomcast.demo")


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


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    LOGGER.log(level, event, extra={"fields": fields})


def configure(level: int = logging.INFO) -> None:
    """Send the demo's log lines to stderr (stdout carries only the ready line)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    LOGGER.propagate = False


def failed(event: str, **fields: object) -> None:
    """Log an unexpected exception, with its traceback, from inside ``except``."""
    LOGGER.error(event, exc_info=True, extra={"fields": fields})

"""Structured logs: one line per event, ``key=value`` pairs that grep and parse.

ts=2026-11-22T10:00:00.123Z level=info event=command_applied conversation=3f… seq=12
"""

from __future__ import annotations

import logging
import time
from typing import Any

LOGGER = logging.getLogger("roomcast.server")


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
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)

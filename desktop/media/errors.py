"""What the call engine reports when sound or picture cannot work: a stable
code and a sentence.

A missing codec library, sound device or camera must never end in a traceback: the engine
raises or reports a :class:`MediaError`, and the UI shows ``message`` and decides
from ``code`` what to offer (pick another device, listen only, retry).
"""

from __future__ import annotations

from enum import StrEnum


class MediaErrorCode(StrEnum):
    """Stable identifiers of media failures; values never change once released."""

    CODEC_MISSING = "codec_missing"
    CODEC_FAILED = "codec_failed"
    ECHO_CANCELLER_MISSING = "echo_canceller_missing"
    DEVICE_MISSING = "device_missing"
    DEVICE_FAILED = "device_failed"
    CAMERA_MISSING = "camera_missing"
    CAMERA_FAILED = "camera_failed"
    TOO_MANY_CALLERS = "too_many_callers"


class MediaError(Exception):
    """A media failure people can read; ``code`` tells programs which one."""

    def __init__(self, code: MediaErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"MediaError({self.code.value!r}, {self.message!r})"

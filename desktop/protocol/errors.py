"""What the server refuses beyond the domain's rules, and how it closes sockets.

An ``error`` message's ``code`` is either one of these or a domain
:class:`~desktop.core.errors.ErrorCode`; both sets are stable and never reused.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ProtocolCode(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    HELLO_EXPECTED = "hello_expected"
    HELLO_REPEATED = "hello_repeated"
    NOT_SIGNED_IN = "not_signed_in"
    ALREADY_SIGNED_IN = "already_signed_in"
    INVALID_TOKEN = "invalid_token"
    BAD_CREDENTIALS = "bad_credentials"
    LOGIN_THROTTLED = "login_throttled"
    INVALID_USERNAME = "invalid_username"
    INVALID_PASSWORD = "invalid_password"
    USERNAME_TAKEN = "username_taken"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_CONVERSATION = "unknown_conversation"
    RATE_LIMITED = "rate_limited"
    CALL_NOT_ALLOWED = "call_not_allowed"
    NOT_IN_CALL = "not_in_call"
    PEER_NOT_IN_CALL = "peer_not_in_call"
    INTERNAL = "internal_error"


class CloseCode(IntEnum):
    """Websocket close codes the server uses (1000–1011 are RFC 6455's)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    TOO_LARGE = 1009
    HELLO_TIMEOUT = 4000
    SIGNED_OUT = 4001
    UNSUPPORTED_VERSION = 4002
    TOO_SLOW = 4003


class ProtocolError(Exception):
    """A refused message: a stable code and a sentence for people."""

    def __init__(self, code: ProtocolCode, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.value!r}, {self.message!r})"

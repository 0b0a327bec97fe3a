"""Domain errors: a stable code for programs and a sentence for people."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable identifiers of everything the domain can refuse.

    The values travel over the wire and end up in logs and client code, so they
    never change once released; new refusals get new codes.
    """

    NOT_A_MEMBER = "not_a_member"
    ALREADY_A_MEMBER = "already_a_member"
    FORBIDDEN = "forbidden"
    OWNER_PROTECTED = "owner_protected"
    INVALID_NAME = "invalid_name"
    INVALID_TEXT = "invalid_text"
    INVALID_SETTING = "invalid_setting"
    NOT_SET_UP = "breakouts_not_set_up"
    ALREADY_SET_UP = "breakouts_already_set_up"
    ILLEGAL_TRANSITION = "illegal_transition"
    ROOM_LIMIT = "room_limit"
    UNKNOWN_ROOM = "unknown_room"
    PHONE_ROOM_LIMIT = "phone_room_limit"
    MODERATOR_NOT_ASSIGNABLE = "moderator_not_assignable"
    WRONG_ASSIGNMENT_MODE = "wrong_assignment_mode"
    NOT_IN_ROOM = "not_in_room"
    NO_HELP_REQUEST = "no_help_request"
    NO_TIME_LIMIT = "no_time_limit"
    EMPTY_BATCH = "empty_batch"


class DomainError(Exception):
    """A refused operation. Nothing was changed when this is raised."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError({self.code.value!r}, {self.message!r})"

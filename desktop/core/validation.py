"""Checks of free text that comes from people: names and messages."""

from __future__ import annotations

from .errors import DomainError, ErrorCode

MAX_NAME_LENGTH = 80
MAX_TEXT_LENGTH = 4000


def clean_name(name: str, what: str) -> str:
    """Return ``name`` without surrounding blanks, or refuse it."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise DomainError(ErrorCode.INVALID_NAME, f"The {what} cannot be empty.")
    if not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_NAME, f"The {what} {cleaned!r} contains control characters."
        )
    if len(cleaned) > MAX_NAME_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_NAME,
            f"The {what} is {len(cleaned)} characters long; at most {MAX_NAME_LENGTH} fit.",
        )
    return cleaned


def clean_text(text: str) -> str:
    """Return a chat or broadcast text without surrounding blanks, or refuse it."""
    cleaned = text.strip()
    if not cleaned:
        raise DomainError(ErrorCode.INVALID_TEXT, "A message cannot be empty.")
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_TEXT,
            f"The message is {len(cleaned)} characters long; at most {MAX_TEXT_LENGTH} fit.",
        )
    return cleaned

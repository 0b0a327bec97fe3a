"""Argument values that are more than a string: rooms, labels and durations.

Each function is an argparse ``type``: it turns one word of the command line
into a value, or raises :class:`argparse.ArgumentTypeError`, which argparse
reports as a usage error (exit status 2).
"""

from __future__ import annotations

import argparse

from desktop.core import RoomId

MAIN_ROOM = "main"
"""What names the main room wherever a breakout room id is expected."""


def room(word: str) -> RoomId | None:
    """A breakout room's id, or ``None`` for the main room (``main``)."""
    if word.strip().casefold() == MAIN_ROOM:
        return None
    try:
        return RoomId(int(word))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{word!r} is neither a room id (a number) nor {MAIN_ROOM!r}"
        ) from None


def attribute(word: str) -> tuple[str, str]:
    """One member label such as ``company=Acme``; the value may contain ``=``."""
    key, equals, value = word.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"{word!r} is not of the form key=value")
    return key.strip(), value.strip()


def seconds(word: str) -> float:
    """A positive duration in seconds."""
    try:
        value = float(word)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{word!r} is not a positive number of seconds")
    return value

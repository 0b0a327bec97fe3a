"""What the command line prints: JSON for programs, a sentence for trouble.

Results go to stdout and refusals to stderr, both as indented JSON that a script
can read with ``jq``; sets and mappings come out sorted, so the same state
prints the same text. The streams are looked up at each call, not bound
at import, so a test capturing them sees everything.
"""

from __future__ import annotations

import sys

import msgspec

from desktop.client import ServerError

PROGRAM = "roomcast"


def to_json(value: object) -> str:
    """Structs keep their fields' order; mappings and sets are sorted."""
    encoded = msgspec.json.encode(msgspec.to_builtins(value, order="deterministic"))
    return msgspec.json.format(encoded, indent=2).decode()


def result(value: object) -> None:
    print(to_json(value), file=sys.stdout)


def refusal(error: ServerError) -> None:
    """The server's stable code and sentence, as ``{"error": {...}}``."""
    details: dict[str, object] = {"code": error.code, "message": error.message}
    if error.retry_after is not None:
        details["retry_after"] = error.retry_after
    print(to_json({"error": details}), file=sys.stderr)


def trouble(sentence: str) -> None:
    """A problem that is not the server's answer, for people to read."""
    print(f"{PROGRAM}: {sentence}", file=sys.stderr)

"""The command line: connection options, then one subcommand per thing to do.

The connection options may come before or after the subcommand. After it they
are optional overrides (their default is ``SUPPRESS``), so a value given before
the subcommand, or taken from the environment, is not reset by the
subcommand's parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from desktop.core import AssignmentMode, AudioConnection

from .values import MAIN_ROOM, attribute, room, seconds

DEFAULT_SERVER = "ws://127.0.0.1:8765/ws"
DEFAULT_TIMEOUT = 30.0
"""Seconds one invocation may take, from connecting to the last answer."""

SERVER_ENV = "ROOMCAST_SERVER"
USER_ENV = "ROOMCAST_USER"
PASSWORD_ENV = "ROOMCAST_PASSWORD"

SIGN_UP = "sign-up"

EPILOG = f"""\
Every command prints JSON on stdout and exits 0. A refusal by the server prints
{{"error": {{"code": ..., "message": ...}}}} on stderr and exits 1; a server that
cannot be reached, or does not answer in time, exits 2, as do bad arguments.
Options may also come from {SERVER_ENV}, {USER_ENV} and {PASSWORD_ENV}.
"""

# argparse exposes no public name for what add_subparsers returns.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def parse(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    """The parsed arguments; raises :class:`SystemExit` (status 2) on bad ones,
    after argparse has printed the usage and the problem on stderr."""
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    if (problem := _problem(args)) is not None:
        parser.error(problem)
    return args


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.cli",
        description="Script a Roomcast server: conversations, members and breakout rooms.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_connection_options(parser, environ)
    overrides = argparse.ArgumentParser(add_help=False)
    _add_connection_options(overrides, None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_account_commands(commands, overrides)
    _add_conversation_commands(commands, overrides)
    _add_breakout_commands(commands, overrides)
    _add_session_commands(commands, overrides)
    _add_chat_commands(commands, overrides)
    return parser


def _add_connection_options(
    parser: argparse.ArgumentParser, environ: Mapping[str, str] | None
) -> None:
    """The options every command shares; ``environ`` ``None`` makes them overrides.
    An empty environment variable counts as unset, as shells make it easy to export one."""

    def default(variable: str | None, fallback: object) -> object:
        if environ is None:
            return argparse.SUPPRESS
        return (environ.get(variable) if variable is not None else None) or fallback

    group = parser.add_argument_group("connection")
    group.add_argument(
        "--server",
        metavar="URL",
        default=default(SERVER_ENV, DEFAULT_SERVER),
        help=f"the server's websocket URL (${SERVER_ENV}, default {DEFAULT_SERVER})",
    )
    group.add_argument(
        "--user", metavar="NAME", default=default(USER_ENV, None), help=f"log in as (${USER_ENV})"
    )
    group.add_argument(
        "--password",
        metavar="PW",
        default=default(PASSWORD_ENV, None),
        help=f"the account's password (${PASSWORD_ENV}, which keeps it out of process lists)",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=seconds,
        default=default(None, DEFAULT_TIMEOUT),
        help=f"give up after this long (default {DEFAULT_TIMEOUT:g})",
    )


def _command(
    commands: Subparsers, name: str, overrides: argparse.ArgumentParser, summary: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, parents=[overrides], help=summary, description=summary
    )
    return parser


def _in_conversation(
    commands: Subparsers, name: str, overrides: argparse.ArgumentParser, summary: str
) -> argparse.ArgumentParser:
    """A subcommand about one conversation: its id comes first."""
    parser = _command(commands, name, overrides, summary)
    parser.add_argument("conversation", metavar="CONVERSATION", help="the conversation's id")
    return parser


def _add_account_commands(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    sign_up = _command(commands, SIGN_UP, overrides, "create an account (uses --password)")
    sign_up.add_argument("username", metavar="USERNAME")
    sign_up.add_argument(
        "--display-name", metavar="NAME", help="the name others see (default: USERNAME)"
    )


def _add_conversation_commands(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    create = _command(commands, "create-conversation", overrides, "start a conversation")
    create.add_argument("title", metavar="TITLE")
    _command(commands, "conversations", overrides, "list your conversations")
    _in_conversation(commands, "delete-conversation", overrides, "delete it with its history")
    member = _in_conversation(commands, "add-member", overrides, "add an account as a member")
    member.add_argument("username", metavar="USERNAME")
    member.add_argument(
        "--audio",
        choices=[audio.value for audio in AudioConnection],
        default=AudioConnection.VOIP.value,
        help="how they hear and speak (default: %(default)s)",
    )
    member.add_argument("--moderator", action="store_true", help="make them a moderator")
    member.add_argument(
        "--attribute",
        dest="attributes",
        metavar="KEY=VALUE",
        type=attribute,
        action="extend",
        nargs="+",
        default=[],
        help="a label Smart Distribute can balance by, such as company=Acme",
    )
    _in_conversation(commands, "state", overrides, "print the conversation's whole state")


def _add_breakout_commands(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    _add_set_up(commands, overrides)
    distribute = _in_conversation(commands, "distribute", overrides, "plan who goes where")
    distribute.add_argument(
        "--plain", action="store_true", help="spread evenly, without Smart Distribute's rules"
    )
    distribute.add_argument("--seed", type=int, default=0, help="vary the shuffle")
    distribute.add_argument(
        "--balance-by", metavar="ATTRIBUTE", help="spread this attribute's values over the rooms"
    )
    place = _in_conversation(commands, "place", overrides, "put one attendee into a room")
    place.add_argument("username", metavar="USERNAME")
    place.add_argument(
        "room", metavar=f"ROOM_ID|{MAIN_ROOM}", type=room, help="a breakout room, or the main room"
    )
    place.add_argument(
        "--pinned", action="store_true", help="keep them there when distributing again"
    )
    apply = _in_conversation(commands, "apply", overrides, "save the current plan")
    apply.add_argument("--start", action="store_true", help="and start the breakout rooms")


def _add_set_up(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    set_up = _in_conversation(commands, "set-up", overrides, "create the breakout rooms")
    rooms = set_up.add_mutually_exclusive_group(required=True)
    rooms.add_argument("--rooms", metavar="N", type=int, help='N rooms named "Room 1"…"Room N"')
    rooms.add_argument(
        "--room-name", dest="room_names", metavar="NAME", action="append", help="one room"
    )
    set_up.add_argument(
        "--mode",
        choices=[mode.value for mode in AssignmentMode],
        default=AssignmentMode.MANUAL.value,
        help="how attendees get their rooms (default: %(default)s)",
    )
    set_up.add_argument(
        "--time-limit", metavar="SECONDS", type=int, help="end the rooms after this long"
    )
    set_up.add_argument(
        "--closing-countdown",
        metavar="SECONDS",
        type=int,
        help="how long the rooms stay open once ended",
    )
    set_up.add_argument(
        "--phone-room-limit",
        metavar="N",
        type=int,
        help="rooms 1…N can take phone attendees (default: one per --pin, else 7)",
    )
    set_up.add_argument("--dial-in", metavar="NUMBER", help="the phone bridge's number")
    set_up.add_argument(
        "--pin", dest="pins", metavar="PIN", action="append", help="the next phone room's PIN"
    )
    set_up.add_argument("--seed", type=int, default=0, help="vary automatic mode's shuffle")


def _add_session_commands(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    _in_conversation(commands, "start", overrides, "start the breakout rooms")
    broadcast = _in_conversation(commands, "broadcast", overrides, "write to every room")
    broadcast.add_argument("text", metavar="TEXT")
    _in_conversation(commands, "end", overrides, "end the breakout rooms (or their countdown)")
    _in_conversation(commands, "delete-rooms", overrides, "delete the breakout rooms")


def _add_chat_commands(commands: Subparsers, overrides: argparse.ArgumentParser) -> None:
    post = _in_conversation(commands, "post", overrides, "write in a room's chat")
    post.add_argument("text", metavar="TEXT")
    post.add_argument("--room", type=room, help="a breakout room's id (default: the main room)")
    history = _in_conversation(commands, "history", overrides, "print a room's chat, newest first")
    history.add_argument("--room", type=room, help="a breakout room's id (default: the main room)")
    history.add_argument("--limit", metavar="N", type=int, default=50, help="at most N records")
    history.add_argument("--before", metavar="SEQ", type=int, help="only records older than SEQ")


def _problem(args: argparse.Namespace) -> str | None:
    """What argparse cannot check by itself, as a sentence; ``None`` if all is well."""
    if args.password is None:
        return f"--password (or ${PASSWORD_ENV}) is needed"
    if args.command != SIGN_UP and args.user is None:
        return f"--user (or ${USER_ENV}) is needed to log in"
    if args.command == "add-member":
        return _repeated_attribute(args.attributes)
    if args.command == "set-up" and (args.dial_in is None) != (args.pins is None):
        return "--dial-in and --pin go together"
    return None


def _repeated_attribute(pairs: list[tuple[str, str]]) -> str | None:
    """A key given twice is refused rather than silently overwritten, so that a
    typo in a script is noticed."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    return f"attribute {repeated[0]!r} is given twice" if repeated else None

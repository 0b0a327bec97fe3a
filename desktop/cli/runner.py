"""Running one invocation: parse, connect, log in, act, print, and say how it went.

Exit status: 0 done, 1 refused by the server (its code and sentence as JSON on
stderr), 2 bad arguments or no server to talk to (a sentence on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence

from desktop.client import ConnectionFailed, ServerError

from . import output
from .actions import ACTIONS
from .parser import SIGN_UP, parse
from .session import connected

DONE = 0
REFUSED = 1
NOT_DONE = 2
"""No server to talk to, or (argparse's status) bad arguments: nothing was asked."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``sys.argv`` without the program by default)."""
    return asyncio.run(run(sys.argv[1:] if argv is None else argv))


async def run(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int:
    """Like :func:`main`, on the running loop; ``environ`` stands in for
    ``os.environ`` so the defaults can be given explicitly."""
    try:
        args = parse(argv, os.environ if environ is None else environ)
    except SystemExit as stop:  # argparse has printed the usage, or the help
        return _status(stop)
    return await _perform(args)


async def _perform(args: argparse.Namespace) -> int:
    try:
        async with asyncio.timeout(args.timeout):
            value = await _act(args)
    except ServerError as error:
        output.refusal(error)
        return REFUSED
    except ConnectionFailed as error:
        output.trouble(error.message)
        return NOT_DONE
    except TimeoutError:
        output.trouble(f"No answer from {args.server} within {args.timeout:g} s.")
        return NOT_DONE
    output.result(value)
    return DONE


async def _act(args: argparse.Namespace) -> object:
    async with connected(args.server) as client:
        if args.command != SIGN_UP:
            await client.log_in(args.user, args.password)
        return await ACTIONS[args.command](client, args)


def _status(stop: SystemExit) -> int:
    if stop.code is None:
        return DONE
    return stop.code if isinstance(stop.code, int) else NOT_DONE

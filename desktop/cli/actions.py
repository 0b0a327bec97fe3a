"""What each subcommand does with a connected client, and what it prints.

An action takes the client (logged in, except for ``sign-up``) and the parsed
arguments and returns the value to print as JSON; a refusal by the server
propagates as :class:`~desktop.client.ServerError`.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping

import msgspec

from desktop.client import Client, apply_plan

from . import build, waiting
from .parser import SIGN_UP

Action = Callable[[Client, argparse.Namespace], Awaitable[object]]


async def sign_up(client: Client, args: argparse.Namespace) -> object:
    return await client.sign_up(args.username, args.password, args.display_name or args.username)


async def create_conversation(client: Client, args: argparse.Namespace) -> object:
    return {"conversation_id": await client.create_conversation(args.title)}


async def conversations(client: Client, args: argparse.Namespace) -> object:
    return await client.list_conversations()


async def delete_conversation(client: Client, args: argparse.Namespace) -> object:
    await client.delete_conversation(args.conversation)
    return {"conversation_id": args.conversation, "deleted": True}


async def state(client: Client, args: argparse.Namespace) -> object:
    """The mirrored conversation as plain data, with the ``seq`` it is as of."""
    mirrored = await waiting.conversation(client, args.conversation, args.timeout)
    data = msgspec.to_builtins(mirrored.conversation, order="deterministic")  # sorts sets
    return {**data, "seq": mirrored.seq}


async def history(client: Client, args: argparse.Namespace) -> object:
    page = await client.history(args.conversation, args.room, before=args.before, limit=args.limit)
    return {
        "conversation_id": page.conversation_id,
        "room_id": page.room_id,
        "records": page.records,
        "more": page.more,
    }


async def apply(client: Client, args: argparse.Namespace) -> object:
    """Save the plan as it stands (from ``distribute`` or ``place``).

    The plan is on the server already: an empty partial apply saves it as the
    server holds it, where the whole plan of thousands of attendees would not
    fit in one frame.
    """
    mirrored = await waiting.conversation(client, args.conversation, args.timeout)
    plan = mirrored.conversation.breakouts.plan
    return {"seq": await apply_plan(client, args.conversation, plan, plan, start=args.start)}


async def execute(client: Client, args: argparse.Namespace) -> object:
    """Send the one domain command the subcommand stands for."""
    command = build.BUILDERS[args.command](args)
    return {"seq": await client.execute(args.conversation, command)}


ACTIONS: Mapping[str, Action] = {
    SIGN_UP: sign_up,
    "create-conversation": create_conversation,
    "conversations": conversations,
    "delete-conversation": delete_conversation,
    "state": state,
    "history": history,
    "apply": apply,
    **dict.fromkeys(build.BUILDERS, execute),
}
"""Every subcommand the parser knows, with what it does."""

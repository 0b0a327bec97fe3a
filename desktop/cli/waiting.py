"""Waiting until the client's mirror holds a conversation.

The server sends a snapshot of each of the account's conversations right after
logging in, but a command line must not assume it has arrived: it waits for the
mirror's change callback instead, and gives up after a while.
"""

from __future__ import annotations

import asyncio

from desktop.client import Change, Client, ConversationMirror, ServerError
from desktop.protocol import ProtocolCode


async def conversation(client: Client, conversation_id: str, timeout: float) -> ConversationMirror:
    """The mirrored conversation; a :class:`ServerError` with the server's own
    code if the account is not a member, :class:`TimeoutError` if it never came."""
    summaries = await client.list_conversations()
    if all(summary.conversation_id != conversation_id for summary in summaries):
        raise ServerError(
            ProtocolCode.UNKNOWN_CONVERSATION,
            f"You are not a member of a conversation with id {conversation_id!r}.",
        )
    await _mirrored(client, conversation_id, timeout)
    return client.mirror.conversations[conversation_id]


async def _mirrored(client: Client, conversation_id: str, timeout: float) -> None:
    arrived = asyncio.Event()

    def check(_: Change) -> None:
        if conversation_id in client.mirror.conversations:
            arrived.set()

    unsubscribe = client.mirror.subscribe(check)
    try:
        if conversation_id not in client.mirror.conversations:
            async with asyncio.timeout(timeout):
                await arrived.wait()
    finally:
        unsubscribe()

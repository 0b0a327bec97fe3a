"""Chat history: pages newest first, older pages by ``before``, the main room's
chat apart from the breakout rooms' chats."""

from __future__ import annotations

import pytest
from netkit import party

from desktop.core import AudioConnection
from desktop.core.commands import PostMessage
from desktop.core.events import MessagePosted
from desktop.protocol.messages import History
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio


def texts(page: History) -> list[str]:
    return [r.body.text for r in page.records if isinstance(r.body, MessagePosted)]


async def test_history_pages_back_to_the_first_message(server: EmbeddedServer) -> None:
    async with party(server.url, {"ann": AudioConnection.VOIP}) as meeting:
        cid, ann = meeting.conversation_id, meeting["ann"]
        for n in range(25):
            await ann.execute(cid, PostMessage(text=f"line {n}"))
        first = await ann.history(cid, limit=10)
        assert texts(first) == [f"line {n}" for n in range(24, 14, -1)]
        assert first.more
        second = await ann.history(cid, before=first.records[-1].seq, limit=10)
        assert texts(second) == [f"line {n}" for n in range(14, 4, -1)]
        last = await ann.history(cid, before=second.records[-1].seq, limit=10)
        assert texts(last) == [f"line {n}" for n in range(4, -1, -1)]
        assert not last.more

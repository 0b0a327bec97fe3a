"""A participant's window against a real server: the join banner, joining, the
closing countdown every room hears, and the way back to the main room."""

from __future__ import annotations

import asyncio
from pathlib import Path

from netkit import Clock, party, server_settings
from PySide6.QtWidgets import QPushButton
from qtkit import run, until

from desktop.app import open_window
from desktop.core import AssignmentMode, AudioConnection, BreakoutSettings, RoomId
from desktop.core.commands import EndBreakouts, SetUpBreakouts, StartBreakouts
from desktop.server import EmbeddedServer
from desktop.ui.notifications import Notifier


def test_a_participant_is_offered_the_room_warned_before_closing_and_brought_back(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        server = EmbeddedServer(server_settings(tmp_path, Clock(), port=0))
        await server.start()
        notifier = Notifier()
        try:
            async with party(server.url, {"ann": AudioConnection.VOIP}) as people:
                cid, host = people.conversation_id, people.moderator
                front = open_window(people["ann"], notifier)
                front.workspace.open(cid)
                banner = front.window.conversation.banner
                settings = BreakoutSettings(mode=AssignmentMode.AUTOMATIC, closing_countdown=60)
                set_up = SetUpBreakouts(room_names=("Team Alpha",), settings=settings)
                await host.execute(cid, set_up)
                await host.execute(cid, StartBreakouts())
                await until(lambda: "Team Alpha" in banner.text(), "the join banner")

                join = banner.findChild(QPushButton)
                assert join is not None
                join.click()
                await until(lambda: front.workspace.room == RoomId(1), "in the room")

                await host.execute(cid, EndBreakouts())
                await until(lambda: "close in" in banner.text(), "the closing warning")

                await host.execute(cid, EndBreakouts())
                await until(lambda: front.workspace.room is None, "back in the main room")
                assert "main room" in banner.text()
                front.window.close()
                await front.session.tasks.close()
        finally:
            await notifier.close()
            await server.stop()

    run(qloop, scenario())

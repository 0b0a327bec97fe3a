"""Deleting breakout rooms from the moderator's window: Conversation settings,
its Breakout Rooms section, Delete, a confirmation that says what stays, and
the main chat kept (the stage and the helpers are in ``test_app_flows``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QToolButton
from qtkit import run, until
from test_app_flows import (
    LEFT,
    Window,
    answer,
    button,
    choose,
    click,
    control,
    manual,
    open_box,
    say,
    stage,
)

from desktop.core import AudioConnection
from desktop.core.commands import SetUpBreakouts
from desktop.ui.dialogs.settings_dialog import ConversationSettingsDialog


def open_breakout_settings(host: Window) -> ConversationSettingsDialog:
    """The ⋮ menu's "Conversation settings", then its Breakout Rooms section."""
    choose(control(host.view, "More actions", QToolButton), "Conversation settings")
    dialog = host.front.breakouts.settings_dialog
    assert dialog is not None
    assert dialog.isVisible()
    sections = dialog.sections
    item = sections.findItems("Breakout Rooms", Qt.MatchFlag.MatchExactly)[0]
    QTest.mouseClick(sections.viewport(), LEFT, pos=sections.visualItemRect(item).center())
    assert dialog.pages.currentWidget() is dialog.breakout_rooms
    return dialog


def test_deleting_breakout_rooms_asks_first_and_keeps_the_main_chat(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    said = ["Welcome, everyone", "Hello from Ann", "Still here?"]

    async def scenario() -> None:
        async with stage(tmp_path, {"ann": AudioConnection.VOIP}) as scene:
            host, ann = scene.host, scene["ann"]
            await say(host, said[0])
            await say(ann, said[1])
            await scene.command(SetUpBreakouts(room_names=("Team Alpha",), settings=manual()))
            await until(lambda: host.view.breakouts.currentWidget() is host.view.panel, "panel")
            dialog = open_breakout_settings(host)
            page = dialog.breakout_rooms

            click(button(page, "Delete Breakout Rooms…"))
            box = open_box(dialog)
            assert box.text() == "Delete all breakout rooms?"
            assert "main conversation and its message history stay untouched" in (
                box.informativeText()
            )
            answer(box, "Cancel")
            assert not box.isVisible()
            await say(host, said[2])  # sent after any delete the Cancel would have sent
            assert scene.saved().breakouts.is_set_up

            click(button(page, "Delete Breakout Rooms…"))
            answer(open_box(dialog), "Delete Breakout Rooms")
            await until(lambda: not scene.saved().breakouts.is_set_up, "the rooms deleted")
            await until(page.set_up_button.isVisible, "the page's empty state")
            await until(lambda: host.view.breakouts.currentIndex() == 0, "the tab's empty state")
            for person in (host, ann):
                await until(person.shows("The breakout rooms were deleted."), "the system line")
                assert [line for line in person.chat() if line in said] == said
            history = await scene.party.moderator.history(scene.cid)
            records = sorted(history.records, key=lambda record: record.seq)
            kept = [getattr(record.body, "text", "") for record in records]
            assert [line for line in kept if line in said] == said
            click(dialog.buttons.button(QDialogButtonBox.StandardButton.Close))
            assert not dialog.isVisible()

    run(qloop, scenario())

"""Whole windows while breakout rooms run: a help request reaching the
moderator, a broadcast reaching every room, moving someone by drag and drop,
and the end of the session bringing everyone back (the stage and the helpers
are in ``test_app_flows``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from qtkit import run, until
from test_app_flows import (
    Window,
    answer,
    button,
    click,
    control,
    join_offered_room,
    manual,
    notified_of,
    offered,
    open_breakouts_tab,
    rooms_running,
    say,
    stage,
)

from desktop.core import AudioConnection, Phase, UserId
from desktop.ui.banner import BannerKind
from desktop.ui.models.chat_model import ChatRole
from desktop.ui.models.rooms_overview_model import OverviewRole

TWO = {"ann": AudioConnection.VOIP, "bob": AudioConnection.VOIP}
ROOMS = {"Team Alpha": ["ann"], "Team Beta": ["bob"]}
ANN, BOB = UserId("ann"), UserId("bob")


def in_main_room(person: Window) -> Callable[[], bool]:
    """A condition: the person's window shows the main room."""
    return lambda: person.front.workspace.room is None and person.view.place.text() == "Main room"


def notified(person: Window, title: str) -> Callable[[], bool]:
    """A condition: the person's app asked for a notification titled ``title``."""
    return lambda: title in person.told.notices


def warned(person: Window) -> Callable[[], bool]:
    """A condition: the person's banner warns that the rooms close."""
    return lambda: person.banner.isVisible() and "close in" in person.banner.text()


def test_a_help_request_reaches_the_moderator_who_joins_the_room(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, TWO) as scene:
            host, ann = scene.host, scene["ann"]
            await rooms_running(scene, ROOMS)
            await join_offered_room(ann, "Team Alpha")
            await say(ann, "We are stuck on step 3")
            click(button(ann.view, "Ask for help"))

            open_breakouts_tab(host)
            overview = host.view.overview
            model, alpha = overview.model, scene.room_id("Team Alpha")
            await until(lambda: model.room_index(alpha).data(OverviewRole.HelpRole), "the badge")
            assert model.attendee_index(ANN).data(OverviewRole.HelpRole)
            assert not model.attendee_index(BOB).data(OverviewRole.HelpRole)
            assert overview.help_strip.isVisible()
            assert [request.name for request in overview.help_strip.requests] == ["Ann"]
            await until(host.banner.isVisible, "the moderator's banner")
            assert host.banner.text() == "Ann asks for help — Team Alpha"
            await until(lambda: host.told.notices == ["Ann asks for help"], "the notification")

            click(button(host.banner, "Join"))
            await until(lambda: host.front.workspace.room == alpha, "the moderator in the room")
            assert host.view.place.text() == "Visiting Team Alpha"
            await until(host.shows("We are stuck on step 3"), "the room's chat")
            assert button(host.view, "Back to main room").isEnabled()

            click(button(ann.view, "Cancel help request"))
            await until(lambda: not model.room_index(alpha).data(OverviewRole.HelpRole), "no badge")
            assert not model.attendee_index(ANN).data(OverviewRole.HelpRole)
            await until(lambda: not overview.help_strip.isVisible(), "no help strip")
            assert not scene.saved().breakouts.help_requests
            assert button(ann.view, "Ask for help").isEnabled()

    run(qloop, scenario())


def test_a_broadcast_shows_in_every_room_as_a_broadcast(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, TWO) as scene:
            host = scene.host
            await rooms_running(scene, ROOMS)
            await join_offered_room(scene["ann"], "Team Alpha")
            await join_offered_room(scene["bob"], "Team Beta")
            await say(scene["bob"], "Only Team Beta reads this")

            open_breakouts_tab(host)
            overview = host.view.overview
            click(button(overview, "Broadcast a message to every room"))
            QTest.keyClicks(control(overview, "Broadcast message", QLineEdit), "Five minutes left")
            click(button(overview, "Send the broadcast"))
            assert not overview.header.composer.isVisible()

            for person in scene.people.values():
                await until(person.shows("Five minutes left"), "the broadcast in the room")
                at = person.chat().index("Five minutes left")
                assert person.chat(ChatRole.KindRole)[at] == "broadcast"
                spoken = person.chat(Qt.ItemDataRole.DisplayRole)[at]
                assert spoken == "Broadcast from Mod: Five minutes left"
            assert "Only Team Beta reads this" not in scene["ann"].chat()

    run(qloop, scenario())


def test_ending_warns_every_room_then_brings_everyone_back(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, TWO) as scene:
            host = scene.host
            await rooms_running(scene, ROOMS, manual(closing_countdown=60))
            for person, room in zip(scene.people.values(), ROOMS, strict=True):
                await join_offered_room(person, room)

            open_breakouts_tab(host)
            header = host.view.overview.header
            click(button(header, "End breakout sessions"))
            assert header.confirmation is not None
            assert "1:00 closing countdown" in header.confirmation.informativeText()
            answer(header.confirmation, "Cancel")
            click(button(header, "End breakout sessions"))
            assert header.confirmation is not None
            answer(header.confirmation, "End breakout sessions")

            for person in scene.people.values():
                banner = person.banner
                await until(warned(person), "the warning")
                assert banner.text() == "Breakout rooms close in 60 seconds."
                assert banner.kind() is BannerKind.WARNING
                countdown = person.view.countdown.text()
                assert re.fullmatch(r"Closing in (1:00|0:[0-5]\d)", countdown), countdown
            await say(host, "Please wrap up")  # sent after any end the Cancel would have sent
            assert scene.saved().breakouts.phase is Phase.CLOSING
            assert button(header, "End breakout sessions").text() == "End now"

            scene.clock.advance(60)
            await scene.server.services.hub.tick()
            for person in scene.people.values():
                await until(in_main_room(person), "back in the main room")
                assert person.banner.text() == (
                    "The breakout session has ended: you are back in the main room."
                )
                assert person.banner.kind() is BannerKind.SUCCESS
                await until(notified(person, "Back in the main room"), "the notification")
                assert "Please wrap up" in person.chat()
                assert not person.view.countdown.isVisible()
            assert scene.saved().breakouts.phase is Phase.ENDED
            await until(lambda: host.view.breakouts.currentWidget() is host.view.panel, "panel")

    run(qloop, scenario())


def test_a_participant_moved_by_drag_and_drop_is_offered_the_new_room(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, TWO) as scene:
            host, ann, bob = scene.host, scene["ann"], scene["bob"]
            await rooms_running(scene, ROOMS)
            await join_offered_room(ann, "Team Alpha")
            await join_offered_room(bob, "Team Beta")
            await say(bob, "Welcome to Team Beta")

            open_breakouts_tab(host)
            model, beta = host.view.overview.model, scene.room_id("Team Beta")
            await until(lambda: model.attendee_index(ANN).isValid(), "Ann's row")
            dragged = model.mimeData([model.attendee_index(ANN)])
            move = Qt.DropAction.MoveAction
            assert model.canDropMimeData(dragged, move, -1, 0, model.room_index(beta))
            assert model.dropMimeData(dragged, move, -1, 0, model.room_index(beta))

            await until(lambda: scene.room_of("ann") == "Team Beta", "the move saved")
            await until(offered(ann, "Team Beta"), "the offer of the new room")
            assert ann.banner.action_text() == "Join"
            await until(notified_of(ann, ["Team Alpha", "Team Beta"]), "the notification")
            row = model.attendee_index(ANN)
            await until(lambda: row.data(OverviewRole.RoomIdRole) == beta, "Ann's row in Beta")

            await join_offered_room(ann, "Team Beta")
            await until(ann.shows("Welcome to Team Beta"), "what was said before she came")
            await say(ann, "Hello Team Beta")
            await until(bob.shows("Hello Team Beta"), "Bob reading Ann")

    run(qloop, scenario())

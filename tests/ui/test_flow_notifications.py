"""A participant's native notifications on a real notification server (dunst
on Xvfb with a private session bus), from the whole app: the "Join" of the
popup takes them into their room, joining from the banner takes the popup
away, and "Join my room automatically" needs no click at all (see
``test_app_flows`` for the stage)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import screenkit
from PySide6.QtWidgets import QMainWindow, QMenu
from qtkit import run, until
from screenkit import NotificationServer
from test_app_flows import Window, button, click, rooms_running, stage

from desktop.core import AudioConnection
from desktop.core.commands import EndBreakouts
from desktop.ui.notifications import Notifier

ANN = {"ann": AudioConnection.VOIP}
ALPHA = {"Team Alpha": ["ann"]}


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationServer]:
    """A desktop session with dunst showing notifications; notifiers made while it
    runs talk to it."""
    with screenkit.notification_desktop() as server:
        monkeypatch.setenv("DISPLAY", server.session.display)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", server.session.bus_address)
        yield server


def menu_bar_entry(window: QMainWindow, menu_title: str, entry: str) -> None:
    """Pick ``entry`` from the window's menu bar menu ``menu_title``."""
    menus = {
        action.text().replace("&", ""): action.menu()
        for action in window.menuBar().actions()
        if isinstance(action.menu(), QMenu)
    }
    menu = menus.get(menu_title)
    assert isinstance(menu, QMenu), f"no menu {menu_title!r} in {list(menus)}"
    actions = {action.text().replace("&", ""): action for action in menu.actions()}
    assert entry in actions, f"no {entry!r} in {list(actions)}"
    assert actions[entry].isEnabled()
    actions[entry].trigger()


def in_alpha(person: Window) -> bool:
    return person.view.place.text() == "Breakout room: Team Alpha"


def test_the_join_button_of_the_popup_takes_the_participant_into_the_room(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, ANN, {"ann": Notifier()}) as scene:
            ann = scene["ann"]
            await rooms_running(scene, ALPHA)
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            assert not in_alpha(ann)
            desktop.press_button("Join")
            await until(lambda: in_alpha(ann), "Ann in Team Alpha")
            assert ann.front.workspace.room == scene.room_id("Team Alpha")
            assert not ann.banner.isVisible()
            assert "#Join (You have been assigned to Team Alpha)" in desktop.last_menu()

    run(qloop, scenario())


def test_joining_from_the_banner_takes_the_popup_away(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, ANN, {"ann": Notifier()}) as scene:
            ann = scene["ann"]
            await rooms_running(scene, ALPHA)
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            await until(lambda: ann.banner.isVisible(), "the banner")
            click(button(ann.banner, "Join"))
            assert in_alpha(ann)
            await until(lambda: desktop.displayed_count() == 0, "the popup to go")

    run(qloop, scenario())


def test_with_automatic_joining_the_participant_lands_in_the_room_unasked(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, ANN, {"ann": Notifier()}) as scene:
            ann = scene["ann"]
            window = ann.front.window
            menu_bar_entry(window, "Settings", "Join my room automatically")
            assert window.auto_join_action.isChecked()
            await rooms_running(scene, ALPHA)
            await until(lambda: in_alpha(ann), "Ann in Team Alpha")
            assert not ann.banner.isVisible()
            assert desktop.displayed_count() == 0

    run(qloop, scenario())


def test_an_offer_not_taken_before_the_session_ends_is_taken_off_screen(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, ANN, {"ann": Notifier()}) as scene:
            ann = scene["ann"]
            await rooms_running(scene, ALPHA)
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            await scene.command(EndBreakouts())
            await until(
                lambda: "You have been assigned to Team Alpha" in desktop.closed_summaries(),
                "the offer to go",
            )
            await until(lambda: "main room" in ann.banner.text(), "the way back")

    run(qloop, scenario())

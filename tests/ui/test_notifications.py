"""Native notifications against a real notification server: dunst on Xvfb.

The Qt app itself runs offscreen; only the notification server needs a screen.
Each test gets its own display, session bus and dunst, so popups never leak
from one test into another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
import screenkit
from qtkit import run, until
from screenkit import NotificationServer, Session

from desktop.ui.notifications import PROBE_TIMEOUT, Notifier


def _enter(monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    monkeypatch.setenv("DISPLAY", session.display)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.bus_address)


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationServer]:
    """A desktop session with dunst showing notifications."""
    with screenkit.notification_desktop() as server:
        _enter(monkeypatch, server.session)
        yield server


@pytest.fixture
def bare_desktop(monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A desktop session whose bus has no notification server."""
    with screenkit.desktop_session() as session:
        _enter(monkeypatch, session)
        yield session


@pytest.fixture
def no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """No D-Bus session and no display at all, as in a bare SSH login."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)


def _no_warnings(caplog: pytest.LogCaptureFixture) -> None:
    loud = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert loud == []


def test_assignment_pops_up_and_clicking_it_joins(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    joined: list[str] = []

    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert await notifier.assigned("Team Alpha", lambda: joined.append("Team Alpha"))
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            assert joined == []
            desktop.click_body()
            await until(lambda: joined, "a join")
        finally:
            await notifier.close()

    run(qloop, scenario())
    assert joined == ["Team Alpha"]


def test_the_join_button_joins(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    joined: list[str] = []

    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert await notifier.assigned("Team Alpha", lambda: joined.append("Team Alpha"))
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            desktop.press_button("Join")
            await until(lambda: joined, "a join")
        finally:
            await notifier.close()

    run(qloop, scenario())
    assert joined == ["Team Alpha"]
    assert "#Join (You have been assigned to Team Alpha)" in desktop.last_menu()


def test_a_new_assignment_replaces_the_old_one(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    joined: list[str] = []

    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert await notifier.assigned("Team Alpha", lambda: joined.append("Team Alpha"))
            await until(lambda: desktop.displayed_count() == 1, "the first popup")
            assert await notifier.assigned("Team Beta", lambda: joined.append("Team Beta"))
            await until(lambda: desktop.displayed_count() == 1, "the second popup alone")
            desktop.click_body()
            await until(lambda: joined, "a join")
        finally:
            await notifier.close()

    run(qloop, scenario())
    assert joined == ["Team Beta"]


def test_withdrawing_the_assignment_takes_it_off_screen(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert await notifier.assigned("Team Alpha", lambda: None)
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            await notifier.withdraw_assignment()
            await until(lambda: desktop.displayed_count() == 0, "the popup to go")
        finally:
            await notifier.close()

    run(qloop, scenario())


def test_a_plain_notification_reports_its_click(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    clicks: list[str] = []

    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert await notifier.notify(
                "Help requested", "Ana needs help in Team Alpha", lambda: clicks.append("help")
            )
            await until(lambda: desktop.displayed_count() == 1, "the popup")
            desktop.click_body()
            await until(lambda: clicks, "the click")
        finally:
            await notifier.close()

    run(qloop, scenario())
    assert clicks == ["help"]


def test_closing_withdraws_what_is_on_screen(
    qloop: asyncio.AbstractEventLoop, desktop: NotificationServer
) -> None:
    async def scenario() -> None:
        notifier = Notifier()
        assert await notifier.notify("Back", "You are back in the main room")
        assert await notifier.assigned("Team Alpha", lambda: None)
        await until(lambda: desktop.displayed_count() == 2, "both popups")
        await notifier.close()
        await until(lambda: desktop.displayed_count() == 0, "the popups to go")

    run(qloop, scenario())


def test_without_a_notification_server_nothing_is_shown_and_nothing_complains(
    qloop: asyncio.AbstractEventLoop, bare_desktop: Session, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        notifier = Notifier()
        try:
            started = time.monotonic()
            assert not await notifier.assigned("Team Alpha", lambda: None)
            assert not await notifier.notify("Back", "You are back in the main room")
            assert time.monotonic() - started < PROBE_TIMEOUT, "the bus should answer at once"
        finally:
            await notifier.close()

    run(qloop, scenario())
    _no_warnings(caplog)


def test_without_any_session_nothing_is_shown_and_nothing_complains(
    qloop: asyncio.AbstractEventLoop, no_session: None, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        notifier = Notifier()
        try:
            assert not await notifier.assigned("Team Alpha", lambda: None)
            assert not await notifier.notify("Back", "You are back in the main room")
        finally:
            await notifier.close()

    run(qloop, scenario())
    _no_warnings(caplog)


def test_a_server_that_went_away_is_noticed_quietly_and_found_again(
    qloop: asyncio.AbstractEventLoop, bare_desktop: Session, caplog: pytest.LogCaptureFixture
) -> None:
    clicks: list[str] = []

    async def scenario() -> None:
        notifier = Notifier()
        try:
            with screenkit.dunst(bare_desktop):
                assert await notifier.notify("First", "Shown")
            assert not await notifier.notify("Second", "Nobody to show it")
            with screenkit.dunst(bare_desktop) as server:
                assert await notifier.notify("Third", "Shown again", lambda: clicks.append("3"))
                await until(lambda: server.displayed_count() == 1, "the popup")
                server.click_body()
                await until(lambda: clicks, "the click")
        finally:
            await notifier.close()

    run(qloop, scenario())
    _no_warnings(caplog)

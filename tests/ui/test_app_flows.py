"""Whole windows against a real server: the moderator's and the participants'
apps side by side, driven the way their users drive them.

Each test starts an embedded server, signs a moderator and participants in,
opens a window per person exactly as the app wires one (``open_window``) and
clicks the buttons, menu entries and dialog buttons a user would click. Controls
are found by the name a screen reader announces, and only while they are on
screen and enabled. What a test checks is what the users see (banners, chats,
the rooms overview) and what the server holds.

This module has the stage every flow test uses and the flow that sets breakout
rooms up and starts them; ``test_flow_session`` has the running session,
``test_flow_settings`` deleting the rooms and ``test_flow_notifications`` the
native notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from netkit import Clock, Party, gather_party, server_settings
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMessageBox,
    QToolButton,
    QWidget,
)
from qtkit import run, texts, until

from desktop.app import Front, open_window
from desktop.client import Client
from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Phase,
    Placement,
    RoomId,
    UserId,
)
from desktop.core.commands import Command, PlaceAttendees, SetUpBreakouts, StartBreakouts
from desktop.server import EmbeddedServer
from desktop.ui.banner import Banner
from desktop.ui.conversation_view import ConversationView
from desktop.ui.dialogs.setup_dialog import SetUpDialog
from desktop.ui.models.chat_model import ChatRole
from desktop.ui.notifications import Notifier

W = TypeVar("W", bound=QWidget)

MODERATOR = "mod"
LEFT = Qt.MouseButton.LeftButton


# Finding and using controls as a user does


def spoken_name(widget: QWidget) -> str:
    """What a screen reader announces for ``widget``: its accessible name, or its text."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return "" if interface is None else interface.text(QAccessible.Text.Name)


def control(root: QWidget, name: str, kind: type[W]) -> W:
    """The one ``kind`` under ``root`` that is on screen and announced as ``name``."""
    on_screen = [widget for widget in root.findChildren(kind) if widget.isVisible()]
    found = [widget for widget in on_screen if spoken_name(widget) == name]
    names = sorted(spoken_name(widget) for widget in on_screen)
    assert len(found) == 1, f"{len(found)} controls named {name!r}; on screen: {names}"
    return found[0]


def button(root: QWidget, name: str) -> QAbstractButton:
    return control(root, name, QAbstractButton)


def click(pressed: QAbstractButton) -> None:
    """Click with the mouse; the button must be on screen and enabled."""
    assert pressed.isVisible(), f"{spoken_name(pressed)!r} is not on screen"
    assert pressed.isEnabled(), f"{spoken_name(pressed)!r} is disabled"
    QTest.mouseClick(pressed, LEFT, pos=pressed.rect().center())


def choose(menu_button: QToolButton, entry: str) -> None:
    """Pick ``entry`` from the menu that ``menu_button`` pops up."""
    menu = menu_button.menu()
    assert menu is not None
    entries = {action.text().replace("&", ""): action for action in menu.actions()}
    action = entries.get(entry)
    assert action is not None, f"no {entry!r} in {list(entries)}"
    assert action.isVisible(), entry
    assert action.isEnabled(), entry
    action.trigger()


def open_box(parent: QWidget) -> QMessageBox:
    """The message box open over ``parent``."""
    boxes = [box for box in parent.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1, f"{len(boxes)} message boxes open"
    return boxes[0]


def answer(box: QMessageBox, text: str) -> None:
    """Press the button of an open message box that reads ``text``."""
    assert box.isVisible(), "the message box is not open"
    buttons = {each.text().replace("&", ""): each for each in box.buttons()}
    assert text in buttons, f"no {text!r} in {list(buttons)}"
    click(buttons[text])


# The stage: a server and everybody's window


class RecordingNotifier(Notifier):
    """A notifier with no notification service that remembers what it was asked
    to show: the app falls back on its banners, and a test sees what would
    have popped up."""

    def __init__(self) -> None:
        super().__init__()
        self.assignments: list[str] = []
        self.notices: list[str] = []

    async def assigned(self, room_name: str, on_join: Callable[[], None]) -> bool:
        self.assignments.append(room_name)
        return False

    async def notify(
        self, title: str, body: str, on_click: Callable[[], None] | None = None
    ) -> bool:
        self.notices.append(title)
        return False


@dataclass
class Window:
    """One person's app: the window as the app wires it, and its notifier."""

    front: Front
    notifier: Notifier

    @property
    def view(self) -> ConversationView:
        return self.front.window.conversation

    @property
    def banner(self) -> Banner:
        return self.view.banner

    @property
    def told(self) -> RecordingNotifier:
        """What the app asked its notifier to show (windows with the recording one)."""
        assert isinstance(self.notifier, RecordingNotifier)
        return self.notifier

    def chat(self, role: int = ChatRole.TextRole) -> list[str]:
        """One role of every line of the chat on screen."""
        model = self.front.workspace.chat
        return [str(model.data(model.index(row), role)) for row in range(model.rowCount())]

    def shows(self, text: str) -> Callable[[], bool]:
        """A condition: the chat on screen has a line ``text``."""
        return lambda: text in self.chat()

    async def open(self, conversation_id: str) -> None:
        """Click the conversation in the window's list, as its user picks it."""
        conversations = self.front.window.conversations
        model = conversations.model
        await until(lambda: model.rowCount() == 1, "the conversation in the list")
        spot = conversations.list.visualRect(model.index(0, 0)).center()
        QTest.mouseClick(conversations.list.viewport(), LEFT, pos=spot)
        await until(lambda: self.front.workspace.current == conversation_id, "it open")

    async def close(self) -> None:
        self.front.window.close()
        await self.front.session.tasks.close()
        await self.notifier.close()


def _opened(client: Client, notifier: Notifier) -> Window:
    window = Window(open_window(client, notifier), notifier)
    window.front.window.resize(1280, 800)
    window.front.window.show()
    return window


@dataclass
class Stage:
    """A conversation "Workshop" on a real server, and everybody's window on it."""

    server: EmbeddedServer
    clock: Clock
    party: Party
    host: Window
    people: dict[str, Window]

    @property
    def cid(self) -> str:
        return self.party.conversation_id

    def __getitem__(self, username: str) -> Window:
        return self.people[username]

    def saved(self) -> Conversation:
        """The conversation as the server holds it."""
        return self.server.services.hub.snapshot(self.cid, UserId(MODERATOR)).conversation

    def room_id(self, name: str) -> RoomId:
        return next(room.id for room in self.saved().breakouts.rooms if room.name == name)

    def room_of(self, username: str) -> str | None:
        """The name of the room the server has ``username`` in."""
        breakouts = self.saved().breakouts
        room = breakouts.plan.rooms_of.get(UserId(username))
        return None if room is None else breakouts.room(room).name

    async def command(self, *commands: Command) -> None:
        """The moderator's client sends ``commands`` itself: a test's premises."""
        for command in commands:
            await self.party.moderator.execute(self.cid, command)


@contextmanager
def _loop_kept_after_last_window() -> Iterator[None]:
    """Closing the last window quits the app, which would stop the test's loop."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quits = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    try:
        yield
    finally:
        app.setQuitOnLastWindowClosed(quits)


@asynccontextmanager
async def stage(
    tmp_path: Path,
    audio: Mapping[str, AudioConnection],
    notifiers: Mapping[str, Notifier] | None = None,
) -> AsyncIterator[Stage]:
    """Start a server, sign everybody in and open everybody's window on "Workshop".

    Windows get a :class:`RecordingNotifier` unless ``notifiers`` has one for
    their user. Everything is closed again, windows first, when the block ends.
    """
    clock = Clock()
    server = EmbeddedServer(server_settings(tmp_path, clock, port=0))
    windows: list[Window] = []
    with _loop_kept_after_last_window():
        await server.start()
        try:
            party = await gather_party(server.url, audio, MODERATOR)
            try:
                for name, client in ((MODERATOR, party.moderator), *party.people.items()):
                    chosen = (notifiers or {}).get(name) or RecordingNotifier()
                    windows.append(_opened(client, chosen))
                for window in windows:
                    await window.open(party.conversation_id)
                host, *people = windows
                yield Stage(
                    server, clock, party, host, dict(zip(party.people, people, strict=True))
                )
            finally:
                for window in reversed(windows):
                    await window.close()
                await party.close()
        finally:
            await server.stop()


def manual(closing_countdown: int | None = None) -> BreakoutSettings:
    return BreakoutSettings(mode=AssignmentMode.MANUAL, closing_countdown=closing_countdown)


async def rooms_running(
    scene: Stage, rooms: Mapping[str, Sequence[str]], settings: BreakoutSettings | None = None
) -> None:
    """Premise: rooms set up with these people in them, and the session started."""
    await scene.command(SetUpBreakouts(room_names=tuple(rooms), settings=settings or manual()))
    placements = tuple(
        Placement(UserId(user), scene.room_id(name), pinned=True)
        for name, users in rooms.items()
        for user in users
    )
    await scene.command(PlaceAttendees(placements=placements), StartBreakouts())


def open_breakouts_tab(host: Window) -> None:
    """Click the assistant panel's Breakouts tab."""
    tabs = host.view.tabs
    spot = tabs.tabBar().tabRect(tabs.indexOf(host.view.breakouts)).center()
    QTest.mouseClick(tabs.tabBar(), LEFT, pos=spot)
    assert tabs.currentWidget() is host.view.breakouts


async def join_offered_room(person: Window, room: str) -> None:
    """Wait for the banner that offers ``room`` and press its "Join"."""
    banner = person.banner
    await until(lambda: banner.isVisible() and room in banner.text(), f"the offer of {room}")
    click(button(banner, "Join"))
    await until(lambda: person.view.place.text() == f"Breakout room: {room}", f"in {room}")


async def say(person: Window, text: str) -> None:
    """Type ``text`` into the chat's message box, press Send, see it come back."""
    composer = person.view.chat.composer
    QTest.keyClicks(composer.edit, text)
    click(button(composer, "Send message"))
    await until(person.shows(text), f"{text!r} in the chat")


# Setting breakout rooms up


def panel_rooms(window: Window) -> dict[str, list[str]]:
    """What the Smart Distribute panel lists: each group's title and its people."""
    model = window.view.panel.model
    assert model is not None
    return {
        title: sorted(texts(model, model.index(row, 0))) for row, title in enumerate(texts(model))
    }


def saved_rooms(conversation: Conversation) -> dict[str, list[str]]:
    """What the panel should list for the plan the server holds."""
    breakouts = conversation.breakouts
    names = {member.user_id: member.display_name for member in conversation.attendees()}
    placed = breakouts.plan.rooms_of
    unassigned = sorted(name for user, name in names.items() if user not in placed)
    listed = {f"Unassigned ({len(unassigned)})": unassigned}
    for position, room in enumerate(breakouts.rooms, 1):
        people = sorted(names[user] for user, at in placed.items() if at == room.id)
        listed[f"{position}. {room.name} ({len(people)})"] = people
    return listed


def offered(person: Window, room: str) -> Callable[[], bool]:
    """A condition: the person's banner offers ``room``."""
    text = f"You have been assigned to {room}"
    return lambda: person.banner.isVisible() and person.banner.text() == text


def knows_plan(person: Window, cid: str, rooms_of: Mapping[UserId, RoomId]) -> Callable[[], bool]:
    """A condition: the person's app has heard of this plan."""

    def check() -> bool:
        mirror = person.front.session.conversation(cid)
        return mirror is not None and mirror.conversation.breakouts.plan.rooms_of == rooms_of

    return check


def notified_of(person: Window, rooms: list[str]) -> Callable[[], bool]:
    """A condition: the person's app notified them of these assignments."""
    return lambda: person.told.assignments == rooms


def test_rooms_are_saved_without_starting_then_started_from_the_panel(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    audio = {
        "ann": AudioConnection.VOIP,
        "bob": AudioConnection.VOIP,
        "cat": AudioConnection.JUST_LISTENING,
    }

    async def scenario() -> None:
        async with stage(tmp_path, audio) as scene:
            host = scene.host.view
            choose(control(host, "More actions", QToolButton), "Set up breakout rooms")
            dialog = host.findChild(SetUpDialog)
            assert dialog is not None
            for row, name in enumerate(("Team Alpha", "Team Beta")):
                dialog.names.setData(dialog.names.index(row), name)  # as its editor does
            click(dialog.set_up_button)
            await until(lambda: host.breakouts.currentWidget() is host.panel, "the panel")
            assert host.tabs.currentWidget() is host.breakouts

            panel = host.panel
            click(button(panel, "Smart Distribute"))
            assert "0 unassigned" in panel.summary.text()
            drafted = dict(panel.draft.rooms_of)
            click(button(panel, "Apply Breakouts"))
            await until(lambda: scene.saved().breakouts.plan.rooms_of == drafted, "the plan saved")
            assert scene.saved().breakouts.phase is Phase.CONFIGURED
            assert host.banner.text() == "Breakout rooms saved."
            for name, person in scene.people.items():
                await until(knows_plan(person, scene.cid, drafted), f"{name} hearing of the plan")
                assert not person.banner.isVisible(), person.banner.text()
                assert person.told.assignments == []

            assert host.tabs.currentWidget() is host.participants
            open_breakouts_tab(scene.host)
            assert host.breakouts.currentWidget() is panel
            assert not panel.dirty
            assert panel_rooms(scene.host) == saved_rooms(scene.saved())

            click(button(panel, "Apply and Start Breakouts"))
            for name, person in scene.people.items():
                room = scene.room_of(name)
                assert room is not None
                await until(offered(person, room), f"{name}'s join banner")
                assert person.banner.action_text() == "Join"
                await until(notified_of(person, [room]), "the notification")
            assert scene.saved().breakouts.phase is Phase.RUNNING
            await until(lambda: host.breakouts.currentWidget() is host.overview, "the overview")

    run(qloop, scenario())

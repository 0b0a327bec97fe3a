"""Roomcast, the desktop app: wires the client, the UI and (by default) an
embedded server on one qasync loop.

With no server given, the app runs its own server in-process, with SQLite in
the user's data directory, and signs the local user in; other machines on the
LAN can connect to it. ``--demo`` does the same on a throwaway data directory
and adds a conversation "Workshop" with simulated attendees.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import qasync  # type: ignore[import-untyped]  # ships no type information
from PySide6.QtWidgets import QApplication

from desktop.calls import Calls
from desktop.client import Client
from desktop.demo.launcher import DemoAttendees
from desktop.media.ice import is_local
from desktop.server import EmbeddedServer, Settings
from desktop.ui.attendance import Attendance
from desktop.ui.breakout_flow import BreakoutFlow
from desktop.ui.connection import ask_and_connect, connect_saved
from desktop.ui.conversation_list import ConversationList
from desktop.ui.conversation_view import ConversationView
from desktop.ui.main_window import MainWindow
from desktop.ui.notifications import Notifier
from desktop.ui.rooms_overview import RoomsOverview
from desktop.ui.session import Session
from desktop.ui.theme import apply_theme
from desktop.ui.workspace import Workspace

DEMO_ATTENDEES = 40
DEMO_TITLE = "Workshop"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roomcast", description="Breakout rooms and calls.")
    parser.add_argument("--demo", action="store_true", help="a workshop with simulated attendees")
    parser.add_argument("--server", help="connect to this server instead of running one")
    parser.add_argument("--data-dir", type=Path, help="where the embedded server keeps its data")
    parser.add_argument("--port", type=int, default=0, help="the embedded server's port")
    parser.add_argument("--theme", choices=("light", "dark", "system"), default="system")
    return parser.parse_args(argv)


class Roomcast:
    """The running app: the server (if embedded), the session and the window."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.server: EmbeddedServer | None = None
        self.demo = DemoAttendees()
        self.notifier = Notifier()
        self.front: Front | None = None
        self.calls = Calls(
            Path(platformdirs.user_config_dir("Roomcast", "Roomcast")),
            local_only=not args.server or is_local(args.server),
        )
        self.closed = asyncio.Event()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._switch: asyncio.Future[None] | None = None

    async def run(self) -> None:
        self.calls.start()
        try:
            client = await self._client()
            if client is None:
                return
            self._show(client)
            if self.args.demo:
                await self._start_demo(client)
            keep_out_of_collections()
            await self.closed.wait()
        finally:
            await self.stop()

    async def _client(self) -> Client | None:
        if self.args.server:
            return await connect_saved(self.args.server) or await ask_and_connect(self.args.server)
        self.server = EmbeddedServer(Settings(data_dir=self._data_dir(), port=self.args.port))
        await self.server.start()
        username = _local_username()
        _, token = await self.server.services.accounts.local_sign_in(username, username.title())
        client = Client(self.server.url, token=token, name="roomcast")
        await client.connect()
        return client

    def _data_dir(self) -> Path:
        if self.args.demo:
            self._scratch = tempfile.TemporaryDirectory(prefix="roomcast-demo-")
            return Path(self._scratch.name)
        if self.args.data_dir is not None:
            return Path(self.args.data_dir)
        return Path(platformdirs.user_data_dir("Roomcast", "Roomcast"))

    def _show(self, client: Client) -> None:
        self.front = open_window(client, self.notifier)
        self.calls.attach(client, self.front.workspace)
        self.front.window.closed.connect(self.closed.set)
        self.front.window.connect_requested.connect(self._on_connect_requested)
        self.front.window.show()

    def _on_connect_requested(self) -> None:
        if self._switch is None or self._switch.done():
            self._switch = asyncio.ensure_future(self._switch_server())

    async def _switch_server(self) -> None:
        """Sign in to another server; its window replaces the current one."""
        client = await ask_and_connect()
        if client is None:
            return
        old = self.front
        await self.calls.detach()
        self._show(client)
        if old is not None:
            old.window.closed.disconnect(self.closed.set)
            old.window.close()
            await old.session.close()

    async def _start_demo(self, client: Client) -> None:
        assert self.server is not None
        assert client.token is not None
        cid = await client.create_conversation(DEMO_TITLE)
        assert self.front is not None
        self.front.workspace.open(cid)
        await self.demo.start(self.server.url, client.token, cid, DEMO_ATTENDEES)

    async def stop(self) -> None:
        if self._switch is not None:
            self._switch.cancel()
        await self.demo.stop()
        await self.calls.stop()
        await self.notifier.close()
        if self.front is not None:
            await self.front.session.close()
        if self.server is not None:
            await self.server.stop()
        if self._scratch is not None:
            self._scratch.cleanup()


@dataclass(frozen=True)
class Front:
    """One signed-in window and what drives it."""

    session: Session
    window: MainWindow
    workspace: Workspace
    breakouts: BreakoutFlow
    attendance: Attendance


def open_window(client: Client, notifier: Notifier) -> Front:
    """The main window for a signed-in ``client``, wired to it (not yet shown)."""
    session = Session(client)
    window = MainWindow(ConversationList(), ConversationView(RoomsOverview(now=time.time)))
    workspace = Workspace(session, window, time.time)
    breakouts = BreakoutFlow(workspace, notifier)
    attendance = Attendance(workspace, notifier)
    window.auto_join_toggled.connect(lambda on: setattr(attendance, "auto_join", on))
    window.dark_theme_toggled.connect(lambda dark: apply_theme(_app(), dark=dark))
    for cid in session.conversation_ids():
        workspace.on_session_conversation_changed(cid)
    return Front(session, window, workspace, breakouts, attendance)


def keep_out_of_collections() -> None:
    """Take everything built so far out of the garbage collector's full scans.

    Modules, classes, Qt wrappers and the window live as long as the app, yet a
    full collection walks all of them (about 90,000 objects) while holding the
    GIL: 60–70 ms on a 2-core machine, long enough for a call's sound device to
    run dry. Frozen at start-up, they are skipped; reference counting still frees
    whatever of them is dropped later.
    """
    gc.collect()
    gc.freeze()


def _local_username() -> str:
    name = re.sub(r"[^a-z0-9._-]", "", getpass.getuser().lower())
    return name if len(name) >= 3 else f"user-{name}".ljust(3, "0")


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Roomcast")
    app.setOrganizationName("Roomcast")
    apply_theme(app, dark=None if args.theme == "system" else args.theme == "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    roomcast = Roomcast(args)
    with loop:
        loop.run_until_complete(roomcast.run())
    return 0

"""A guided run of ``roomcast --demo`` that saves screenshots of the main screens.

Run as a script under a real X server (``tests/e2e/test_screenshots.py`` starts
one): ``python tests/e2e/tour.py OUTPUT_DIR``. The moderator's window opens the
demo workshop; a second window signs in "Sam", a participant, on the same
embedded server. The tour sets up rooms, lets Smart Distribute fill them, puts a
phone attendee into a VOIP room so the conflict shows, applies and starts, and
photographs each step. Waits are on conditions, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from pathlib import Path

import qasync  # type: ignore[import-untyped]  # ships no type information
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from desktop.app import DEMO_ATTENDEES, Front, Roomcast, open_window, parse
from desktop.client import Client
from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    PhoneBridge,
    RoomId,
    UserId,
)
from desktop.core.commands import AddMember, SetUpBreakouts
from desktop.ui.breakout_panel import BreakoutPanel
from desktop.ui.models.call_model import CallModel, CallRole, PersonState
from desktop.ui.theme import apply_theme, is_dark

WAIT = 60.0
ROOMS = ("Team Alpha", "Team Beta", "Team Gamma", "Team Delta", "Team Epsilon", "Team Zeta")


async def until(condition: Callable[[], object], what: str) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.02)
    print(f"tour: {what}", flush=True)


def shot(widget: QWidget, path: Path) -> None:
    # grab() renders synchronously; processing events here would re-enter the loop.
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not save {path}")
    print(f"tour: saved {path.name}", flush=True)


async def tour(out: Path) -> None:
    app = Roomcast(parse(["--demo"]))
    running = asyncio.ensure_future(app.run())
    await until(lambda: app.front is not None and app.front.workspace.current, "demo opened")
    await until(gc.get_freeze_count, "start-up kept out of collections")
    print(f"tour: frozen={gc.get_freeze_count()}", flush=True)
    front = app.front
    assert front is not None
    await until(lambda: len(_state(front).members) > DEMO_ATTENDEES, "attendees arrived")
    sam = await _participant(app, front)
    shot(front.window, out / "main_window.png")

    front.breakouts.open_settings()
    dialog = front.breakouts.settings_dialog
    assert dialog is not None
    await until(dialog.isVisible, "settings dialog open")
    shot(dialog, out / "settings_dialog.png")
    dialog.accept()

    await _set_up(front)
    view = front.window.conversation
    view.open_breakouts_tab()
    view.panel.distribute_button.click()
    _make_conflict(front)
    await until(lambda: _fixes_laid_out(view.panel), "readiness fixes shown")
    shot(front.window, out / "smart_distribute_conflict.png")

    view.panel.start_button.click()
    await until(lambda: _state(front).breakouts.is_live, "session running")
    await until(lambda: view.overview.isVisible(), "rooms overview shown")
    shot(front.window, out / "rooms_overview.png")

    await until(sam.window.conversation.banner.isVisible, "participant banner shown")
    shot(sam.window, out / "participant_join_banner.png")

    front.window.dark_action.trigger()  # the theme switches while the app runs
    await until(lambda: is_dark(front.window.palette()), "dark theme")
    view.open_breakouts_tab()
    shot(front.window, out / "rooms_overview_dark.png")

    front.breakouts.visit(_room(front, "Team Gamma"))
    view.call_button.click()
    await until(lambda: _connected(view.call.model()) >= 2, "the room's call connected")
    shot(front.window, out / "room_call.png")

    await sam.session.close()
    app.closed.set()
    await running


def _state(front: Front) -> Conversation:
    conversation = front.workspace.conversation()
    assert conversation is not None
    return conversation


async def _participant(app: Roomcast, front: Front) -> Front:
    """A second window: Sam, a VOIP participant of the workshop."""
    assert app.server is not None
    cid = front.workspace.current
    assert cid is not None
    _, token = await app.server.services.accounts.local_sign_in("sam", "Sam Carter")
    front.session.execute(cid, AddMember(user_id=UserId("sam")))
    client = Client(app.server.url, token=token, name="sam")
    await client.connect()
    sam = open_window(client, app.notifier)
    await until(lambda: cid in sam.session.conversation_ids(), "Sam joined")
    sam.workspace.open(cid)
    sam.window.move(120, 60)
    sam.window.show()
    return sam


async def _set_up(front: Front) -> None:
    cid = front.workspace.current
    assert cid is not None
    bridge = PhoneBridge("+1 555 0100", tuple(f"{1000 + n}" for n in range(1, 8)))
    settings = BreakoutSettings(time_limit=20 * 60, closing_countdown=60, bridge=bridge)
    front.session.execute(cid, SetUpBreakouts(room_names=ROOMS, settings=settings))
    await until(lambda: _state(front).breakouts.is_set_up, "rooms set up")


def _room(front: Front, name: str) -> RoomId:
    return next(room.id for room in _state(front).breakouts.rooms if room.name == name)


def _connected(model: CallModel) -> int:
    """Tiles of people whose call is connected (the demo's voices in the room)."""
    states = (model.data(model.index(row), CallRole.StateRole) for row in range(model.rowCount()))
    return sum(state == PersonState.CONNECTED for state in states)


def _make_conflict(front: Front) -> None:
    """Drop one phone attendee into a VOIP room, as a moderator might by mistake."""
    panel = front.window.conversation.panel
    model = panel.model
    assert model is not None
    draft = model.draft
    phone = next(u for u, m in draft.members.items() if m.audio is AudioConnection.PHONE)
    voip_room = next(
        room.id
        for room in draft.rooms
        if draft.people(room.id)
        and not draft.phone_people(room.id)
        and draft.positions[room.id] <= draft.limit
    )
    model.move([phone], voip_room)
    panel.tree.scrollTo(model.bucket_index(voip_room))


def _fixes_laid_out(panel: BreakoutPanel) -> bool:
    """The readiness check has run and its fix buttons have their place on screen."""
    frame = panel.readiness
    buttons = frame.findChildren(QPushButton)
    return (
        bool(panel.readiness_problems)
        and all(
            button.isVisible()
            and button.height() > 0
            and button.mapTo(frame, QPoint(0, button.height())).y() <= frame.height()
            for button in buttons
        )
        and bool(buttons)
    )


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    qt = QApplication(sys.argv[:1])
    apply_theme(qt, dark=False)
    loop = qasync.QEventLoop(qt)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(tour(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

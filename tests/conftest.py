"""Fixtures shared by the server, client, UI and end-to-end tests."""

from __future__ import annotations

import asyncio
import os

# Qt tests render offscreen unless a test asks for a real X server itself.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import qasync  # type: ignore[import-untyped]  # ships no type information
from netkit import Clock, running, server_settings
from PySide6.QtWidgets import QApplication
from soundkit import SoundServer, virtual_sound

from desktop.server import EmbeddedServer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def server(tmp_path: Path, clock: Clock) -> AsyncIterator[EmbeddedServer]:
    async with running(server_settings(tmp_path / "data", clock)) as started:
        yield started


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop over the test's QApplication, as the app runs one."""
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    """Restores the application's look after a test that changes the theme."""
    style, palette = qapp.style().name(), qapp.palette()
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    QApplication.styleHints().unsetColorScheme()


@pytest.fixture(scope="module")
def sound() -> Iterator[SoundServer]:
    """Two machines on a sound server shared by this module's tests."""
    with virtual_sound(machines=2) as server:
        yield server


@pytest.fixture
def lone_machine() -> Iterator[SoundServer]:
    """A server of the test's own with one machine: unplugging it leaves no device
    for PulseAudio to move streams to, so they fail as on a real unplug."""
    with virtual_sound(machines=1) as server:
        yield server

"""Fixtures shared by the server, client and end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from netkit import Clock, running, server_settings

from desktop.server import EmbeddedServer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def server(tmp_path: Path, clock: Clock) -> AsyncIterator[EmbeddedServer]:
    async with running(server_settings(tmp_path / "data", clock)) as started:
        yield started

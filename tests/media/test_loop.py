"""The media engine's event loop."""

from __future__ import annotations

import asyncio
import sys

import pytest

from desktop.media.loop import new_media_loop


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is installed off Windows only")
def test_the_media_loop_is_uvloops() -> None:
    import uvloop

    loop = new_media_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_without_uvloop_the_media_loop_is_asyncios_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # importing it fails, as on Windows
    loop = new_media_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()

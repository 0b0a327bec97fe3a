"""The app's calls: one media engine for the process, the sound devices and the
camera it opens, and the device choice it remembers between runs.

Lives beside ``app.py`` because it wires three layers (media, ui's call flow and
the platform's directories) and nothing below may do that.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiortc import MediaStreamTrack

from desktop.client import Client
from desktop.media import devices
from desktop.media.camera import list_cameras, open_camera
from desktop.media.devices import DeviceChoice
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.errors import MediaError, MediaErrorCode
from desktop.media.events import CallEvent
from desktop.media.follow import CallFollower
from desktop.media.ice import loopback_only
from desktop.media.sound_io import SoundIO
from desktop.ui.call_flow import CallFlow
from desktop.ui.workspace import Workspace


class Calls:
    """The engine and where its events go: the call flow of the window shown."""

    def __init__(self, settings_dir: Path, *, local_only: bool) -> None:
        self._settings_dir = settings_dir
        self.choice = DeviceChoice.load(settings_dir)
        self.engine = MediaEngine(
            audio=self._open_devices,
            tell=self._tell,
            camera=self._open_camera,
            rescan=devices.rescan,
        )
        self.flow: CallFlow | None = None
        self._loopback = loopback_only() if local_only else contextlib.nullcontext()

    def start(self) -> None:
        """Everyone in a call on an embedded server runs on this machine: ICE then
        offers 127.0.0.1 only, so calls never leave it."""
        self._loopback.__enter__()
        self.engine.start()

    def attach(self, client: Client, workspace: Workspace) -> CallFlow:
        """The calls of a newly signed-in window."""
        follower = CallFollower(client, self.engine)
        self.flow = CallFlow(workspace, self.engine, follower, self._current, self._choose)
        return self.flow

    async def detach(self) -> None:
        """The window is going: leave its call and stop following its client."""
        flow, self.flow = self.flow, None
        if flow is not None:
            await flow.follower.close()

    async def stop(self) -> None:
        await self.detach()
        await asyncio.to_thread(self.engine.stop)
        self._loopback.__exit__(None, None, None)

    def _open_devices(self, plan: AudioPlan) -> SoundIO:
        return SoundIO(
            plan.render,
            capture=plan.capture,
            receive_only=plan.capture is None,
            input_device=self.choice.input,
            output_device=self.choice.output,
            on_error=plan.on_error,
            played=plan.played,
        )

    def _open_camera(self) -> MediaStreamTrack:
        """The chosen camera, or the first one found if it is gone."""
        cameras = list_cameras()
        if not cameras:
            raise MediaError(MediaErrorCode.CAMERA_MISSING, "No camera was found.")
        chosen = next((c for c in cameras if c.name == self.choice.camera), cameras[0])
        return open_camera(chosen)

    def _tell(self, event: CallEvent) -> None:
        flow = self.flow
        if flow is not None:
            flow.tell(event)

    def _current(self) -> DeviceChoice:
        return self.choice

    def _choose(self, choice: DeviceChoice) -> None:
        self.choice = choice
        choice.save(self._settings_dir)

"""Calls from the whole app: "Start call" in two windows against a real server,
each with a call engine whose microphone plays a tone. Each window's call view
shows the other person connected and speaking, each hears the other's tone and
not its own, the moderator's camera (a media player filming red) shows in both
windows' tiles until it is stopped, muting reaches the other side, and "Leave
call" takes the view away (see ``test_app_flows`` for the stage). The
moderator's call view is saved as a PNG for looking at."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from audiokit import Recorder, Tone, level_at, virtual_devices
from PySide6.QtGui import QImage
from qtkit import run, until
from test_app_flows import Window, button, click, stage
from videokit import colour_camera

from desktop.core import AudioConnection, UserId
from desktop.media import engine as engine_module
from desktop.media.devices import DeviceChoice
from desktop.media.engine import MediaEngine
from desktop.media.follow import CallFollower
from desktop.media.ice import loopback_only
from desktop.media.pcm import Samples
from desktop.ui.banner import BannerKind
from desktop.ui.call_flow import CallFlow
from desktop.ui.models.call_model import CallRole, PersonState

ROOT = Path(__file__).resolve().parents[2]
AMPLITUDE = 0.2
TONES = {"mod": 500.0, "ann": 800.0}


class Caller:
    """A window's calls as the app wires them, with virtual sound devices."""

    def __init__(self, window: Window, name: str) -> None:
        self.window = window
        self.recorder = Recorder()
        self.plugged = True
        """Whether the headset is in: out, its microphone and speaker fail."""
        self._tone = Tone(TONES[name], AMPLITUDE)
        devices = virtual_devices(self._microphone, self._speaker)
        self.flow: CallFlow | None = None
        self.engine = MediaEngine(
            audio=devices, tell=self._tell, echo_cancellation=False, camera=colour_camera("red")
        )
        self.engine.start()
        client = window.front.session.client
        follower = CallFollower(client, self.engine)
        self.choice = DeviceChoice()
        self.flow = CallFlow(
            window.front.workspace,
            self.engine,
            follower,
            lambda: self.choice,
            self._choose,
            cameras=lambda: ["Test camera"],
        )

    def _microphone(self, block: Samples) -> None:
        if not self.plugged:
            raise OSError("unplugged")
        self._tone(block)

    def _speaker(self, block: Samples) -> None:
        if not self.plugged:
            raise OSError("unplugged")
        self.recorder(block)

    def _tell(self, event: object) -> None:
        if self.flow is not None:
            self.flow.engine_told.emit(event)

    def _choose(self, choice: DeviceChoice) -> None:
        self.choice = choice

    def state_of(self, user: str) -> str | None:
        model = self.window.view.call.model()
        row = model.row_of(UserId(user))
        if row is None:
            return None
        return str(model.data(model.index(row), CallRole.StateRole))

    def picture_of(self, user: str) -> QImage | None:
        model = self.window.view.call.model()
        row = model.row_of(UserId(user))
        picture = model.data(model.index(row), CallRole.VideoRole) if row is not None else None
        return picture if isinstance(picture, QImage) else None

    def shows_red(self, user: str) -> bool:
        picture = self.picture_of(user)
        if picture is None:
            return False
        middle = picture.pixelColor(picture.width() // 2, picture.height() // 2)
        return middle.red() > 200 and middle.green() < 60 and middle.blue() < 60

    def speaking(self, user: str) -> bool:
        return self.window.view.call.model().is_speaking(UserId(user))

    async def close(self) -> None:
        assert self.flow is not None
        await self.flow.follower.close()
        await asyncio.to_thread(self.engine.stop)


@pytest.fixture
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


def artefacts() -> Path:
    return Path(os.environ.get("ROOMCAST_ARTEFACTS", ROOT / "artefacts")) / "screenshots"


def test_two_windows_call_each_other_from_start_to_leave(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, loopback: None
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, {"ann": AudioConnection.VOIP}) as scene:
            host, ann = Caller(scene.host, "mod"), Caller(scene["ann"], "ann")
            try:
                for caller in (host, ann):
                    click(button(caller.window.view, "Start call"))
                await until(lambda: host.state_of("ann") is not None, "ann listed")
                await until(lambda: host.state_of("ann") == PersonState.CONNECTED, "connected")
                await until(lambda: ann.state_of("mod") == PersonState.CONNECTED, "connected")
                assert host.window.view.call.isVisible()
                await until(lambda: host.speaking("ann") and ann.speaking("mod"), "speaking")

                heard = await asyncio.to_thread(host.recorder.record, 1.0)
                assert level_at(heard, TONES["ann"]) > 0.7 * AMPLITUDE
                assert level_at(heard, TONES["mod"]) < 0.01

                click(button(host.window.view.call, "Start camera"))
                await until(lambda: ann.shows_red("mod"), "Ann sees the moderator's camera")
                await until(lambda: host.shows_red("mod"), "the moderator sees their preview")
                assert button(host.window.view.call, "Stop camera").isChecked()
                assert ann.picture_of("ann") is None  # her camera is off: her avatar
                artefacts().mkdir(parents=True, exist_ok=True)
                host.window.front.window.grab().save(str(artefacts() / "call_view.png"))
                ann.window.front.window.grab().save(str(artefacts() / "call_view_camera.png"))
                click(button(host.window.view.call, "Stop camera"))
                await until(lambda: ann.picture_of("mod") is None, "the camera's picture gone")
                await until(lambda: host.picture_of("mod") is None, "the preview gone")

                click(button(ann.window.view.call, "Mute"))
                await until(lambda: not host.speaking("ann"), "Ann silent")
                model = host.window.view.call.model()
                row = model.row_of(UserId("ann"))
                assert row is not None
                await until(lambda: model.data(model.index(row), CallRole.MutedRole), "muted")

                click(button(ann.window.view.call, "Leave call"))
                await until(lambda: not ann.window.view.call.isVisible(), "Ann's view gone")
                await until(lambda: host.state_of("ann") is None, "Ann gone from the call")
            finally:
                await host.close()
                await ann.close()

    run(qloop, scenario())


def test_a_headset_pulled_out_and_plugged_in_again_has_the_call_sound_again(
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    loopback: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "RECOVER_SECONDS", (0.05, 0.2))

    async def scenario() -> None:
        async with stage(tmp_path, {"ann": AudioConnection.VOIP}) as scene:
            host = Caller(scene.host, "mod")
            banner = host.window.banner
            try:
                click(button(host.window.view, "Start call"))
                await until(lambda: host.window.view.call.isVisible(), "in the call")

                host.plugged = False
                await until(lambda: "stopped working" in banner.text(), "the problem told")
                assert banner.kind() is BannerKind.WARNING
                host.plugged = True

                await until(lambda: banner.kind() is BannerKind.SUCCESS, "the sound back")
                assert banner.text() == "The sound devices work again."
                artefacts().mkdir(parents=True, exist_ok=True)
                host.window.front.window.grab().save(str(artefacts() / "call_sound_back.png"))
                heard = await asyncio.to_thread(host.recorder.record, 0.2)
                assert len(heard)  # the speaker plays again

            finally:
                await host.close()

    run(qloop, scenario())


def test_looking_again_for_devices_lists_them_and_the_call_sound_goes_on(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path, loopback: None
) -> None:
    async def scenario() -> None:
        async with stage(tmp_path, {"ann": AudioConnection.VOIP}) as scene:
            host = Caller(scene.host, "mod")
            try:
                click(button(host.window.view, "Start call"))
                await until(lambda: host.window.view.call.isVisible(), "in the call")
                click(button(host.window.view.call, "Devices…"))
                assert host.flow is not None
                assert host.flow.dialog is not None
                dialog = host.flow.dialog

                click(dialog.look_again)

                await until(dialog.look_again.isEnabled, "the devices listed again")
                heard = await asyncio.to_thread(host.recorder.record, 0.2)
                assert len(heard)  # the speaker plays on
                dialog.reject()
            finally:
                await host.close()

    run(qloop, scenario())

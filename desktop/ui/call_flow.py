"""The call of the conversation on screen: the call view, the engine and the server.

"Start call" joins the call of the place shown (the main room, or the room one
is in or visiting); the call view then shows who is there, as the server's call
state and the engine's connections say. A moderator in a call who visits a room
moves into that room's call. Mute, camera, leave and per-peer volume go to the
server and the engine; the devices dialog lists the sound devices and cameras, and
a choice is remembered and takes effect at once. Pictures of cameras (ours too)
go into the call's tiles. The camera goes off when we are in no call any more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from desktop.core import AudioConnection, RoomId, UserId
from desktop.media.call import MESH_LIMIT
from desktop.media.camera import list_cameras
from desktop.media.devices import DeviceChoice, DeviceKind, list_devices
from desktop.media.engine import MediaEngine
from desktop.media.events import (
    AudioProblem,
    AudioRestored,
    CallEvent,
    CallTooLarge,
    CameraChanged,
    PeerChanged,
    PictureChanged,
)
from desktop.media.follow import CallFollower

from .call_view import CallMode, CallView, dial_in_for, mode_for
from .dialogs.devices_dialog import DevicesDialog
from .workspace import Workspace

LEVEL_INTERVAL_MS = 100
"""How often speaking indicators and the microphone meter are refreshed."""
FLOOR_DBFS = -60.0
"""The quietest level a meter shows; anything below reads as silence."""


def image_of(picture: npt.NDArray[np.uint8], *, mirrored: bool = False) -> QImage:
    """An RGB picture (height, width, 3) as an image of its own; ``mirrored`` left
    to right, as people expect to see themselves."""
    height, width, _ = picture.shape
    pixels = np.ascontiguousarray(picture[:, ::-1] if mirrored else picture)
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def camera_names() -> list[str]:
    """The cameras plugged in now, by name."""
    return [camera.name for camera in list_cameras()]


def meter_level(dbfs: float) -> float:
    """A level in dBFS as 0..1 for meters and speaking indicators."""
    if math.isnan(dbfs):
        return 0.0
    return min(1.0, max(0.0, (dbfs - FLOOR_DBFS) / -FLOOR_DBFS))


class CallFlow(QObject):
    """Puts calls on screen and carries the user's call actions.

    Signals: ``engine_told(object)``: an engine event, emitted on the engine's
    thread and delivered on the UI thread (a queued connection);
    ``devices_looked_for()``: the same, once the engine looked for sound devices.
    """

    engine_told = Signal(object)
    devices_looked_for = Signal()

    def __init__(
        self,
        workspace: Workspace,
        engine: MediaEngine,
        follower: CallFollower,
        choice: Callable[[], DeviceChoice],
        choose: Callable[[DeviceChoice], None],
        cameras: Callable[[], Sequence[str]] = camera_names,
    ) -> None:
        super().__init__(workspace)
        self.workspace = workspace
        self.session = workspace.session
        self.view = workspace.window.conversation
        self.call_view: CallView = self.view.call
        self.engine = engine
        self.follower = follower
        self._choice = choice
        self._choose = choose
        self._cameras = cameras
        self.dialog: DevicesDialog | None = None
        self._levels = QTimer(self, interval=LEVEL_INTERVAL_MS)
        self._levels.timeout.connect(self.on_levels_timeout)
        self.engine_told.connect(self.on_engine_told)
        self.devices_looked_for.connect(self.on_devices_looked_for)
        self.view.call_requested.connect(self.on_view_call_requested)
        follower.on_followed.append(self.on_follower_followed)
        self.workspace.room_shown.connect(self.on_workspace_room_shown)
        self.call_view.mute_toggled.connect(self.on_call_view_mute_toggled)
        self.call_view.leave_requested.connect(self.on_call_view_leave_requested)
        self.call_view.volume_changed.connect(self.on_call_view_volume_changed)
        self.call_view.devices_requested.connect(self.on_call_view_devices_requested)
        self.call_view.camera_toggled.connect(self.on_call_view_camera_toggled)
        self._camera_on = False
        self._check_cameras()

    def tell(self, event: CallEvent) -> None:
        """The engine's listener; runs on the engine's thread."""
        self.engine_told.emit(event)

    # Joining and following

    def on_view_call_requested(self) -> None:
        cid = self.workspace.current
        conversation = self.workspace.conversation()
        if cid is None or conversation is None:
            return
        me = conversation.members.get(self.session.me)
        audio = me.audio if me is not None else AudioConnection.VOIP
        if audio is AudioConnection.PHONE:
            self._show(cid)  # on the bridge: the view shows how to dial in
            return
        muted = audio is AudioConnection.JUST_LISTENING
        client = self.session.client
        self.session.run(client.join_call(cid, self.workspace.room, muted=muted), "join_call")

    def on_workspace_room_shown(self, cid: str, room: RoomId | None) -> None:
        """A moderator in a call who visits a room (or comes back) changes call."""
        current = self.follower.current
        if current is None or current.conversation_id != cid or current.room_id == room:
            return
        if self.workspace.visiting or (room is None and self.workspace.is_moderator()):
            self.session.run(self.session.client.join_call(cid, room), "join_call")

    def on_follower_followed(self) -> None:
        """A call state was acted on (whose ever call it was): show ours."""
        if self.workspace.current is not None:
            self._show(self.workspace.current)

    def _show(self, cid: str) -> None:
        current = self.follower.current
        conversation = self.workspace.conversation(cid)
        mirror = self.session.conversation(cid)
        if conversation is None or mirror is None:
            return
        me = conversation.members.get(self.session.me)
        phone = me is not None and me.audio is AudioConnection.PHONE
        in_call = current is not None and current.conversation_id == cid
        if not in_call and not phone:
            self.view.show_call(False)
            self._levels.stop()
            if self._camera_on and self.follower.current is None:
                self.engine.set_camera(False)  # in no call: nobody is watching
            return
        room = current.room_id if current is not None and in_call else self.workspace.room
        state = mirror.calls.get(room)
        self.call_view.model().set_people(conversation, room, state, self.session.me)
        audio = me.audio if me is not None else AudioConnection.VOIP
        self.call_view.set_mode(mode_for(audio), dial_in_for(conversation, room))
        participants = state.participants if state is not None else ()
        if len(participants) <= MESH_LIMIT:  # small enough (again) for the engine
            self.call_view.set_too_large(None, MESH_LIMIT)
        self.call_view.set_muted(
            any(p.user_id == self.session.me and p.muted for p in participants)
        )
        self.view.show_call(True)
        if mode_for(audio) is not CallMode.PHONE:
            self._levels.start()

    # What the engine says

    def on_engine_told(self, event: object) -> None:
        match event:
            case PeerChanged(user=user, state=state):
                self.call_view.model().set_peer_state(user, state.value)
            case CallTooLarge(callers=callers, limit=limit):
                self.call_view.set_too_large(callers, limit)
            case AudioProblem(error=error):
                self.view.banner.show_message(error.message, kind="warning")
                if self.dialog is not None:
                    self.dialog.show_problem(error.message)
            case AudioRestored():
                self.view.banner.show_message(
                    self.tr("The sound devices work again."), kind="success", icon_name="speaker"
                )
                if self.dialog is not None:
                    self.dialog.show_problem(None)
            case PictureChanged(user=user, picture=picture):
                # Our own preview (no user) shows as in a mirror; the others see us unmirrored.
                image = image_of(picture, mirrored=user is None) if picture is not None else None
                self.call_view.model().set_video_frame(user or self.session.me, image)
            case CameraChanged(on=on, error=error):
                self._camera_on = on
                self.call_view.set_camera_on(on)
                if error is not None:
                    self.view.banner.show_message(error.message, kind="warning")

    def on_levels_timeout(self) -> None:
        levels = {user: meter_level(dbfs) for user, dbfs in self.engine.levels().items()}
        mic = meter_level(self.engine.input_level())
        if not self.engine.muted:
            levels[self.session.me] = mic
        self.call_view.model().set_levels(levels)
        self.call_view.set_input_level(mic)
        if self.dialog is not None:
            self.dialog.set_input_level(mic)

    # What the user does in the call

    def on_call_view_mute_toggled(self, muted: bool) -> None:
        self.engine.muted = muted
        cid = self.workspace.current
        if cid is not None:
            self.session.run(self.session.client.set_muted(cid, muted), "mute")

    def on_call_view_camera_toggled(self, on: bool) -> None:
        self.engine.set_camera(on)

    def _check_cameras(self) -> None:
        """The camera button works only with a camera plugged in."""
        self.call_view.set_camera_available(self.engine.has_camera and bool(self._cameras()))

    def on_call_view_leave_requested(self) -> None:
        current = self.follower.current
        if current is not None:
            self.session.run(self.follower.leave_call(current.conversation_id), "leave_call")

    def on_call_view_volume_changed(self, user: str, volume: float) -> None:
        self.engine.set_gain(UserId(user), volume)

    def on_call_view_devices_requested(self) -> None:
        chosen = self._choice()
        dialog = self.dialog = DevicesDialog(
            *_sound_devices(),
            chosen.input,
            chosen.output,
            parent=self.view,
            cameras=self._cameras(),
            current_camera=chosen.camera,
        )
        dialog.devices_chosen.connect(self.on_dialog_devices_chosen)
        dialog.test_sound_requested.connect(self.engine.play_test_sound)
        dialog.look_again_requested.connect(self.on_dialog_look_again_requested)
        dialog.finished.connect(self.on_dialog_finished)
        dialog.open()

    def on_dialog_devices_chosen(self, input_name: object, output_name: object, echo: bool) -> None:
        """Remembered, and used at once."""
        camera = self.dialog.chosen_camera() if self.dialog is not None else None
        choice = DeviceChoice(
            input=input_name if isinstance(input_name, str) else None,
            output=output_name if isinstance(output_name, str) else None,
            camera=camera,
        )
        camera_changed = camera != self._choice().camera
        self._choose(choice)
        self.engine.echo_cancellation = echo  # from the next call on
        self.engine.reopen_devices()
        if camera_changed and self._camera_on:
            self.engine.set_camera(False)  # and on again: the chosen one opens
            self.engine.set_camera(True)

    def on_dialog_look_again_requested(self) -> None:
        """The sound system looks again between closing our devices and opening
        them (PortAudio cannot while they are open)."""
        looked = self.engine.reopen_devices()
        looked.add_done_callback(lambda _: self.devices_looked_for.emit())

    def on_devices_looked_for(self) -> None:
        if self.dialog is not None:
            self.dialog.set_devices(*_sound_devices())

    def on_dialog_finished(self) -> None:
        self.dialog = None
        self._check_cameras()


def _sound_devices() -> tuple[list[str], list[str]]:
    """The names of the microphones and of the speakers, as last found."""
    devices = list_devices()
    return (
        [device.name for device in devices if device.offers(DeviceKind.INPUT)],
        [device.name for device in devices if device.offers(DeviceKind.OUTPUT)],
    )

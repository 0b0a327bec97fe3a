"""The call engine: its own thread, its own asyncio loop, and a thread-safe facade.

The UI thread tells the engine which call to be in and who else is there, hands
it the signals addressed to us, and hears back through ``tell`` (called on the
engine's thread). Inside, one pump per call moves audio: captured 20 ms frames are
encoded once and fanned out to every peer, and each peer's playout buffer keeps
its ring in the mixer topped up. The sound device's callbacks only copy; a busy
or frozen UI thread never delays any of it.

The camera is the engine's, not a call's: once on, it stays on from one call to
the next, and its frames go to whoever we are connected to.

Sound devices that fail (unplugged) are reported and the call goes on without
them. Once none of the call's device streams runs any more, reopening them can
interrupt nothing: the engine then tries again by itself, sooner at first and then
less often, until they are back (a headset plugged in again).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
from aiortc import MediaStreamTrack, RTCIceServer

from desktop.core import UserId
from desktop.protocol.messages import SignalKind

from .call import Call, Signaling
from .echo import EchoCanceller
from .errors import MediaError, MediaErrorCode
from .events import AudioProblem, AudioRestored, CallEvent, CameraChanged, PictureChanged
from .loop import LoopFactory, new_media_loop
from .mixer import Mixer
from .opus import OpusEncoder
from .pcm import FRAME_SAMPLES, SAMPLE_RATE, PcmRing, Samples
from .playout import PlayoutStats
from .sound_io import Level
from .tracks import AudioFanout, VideoFanout
from .video import CameraFeed, FrameClock

CAPTURE_SECONDS = 0.5
"""Microphone audio the capture ring holds; the pump takes it every frame."""

TICK_SECONDS = 0.01
"""The pump wakes at least this often to keep every playout buffer topped up, and
at once when a captured frame is complete."""

SILENT_DBFS = -100.0
"""The microphone's level when none is open."""

SHUTDOWN_SECONDS = 5.0
"""How long stopping waits for aiortc's last tasks."""

RECOVER_SECONDS = (2.0, 30.0)
"""After all sound devices failed: the first wait before opening them again, and
the longest (each failed try doubles it)."""

FLOWING_SECONDS = 5.0
"""How long devices opened again have to show that sound flows every way (a
fresh device can take a second or two). Those that open but do not all flow by
then are left as they are: what is missing was reported."""

T = TypeVar("T")

logger = logging.getLogger(__name__)


class AudioIO(Protocol):
    """The sound devices of a call (real ones, or a virtual clock in tests)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def running_streams(self) -> int:
        """How many of its device streams run now."""
        ...

    def wait_running(self, timeout: float) -> bool:
        """Wait until sound flows every way that was opened; False on timeout."""
        ...

    @property
    def input_level(self) -> Level: ...

    def play_test_sound(self) -> None: ...


@dataclass(frozen=True)
class AudioPlan:
    """What a call asks of its sound devices.

    ``render`` fills each output block (the mixer); ``capture`` receives the
    microphone's blocks, or is None when nothing is sent (no microphone is opened).
    """

    render: Callable[[Samples], None]
    capture: PcmRing | None
    on_error: Callable[[MediaError], None]
    played: Callable[[Samples], None] | None = None
    """Sees every block as it goes out: the echo canceller's reference."""


AudioFactory = Callable[[AudioPlan], AudioIO]

Rescan = Callable[[], None]
"""Makes the sound system look for devices again (may take a moment: it is called
off the engine's loop); called only while the engine has no device open."""

CameraFactory = Callable[[], MediaStreamTrack]
"""Opens the camera (it may take a moment: it is called off the engine's loop);
raises a :class:`MediaError` when there is none or it fails."""


class CaptureRing(PcmRing):
    """The microphone's ring, which wakes the pump as soon as a whole codec frame
    is in: waiting for the next tick instead would delay every frame by up to a
    tick, unevenly, and the far end would have to buffer for that unevenness."""

    def __init__(self, loop: asyncio.AbstractEventLoop, woken: asyncio.Event) -> None:
        super().__init__(int(CAPTURE_SECONDS * SAMPLE_RATE))
        self._loop = loop
        self._woken = woken

    def write(self, samples: Samples) -> int:
        count = super().write(samples)
        if self.available >= FRAME_SAMPLES:
            self._loop.call_soon_threadsafe(self._woken.set)
        return count


class _Active:
    """The call we are in, with its audio path and pump."""

    def __init__(self, call: Call, plan: AudioPlan, audio: AudioIO, woken: asyncio.Event) -> None:
        self.call = call
        self.plan = plan
        self.audio = audio
        self.capture = plan.capture
        self.woken = woken
        self.echo: EchoCanceller | None = None
        self.pump: asyncio.Task[None] | None = None
        self.recovery: asyncio.Task[None] | None = None


class MediaEngine:
    """Runs calls on the ``roomcast-media`` thread.

    Every public method may be called from any thread. Those that change the call
    return a ``concurrent.futures.Future`` the caller may wait on (tests do; the UI
    does not). Events go to ``tell`` on the engine's thread.
    """

    def __init__(
        self,
        *,
        audio: AudioFactory,
        tell: Callable[[CallEvent], None],
        ice_servers: tuple[RTCIceServer, ...] = (),
        clock: Callable[[], float] = time.perf_counter,
        echo_cancellation: bool = True,
        camera: CameraFactory | None = None,
        loop: LoopFactory = new_media_loop,
        rescan: Rescan | None = None,
    ) -> None:
        self.mixer = Mixer()
        self.video = VideoFanout()
        self.muted = False
        self.echo_cancellation = echo_cancellation
        """For the next call: cancel the speaker's echo and reduce noise (people
        without headphones); off, the microphone is sent as captured."""
        self._audio = audio
        self._rescan = rescan
        self._tell = tell
        self._ice_servers = ice_servers
        self._clock = clock
        self._loop = loop()
        self._thread = threading.Thread(target=self._run, name="roomcast-media", daemon=True)
        self._active: _Active | None = None
        self._turn = asyncio.Lock()
        self._camera = camera
        self._feed: CameraFeed | None = None
        self._frame_clock = FrameClock(clock)

    # Lifecycle

    def start(self) -> None:
        started = threading.Event()
        self._loop.call_soon(started.set)
        self._thread.start()
        started.wait()

    def stop(self) -> None:
        """Leave any call, then end the thread."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coroutine`` on the engine's loop; a failure is logged even when
        nobody waits for the result."""
        future = asyncio.run_coroutine_threadsafe(self._in_turn(coroutine), self._loop)
        future.add_done_callback(_log_failure)
        return future

    # The facade

    def join(
        self,
        me: UserId,
        members: Iterable[UserId],
        *,
        sends_audio: bool,
        signaling: Signaling,
    ) -> concurrent.futures.Future[None]:
        """Be in a call with ``members``, leaving the call we were in, if any."""
        return self.submit(self._join(me, frozenset(members), sends_audio, signaling))

    def set_members(self, members: Iterable[UserId]) -> concurrent.futures.Future[None]:
        return self.submit(self._set_members(frozenset(members)))

    def deliver(
        self, sender: UserId, kind: SignalKind, sdp: str
    ) -> concurrent.futures.Future[None]:
        """A signal the server relayed to us."""
        return self.submit(self._deliver(sender, kind, sdp))

    def leave(self) -> concurrent.futures.Future[None]:
        return self.submit(self._leave())

    @property
    def has_camera(self) -> bool:
        """Whether there is a camera to turn on at all."""
        return self._camera is not None

    def set_camera(self, on: bool) -> concurrent.futures.Future[None]:
        """Turn the camera on or off; :class:`CameraChanged` tells how it went."""
        return self.submit(self._camera_on() if on else self._camera_off())

    def reopen_devices(self) -> concurrent.futures.Future[None]:
        """Open the sound devices again (another one was chosen, or one came back),
        looking for them afresh in between; the call and its connections go on."""
        return self.submit(self._reopen_devices())

    def set_gain(self, user: UserId, gain: float) -> None:
        self.mixer.set_gain(user, gain)

    def levels(self) -> dict[str, float]:
        """Each peer's recent level in dBFS, for speaking indicators."""
        return self.mixer.levels()

    def playout_stats(self) -> concurrent.futures.Future[dict[UserId, PlayoutStats]]:
        """How each voice of the current call is being played out (read on the
        engine's thread, between two of its steps)."""

        async def read() -> dict[UserId, PlayoutStats]:
            active = self._active
            voices = active.call.voices if active is not None else {}
            return {user: voice.playout.stats for user, voice in voices.items()}

        return asyncio.run_coroutine_threadsafe(read(), self._loop)

    def play_test_sound(self) -> None:
        """A short chime through the speaker of the call we are in."""
        active = self._active
        if active is not None:
            active.audio.play_test_sound()

    def input_level(self) -> float:
        """The microphone's recent peak in dBFS (the floor when none is open)."""
        active = self._active
        if active is None or active.capture is None:
            return SILENT_DBFS
        return active.audio.input_level.peak_dbfs

    # On the engine's thread

    async def _in_turn(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """One change at a time, in the order they were asked for: leaving a call
        awaits its connections closing, and a join must not start meanwhile."""
        async with self._turn:
            return await coroutine

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _join(
        self, me: UserId, members: frozenset[UserId], sends_audio: bool, signaling: Signaling
    ) -> None:
        await self._leave()
        await self._look_for_devices()
        fanout = AudioFanout() if sends_audio else None
        call = Call(
            me,
            mixer=self.mixer,
            fanout=fanout,
            signaling=signaling,
            tell=self._tell,
            clock=self._clock,
            video=self.video,
            ice_servers=self._ice_servers,
        )
        woken = asyncio.Event()
        capture = CaptureRing(self._loop, woken) if sends_audio else None
        echo = EchoCanceller() if sends_audio and self.echo_cancellation else None
        plan = AudioPlan(
            render=self.mixer.render,
            capture=capture,
            on_error=self._on_audio_error,
            played=echo.process_render if echo is not None else None,
        )
        active = self._active = _Active(call, plan, self._audio(plan), woken)
        active.echo = echo
        active.audio.start()
        active.pump = asyncio.ensure_future(self._pump(active, fanout))
        await call.set_members(members)

    async def _set_members(self, members: frozenset[UserId]) -> None:
        if self._active is not None:
            await self._active.call.set_members(members)

    async def _deliver(self, sender: UserId, kind: SignalKind, sdp: str) -> None:
        if self._active is not None:
            await self._active.call.on_signal(sender, kind, sdp)

    async def _camera_on(self) -> None:
        if self._feed is not None or self._camera is None:
            return
        try:
            source = await asyncio.to_thread(self._camera)
        except MediaError as error:
            self._tell(CameraChanged(on=False, error=error))
            return
        self._feed = CameraFeed(
            source,
            self.video,
            preview=lambda picture: self._tell(PictureChanged(None, picture)),
            clock=self._frame_clock,
            on_end=self._on_camera_end,
        )
        self._tell(CameraChanged(on=True))

    async def _camera_off(self, error: MediaError | None = None) -> None:
        feed, self._feed = self._feed, None
        if feed is not None:
            await feed.stop()
            self._tell(CameraChanged(on=False, error=error))

    def _on_camera_end(self) -> None:
        """The camera stopped by itself (unplugged): off, saying so."""
        error = MediaError(MediaErrorCode.CAMERA_FAILED, "The camera stopped working.")
        self.submit(self._camera_off(error))

    async def _reopen_devices(self) -> None:
        active = self._active
        if active is not None:
            active.audio.stop()
        await self._look_for_devices()
        if active is not None:
            active.audio = self._audio(active.plan)
            active.audio.start()

    async def _look_for_devices(self) -> None:
        """Between closing our devices and opening them: those plugged in or out
        since are seen."""
        if self._rescan is None:
            return
        try:
            await asyncio.to_thread(self._rescan)
        except MediaError as error:  # opening the devices will say what is wrong
            logger.warning("engine.rescan_failed error=%s", error.message)

    def _on_audio_problem(self, error: MediaError) -> None:
        self._tell(AudioProblem(error))
        active = self._active
        if active is not None and (active.recovery is None or active.recovery.done()):
            active.recovery = asyncio.ensure_future(self._bring_sound_back(active))
            active.recovery.add_done_callback(_log_failure)

    async def _bring_sound_back(self, active: _Active) -> None:
        """Once no device stream of the call runs, open them again now and then
        until sound flows every way. While one still runs, leave them be:
        reopening would cut it off (choosing devices again reopens them all)."""
        wait, longest = RECOVER_SECONDS
        while True:
            await asyncio.sleep(wait)
            if self._active is not active or active.audio.running_streams:
                return
            await self._in_turn(self._reopen_devices())
            if await asyncio.to_thread(active.audio.wait_running, FLOWING_SECONDS):
                self._tell(AudioRestored())
                return
            wait = min(2 * wait, longest)

    async def _leave(self) -> None:
        active, self._active = self._active, None
        if active is None:
            return
        if active.recovery is not None:
            active.recovery.cancel()
        if active.pump is not None:
            active.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await active.pump
        await active.call.close()
        active.audio.stop()

    async def _shut_down(self) -> None:
        """Leave, then let what aiortc still had under way finish (its receivers'
        decoder threads hand their last word to the loop as they stop)."""
        async with self._turn:
            await self._leave()
            await self._camera_off()
        await asyncio.sleep(0)
        others = asyncio.all_tasks() - {asyncio.current_task()}
        async with asyncio.timeout(SHUTDOWN_SECONDS):
            await asyncio.gather(*others, return_exceptions=True)

    async def _pump(self, active: _Active, fanout: AudioFanout | None) -> None:
        """Send what was captured, top up what will be played; then sleep until
        the next frame is due."""
        frame: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        encoder = OpusEncoder() if fanout is not None else None
        capture = active.capture
        while True:
            if capture is not None and encoder is not None and fanout is not None:
                while capture.available >= FRAME_SAMPLES:
                    capture.read_into(frame)
                    if self.muted:
                        continue
                    sent = active.echo.process_capture(frame) if active.echo else frame
                    packet = encoder.encode(sent)
                    if packet is not None:
                        fanout.send(packet)
            active.call.top_up(self._clock())
            active.woken.clear()
            # Not ``wait_for``: on Python 3.11 it can swallow a cancellation that
            # comes as the event is set, and the pump would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_SECONDS):
                    await active.woken.wait()

    def _on_audio_error(self, error: MediaError) -> None:
        """From a sound-device thread: told on the engine's thread like the rest."""
        self._loop.call_soon_threadsafe(self._on_audio_problem, error)


def _log_failure(future: concurrent.futures.Future[Any] | asyncio.Future[Any]) -> None:
    if not future.cancelled() and (error := future.exception()) is not None:
        logger.error("engine.failed error=%r", error, exc_info=error)

"""The sound devices PortAudio offers, and the user's remembered choice of them.

Devices are referred to by name: PortAudio numbers them in the order it found them,
and the numbers change whenever a device comes or goes. A remembered name is turned
into the current index only when a stream is opened (:func:`resolve`).

PortAudio looks for devices once, when it starts; :func:`rescan` makes it look
again. Every failure of PortAudio leaves this module as a :class:`MediaError`.

The UI thread lists devices while the call engine's thread opens streams or makes
PortAudio look again, and PortAudio must not be restarted under a caller: every
call into it here holds one lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import MediaError, MediaErrorCode
from .pcm import BLOCK_SAMPLES, SAMPLE_RATE

try:
    import sounddevice  # type: ignore[import-untyped]  # ships no type information

    _portaudio: ModuleType | None = sounddevice
    _missing_reason = ""
except OSError as error:  # raised at import when the PortAudio library is not installed
    _portaudio = None
    _missing_reason = str(error)

_PORTAUDIO = threading.RLock()

CHOICE_FILE = "audio-devices.json"
"""Where :class:`DeviceChoice` lives inside the directory the app gives it."""

StreamCallback = Callable[[Any, int, Any, Any], None]
"""PortAudio's callback: (samples, frames, time info, status flags)."""


class DeviceKind(StrEnum):
    INPUT = "input"
    OUTPUT = "output"

    @property
    def noun(self) -> str:
        """What people call such a device."""
        return "microphone" if self is DeviceKind.INPUT else "speaker"


@dataclass(frozen=True)
class AudioDevice:
    """One device as PortAudio lists it right now."""

    name: str
    index: int
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool
    is_default_output: bool

    def offers(self, kind: DeviceKind) -> bool:
        channels = self.max_input_channels if kind is DeviceKind.INPUT else self.max_output_channels
        return channels > 0


def list_devices() -> tuple[AudioDevice, ...]:
    """Every device PortAudio found when it last looked."""
    sd = _sounddevice()
    try:
        with _PORTAUDIO:
            found = sd.query_devices()
            default_input, default_output = _default_indices(sd)
            host_apis = [host_api["name"] for host_api in sd.query_hostapis()]
    except sd.PortAudioError as error:
        raise _failed("The sound devices could not be listed", error) from error
    return tuple(
        AudioDevice(
            name=device["name"],
            index=device["index"],
            host_api=host_apis[device["hostapi"]],
            max_input_channels=device["max_input_channels"],
            max_output_channels=device["max_output_channels"],
            default_samplerate=device["default_samplerate"],
            is_default_input=device["index"] == default_input,
            is_default_output=device["index"] == default_output,
        )
        for device in found
    )


def inputs() -> tuple[AudioDevice, ...]:
    return tuple(device for device in list_devices() if device.offers(DeviceKind.INPUT))


def outputs() -> tuple[AudioDevice, ...]:
    return tuple(device for device in list_devices() if device.offers(DeviceKind.OUTPUT))


def find(name: str, kind: DeviceKind) -> int | None:
    """The current index of the device called ``name`` that offers ``kind``, if any.

    Names are compared exactly (PortAudio's own lookup matches parts of names).
    When two devices share a name, the first one listed wins.
    """
    for device in list_devices():
        if device.name == name and device.offers(kind):
            return device.index
    return None


def resolve(name: str | None, kind: DeviceKind) -> int:
    """The index to open for a chosen device; ``None`` is the system's default.

    Raises ``device_missing`` when the named device, or any default, is not there.
    """
    if name is None:
        with _PORTAUDIO:
            default = _default_indices(_sounddevice())[kind is DeviceKind.OUTPUT]
        if default < 0:
            raise MediaError(MediaErrorCode.DEVICE_MISSING, f"No {kind.noun} was found.")
        return default
    index = find(name, kind)
    if index is None:
        raise MediaError(
            MediaErrorCode.DEVICE_MISSING, f"The {kind.noun} “{name}” is not connected."
        )
    return index


def open_stream(
    kind: DeviceKind,
    name: str | None,
    callback: StreamCallback,
    finished: Callable[[], None],
) -> Any:
    """Open and start a mono float32 stream of 10 ms blocks at the call's rate.

    ``callback`` runs on PortAudio's thread for every block; ``finished`` runs there
    too when the stream ends, whether stopped or failed. Returns the running
    ``sounddevice`` stream; raises ``device_missing`` or ``device_failed``.
    """
    with _PORTAUDIO:
        return _open_stream(kind, name, callback, finished)


def _open_stream(
    kind: DeviceKind,
    name: str | None,
    callback: StreamCallback,
    finished: Callable[[], None],
) -> Any:
    sd = _sounddevice()
    index = resolve(name, kind)
    stream_type = sd.InputStream if kind is DeviceKind.INPUT else sd.OutputStream
    try:
        stream = stream_type(
            device=index,
            samplerate=SAMPLE_RATE,
            channels=1,
            dtype="float32",
            blocksize=BLOCK_SAMPLES,
            latency="low",
            callback=callback,
            finished_callback=finished,
        )
    except sd.PortAudioError as error:
        raise _failed(f"The {kind.noun} “{_label(name)}” could not be opened", error) from error
    try:
        stream.start()
    except sd.PortAudioError as error:
        close_quietly(stream)
        raise _failed(f"The {kind.noun} “{_label(name)}” could not be started", error) from error
    return stream


def close_quietly(stream: Any) -> None:
    """Stop and close a stream that may already have failed; errors no longer matter.

    Aborts rather than drains: draining what is queued for the speaker takes a
    second or more on some systems, and nobody waits for it when a call ends.
    """
    sd = _sounddevice()
    with _PORTAUDIO:
        with contextlib.suppress(sd.PortAudioError):
            stream.abort()
        with contextlib.suppress(sd.PortAudioError):
            stream.close()


def rescan() -> None:
    """Make PortAudio look for devices again (those plugged in or out since it started).

    Trap: this restarts PortAudio, which closes every stream still open. Call it
    only while no call has its sound devices open. PortAudio also reads the
    environment (e.g. ``PULSE_SERVER``, ``ALSA_CONFIG_PATH``) only when it starts.
    """
    sd = _sounddevice()
    try:
        with _PORTAUDIO:
            sd._terminate()
            sd._initialize()
    except sd.PortAudioError as error:
        raise _failed("The sound system could not be restarted", error) from error


@dataclass(frozen=True)
class DeviceChoice:
    """The devices the user picked, by name; ``None`` follows the system's default
    (for the camera: the first one found)."""

    input: str | None = None
    output: str | None = None
    camera: str | None = None

    @classmethod
    def load(cls, directory: Path) -> DeviceChoice:
        """The choice saved in ``directory``; defaults for anything missing or unreadable."""
        try:
            saved = json.loads((directory / CHOICE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(saved, dict):
            return cls()
        return cls(
            input=_name_or_none(saved.get("input")),
            output=_name_or_none(saved.get("output")),
            camera=_name_or_none(saved.get("camera")),
        )

    def save(self, directory: Path) -> None:
        """Write the choice to ``directory`` (created if needed), replacing it whole.

        A crash mid-write leaves the previous file, never half of one.
        """
        directory.mkdir(parents=True, exist_ok=True)
        chosen = {"input": self.input, "output": self.output, "camera": self.camera}
        text = json.dumps(chosen, indent=2)
        descriptor, temporary = tempfile.mkstemp(prefix=".audio-devices-", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            os.replace(temporary, directory / CHOICE_FILE)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _name_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _sounddevice() -> Any:
    if _portaudio is None:
        raise MediaError(
            MediaErrorCode.DEVICE_FAILED,
            f"The sound system is not available (the PortAudio library is missing: "
            f"{_missing_reason}).",
        )
    return _portaudio


def _default_indices(sd: Any) -> tuple[int, int]:
    """PortAudio's default (input, output) device indices; -1 where there is none."""
    # sounddevice reports PortAudio's own defaults while nobody sets sd.default.
    default_input, default_output = sd.default.device
    return int(default_input), int(default_output)


def _failed(what: str, error: Exception) -> MediaError:
    return MediaError(MediaErrorCode.DEVICE_FAILED, f"{what}: {error}.")


def _label(name: str | None) -> str:
    return name if name is not None else "system default"

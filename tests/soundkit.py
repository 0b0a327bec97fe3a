"""A private, virtual sound server for tests: PulseAudio with a few "machines".

Each machine ``k`` has a speaker, a microphone and a way to talk into that
microphone, all PulseAudio devices:

- ``spk<k>``, a null sink: the machine's speaker. What the app plays there can be
  recorded from its monitor, ``spk<k>.monitor``.
- ``inj<k>``, a null sink whose monitor is remapped to the source ``mic<k>``, the
  machine's microphone: a WAV played into ``inj<k>`` comes out of ``mic<k>``.

How PortAudio sees them: PortAudio reaches PulseAudio through ALSA's pulse plugin
and lists only the plugin's ``pulse`` and ``default`` devices (the server's default
sink and source, here ``spk1`` and ``mic1``). So the server also gets an ALSA
configuration naming one device per speaker and microphone, ``roomcast_spk<k>``
(output only) and ``roomcast_mic<k>`` (input only), each a pulse plugin device bound
to its sink or source; PortAudio lists them by name like any sound card. The file
includes the system's own ALSA configuration first and is put in place with
``ALSA_CONFIG_PATH``. The pulse plugin offers up to 32 channels on every device
whatever the sink has; the direction is what tells speaker from microphone.

The alternative, setting ``PULSE_SINK``/``PULSE_SOURCE`` in ``os.environ`` just
before opening ``pulse`` (the plugin reads them at each open), also routes a stream,
but through one process-wide setting and one device name for every machine: the
app's choice of devices by name would go untested. Named devices are what the app
meets on a real system.

Traps:
- PortAudio lists devices (reading ``ALSA_CONFIG_PATH`` and ALSA's configuration)
  only when it starts, at ``import sounddevice``: :func:`portaudio_on` restarts it
  (``devices.rescan``) on the way in and out. The pulse plugin itself reads
  ``PULSE_SERVER`` at each open.
- PulseAudio moves a stream whose device goes away to any device that is left; a
  stream fails only when no device is left to move it to (see :meth:`unplug`).
- The first block from a fresh recording of a null sink's monitor (our microphones
  and the speakers' monitors) comes 0.5–2 s after opening: wait for it (the
  :class:`Recorder` and ``SoundIO.wait_running`` do) before playing test sound.
  A speaker is late the same way: PortAudio asks for a few blocks at once to fill
  its buffer, then for nothing until the null sink runs.

The server runs as a child process in a private runtime directory, with
``PULSE_SERVER`` pointing at its own socket, so a test never reaches the user's
sound server; it is stopped by its PID. Missing programs fail the test with the
Debian package to install (``scripts/dev.sh test`` installs them).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from programs import require

from desktop.media import devices
from desktop.media.pcm import SAMPLE_RATE, Samples

START_TIMEOUT = 10.0
"""Seconds the server, or a recording's first block, may take to come."""

_ALSA_PLUGIN_PACKAGES = "libasound2-plugins libportaudio2"

_ENVIRONMENT = ("PULSE_SERVER", "PULSE_COOKIE", "PULSE_CLIENTCONFIG", "ALSA_CONFIG_PATH")
"""What points this process's sound clients (PortAudio among them) at a server."""


@dataclass(frozen=True)
class Machine:
    """One virtual machine's sound devices; see the module's docstring."""

    number: int

    @property
    def speaker(self) -> str:
        return f"spk{self.number}"

    @property
    def speaker_monitor(self) -> str:
        """The source that records what the speaker plays."""
        return f"spk{self.number}.monitor"

    @property
    def injection(self) -> str:
        """The sink whose sound comes out of the microphone."""
        return f"inj{self.number}"

    @property
    def mic(self) -> str:
        return f"mic{self.number}"

    @property
    def speaker_device(self) -> str:
        """The speaker's name in PortAudio's device list."""
        return f"roomcast_{self.speaker}"

    @property
    def mic_device(self) -> str:
        """The microphone's name in PortAudio's device list."""
        return f"roomcast_{self.mic}"


class SoundServer:
    """A running PulseAudio with its machines."""

    def __init__(self, workdir: Path, machines: tuple[Machine, ...]) -> None:
        self.workdir = workdir
        self.machines = machines
        self.socket = workdir / "native"
        self.plugged = list(machines)
        self._modules: dict[str, int] = {}

    def environment(self) -> dict[str, str]:
        """``os.environ`` with every sound client pointed at this server only."""
        return os.environ | self.client_environment()

    def client_environment(self) -> dict[str, str]:
        return {
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_COOKIE": str(self.workdir / "cookie"),
            "PULSE_CLIENTCONFIG": str(self.workdir / "client.conf"),
            "ALSA_CONFIG_PATH": str(self.workdir / "asound.conf"),
        }

    def pactl(self, *arguments: str) -> str:
        result = subprocess.run(
            ["pactl", *arguments],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"pactl {' '.join(arguments)} failed: {result.stderr}")
        return result.stdout.strip()

    def load(self, device: str, module: str, *arguments: str) -> None:
        """Load a module providing ``device``, remembered so it can be unplugged."""
        self._modules[device] = int(self.pactl("load-module", module, *arguments))

    def unplug(self, machine: Machine) -> None:
        """Take the machine's devices away, as if its sound card were pulled out.

        Its streams move to whatever device is left (PulseAudio's rule), so they
        fail only on a server where this machine was the only one. Its devices leave
        ALSA's configuration too; PortAudio stops listing them once rescanned (the
        pulse plugin itself would go on offering a device that is gone).
        """
        for device in (machine.mic, machine.injection, machine.speaker):
            self.pactl("unload-module", str(self._modules.pop(device)))
        self.plugged.remove(machine)
        _write_alsa_configuration(self)

    def plug_in(self, machine: Machine) -> None:
        """Give an unplugged machine its devices back, under the same names."""
        _plug_in(self, machine)
        self.plugged.append(machine)
        _write_alsa_configuration(self)

    def streams_of(self, pid: int, kind: str) -> int:
        """How many ``source-outputs`` (recordings) or ``sink-inputs`` (playbacks)
        the process ``pid`` has open on this server."""
        marker = f'application.process.id = "{pid}"'
        return sum(marker in block for _, block in _blocks(self.pactl("list", kind)))

    def end_streams_of(self, pid: int, kind: str) -> int:
        """End the ``source-outputs`` or ``sink-inputs`` of process ``pid`` from the
        server's side, as it does when their device goes with nowhere to move them.
        Returns how many were ended."""
        singular = {"source-outputs": "source-output", "sink-inputs": "sink-input"}[kind]
        indices = [
            index
            for index, block in _blocks(self.pactl("list", kind))
            if f'application.process.id = "{pid}"' in block
        ]
        for index in indices:
            if answer := self.command(f"kill-{singular} {index}"):
                raise AssertionError(f"kill-{singular} {index} failed: {answer}")
        return len(indices)

    def command(self, line: str) -> str:
        """Run one command of PulseAudio's own command language (``pactl`` lacks some,
        such as ending a stream); returns what the server answered, empty on success."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(START_TIMEOUT)
            connection.connect(str(self.workdir / "cli"))
            connection.sendall(line.encode() + b"\n")
            connection.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        return answer.decode(errors="replace").strip()

    def play(self, wav: Path, sink: str) -> None:
        """Play ``wav`` into ``sink`` and return once it has been played."""
        require("paplay")
        with wave.open(str(wav)) as file:
            seconds = file.getnframes() / file.getframerate()
        subprocess.run(
            ["paplay", "-d", sink, str(wav)],
            env=self.environment(),
            timeout=seconds + START_TIMEOUT,
            check=True,
        )

    @contextmanager
    def recorder(self, source: str) -> Iterator[Recorder]:
        """Record ``source`` until the block ends; yields once sound is flowing."""
        require("parec")
        process = subprocess.Popen(
            [
                "parec",
                "-d",
                source,
                "--raw",
                "--format=float32le",
                f"--rate={SAMPLE_RATE}",
                "--channels=1",
                "--latency-msec=10",
            ],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        recorder = Recorder(process)
        try:
            recorder.wait_live()
            yield recorder
        finally:
            stop(process)
            recorder.join()
            assert process.stdout is not None
            process.stdout.close()

    def record(self, source: str, seconds: float) -> Samples:
        """``seconds`` of ``source``, counted in samples, from when sound flows."""
        with self.recorder(source) as recorder:
            return recorder.take(int(seconds * SAMPLE_RATE))


class Recorder:
    """Collects what ``parec`` records, on a thread of its own (a full pipe would
    stall the recording)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._chunks: list[bytes] = []
        self._size = 0
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._read, name="recorder", daemon=True)
        self._thread.start()

    def wait_live(self) -> None:
        self._wait_for(1, START_TIMEOUT, "the first recorded block")

    def mark(self) -> int:
        """How many samples have been recorded so far (a position for :meth:`since`)."""
        with self._arrived:
            return self._size // 4

    def take(self, count: int, timeout: float = START_TIMEOUT) -> Samples:
        """The next ``count`` samples from now."""
        start = self.mark()
        self._wait_for(start + count, count / SAMPLE_RATE + timeout, f"{count} samples")
        return self.since(start)[:count]

    def since(self, start: int) -> Samples:
        """Everything recorded from sample ``start`` on."""
        with self._arrived:
            data = b"".join(self._chunks)
        usable = len(data) // 4 * 4
        return np.frombuffer(data[:usable], dtype="<f4")[start:].astype(np.float32)

    def join(self) -> None:
        self._thread.join(START_TIMEOUT)

    def _wait_for(self, samples: int, timeout: float, what: str) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._size >= samples * 4, timeout):
                raise AssertionError(f"timed out recording {what}")

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        while chunk := os.read(stream.fileno(), 65536):
            with self._arrived:
                self._chunks.append(chunk)
                self._size += len(chunk)
                self._arrived.notify_all()


@contextmanager
def sound_server(machines: int = 2) -> Iterator[SoundServer]:
    """Run a private PulseAudio with ``machines`` machines (numbered from 1)."""
    require("pulseaudio", "pactl")
    with contextlib.ExitStack() as stack:
        # Short on purpose: it holds the server's socket, whose path is limited.
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roomcast-pa-")))
        server = SoundServer(workdir, tuple(Machine(k) for k in range(1, machines + 1)))
        _write_configuration(server)
        process = _start_daemon(server)
        stack.callback(stop, process)
        _wait_until_serving(server, process)
        for machine in server.machines:
            _plug_in(server, machine)
        server.pactl("set-default-sink", server.machines[0].speaker)
        server.pactl("set-default-source", server.machines[0].mic)
        yield server


@contextmanager
def portaudio_on(server: SoundServer) -> Iterator[None]:
    """Point this process's PortAudio at ``server`` (and back again afterwards)."""
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
    os.environ.update(server.client_environment())
    try:
        devices.rescan()
        _check_devices_listed(server)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        devices.rescan()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until ``condition`` holds (checked every 5 ms); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


@contextmanager
def virtual_sound(machines: int = 2) -> Iterator[SoundServer]:
    """A private server with ``machines`` machines and PortAudio pointed at it:
    what a test module's sound fixture yields."""
    with sound_server(machines) as server, portaudio_on(server):
        yield server


def stop(process: subprocess.Popen[bytes]) -> None:
    """End ``process`` (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Sound files and what is in them


def speech_wav(text: str, path: Path) -> Path:
    """``text`` spoken by espeak-ng, as a 48 kHz mono 16-bit WAV normalised to -3 dBFS."""
    require("espeak-ng", "sox")
    raw = path.with_name(path.stem + "-raw.wav")
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, timeout=START_TIMEOUT)
    subprocess.run(
        ["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(path), "norm", "-3"],
        check=True,
        timeout=START_TIMEOUT,
    )
    raw.unlink()
    return path


def tone(frequency: float, seconds: float, amplitude: float) -> Samples:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def write_wav(samples: Samples, path: Path) -> Path:
    """Write 48 kHz mono 16-bit."""
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> Samples:
    """A 16-bit mono WAV as float32 samples."""
    with wave.open(str(path)) as file:
        data = file.readframes(file.getnframes())
    return (np.frombuffer(data, dtype="<i2") / 32768.0).astype(np.float32)


def dominant_frequency(samples: Samples) -> float:
    """The strongest frequency in ``samples``, in Hz (to within 1 Hz per second analysed)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])


def rms_dbfs(samples: Samples) -> float:
    mean_square = float(np.mean(np.square(samples, dtype=np.float64)))
    return 10 * np.log10(mean_square) if mean_square > 0 else -200.0


def aligned_correlation(recorded: Samples, original: Samples) -> tuple[float, int]:
    """Normalised correlation of ``original`` with the part of ``recorded`` it best
    lines up with, and the offset (in samples) where it starts there."""
    size = 1 << (len(recorded) + len(original)).bit_length()
    spectrum = np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(original, size))
    offset = int(np.argmax(np.fft.irfft(spectrum, size)[: len(recorded)]))
    part = recorded[offset : offset + len(original)].astype(np.float64)
    reference = original[: len(part)].astype(np.float64)
    norm = np.sqrt(np.dot(part, part) * np.dot(reference, reference))
    return (float(np.dot(part, reference) / norm) if norm else 0.0), offset


# Starting the server


def _write_configuration(server: SoundServer) -> None:
    (server.workdir / "cookie").write_bytes(secrets.token_bytes(256))
    # A client must never start a server of its own (say, once this one is gone).
    (server.workdir / "client.conf").write_text("autospawn = no\n", encoding="utf-8")
    _write_alsa_configuration(server)


def _write_alsa_configuration(server: SoundServer) -> None:
    """The system's ALSA configuration plus a named device per plugged-in machine."""
    lines = ["<confdir:alsa.conf>"]
    for machine in server.plugged:
        lines.append(
            f"pcm.{machine.speaker_device} "
            f"{{ type asym playback.pcm {{ type pulse device {machine.speaker} }} }}"
        )
        lines.append(
            f"pcm.{machine.mic_device} "
            f"{{ type asym capture.pcm {{ type pulse device {machine.mic} }} }}"
        )
    # A new file, not a rewrite: ALSA rereads its configuration when a file's
    # inode or modification time (in whole seconds) changed.
    staged = server.workdir / "asound.conf.new"
    staged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged.replace(server.workdir / "asound.conf")


def _start_daemon(server: SoundServer) -> subprocess.Popen[bytes]:
    workdir = server.workdir
    runtime = workdir / "runtime"
    runtime.mkdir(mode=0o700)
    # Everything the daemon reads or writes stays in the work directory.
    environment = os.environ | {
        "HOME": str(workdir),
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
        "PULSE_STATE_PATH": str(workdir / "state"),
    }
    with (workdir / "pulseaudio.log").open("wb") as log:
        return subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "-n",  # no default script: only the modules loaded here
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=no",
                "--log-target=stderr",
                f"--load=module-native-protocol-unix socket={server.socket} auth-anonymous=1",
                f"--load=module-cli-protocol-unix socket={workdir / 'cli'}",
            ],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )


def _wait_until_serving(server: SoundServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(server):
        log = (server.workdir / "pulseaudio.log").read_text(errors="replace")[-2000:]
        if process.poll() is not None:
            raise AssertionError(f"pulseaudio exited on start:\n{log}")
        if time.monotonic() > deadline:
            raise AssertionError(f"pulseaudio did not start in time:\n{log}")
        time.sleep(0.02)


def _answers(server: SoundServer) -> bool:
    if not server.socket.exists():
        return False
    result = subprocess.run(
        ["pactl", "info"], env=server.environment(), capture_output=True, timeout=START_TIMEOUT
    )
    return result.returncode == 0


def _plug_in(server: SoundServer, machine: Machine) -> None:
    sink = f"rate={SAMPLE_RATE} channels=1 format=float32le"
    server.load(machine.speaker, "module-null-sink", f"sink_name={machine.speaker}", *sink.split())
    server.load(
        machine.injection, "module-null-sink", f"sink_name={machine.injection}", *sink.split()
    )
    server.load(
        machine.mic,
        "module-remap-source",
        f"master={machine.injection}.monitor",
        f"source_name={machine.mic}",
        *sink.split(),
    )


def _blocks(listing: str) -> Iterator[tuple[str, str]]:
    """Split a long ``pactl list`` into (index, text) per entry ("Sink Input #12")."""
    for block in re.split(r"\n(?=\S)", listing):
        if match := re.match(r"[A-Za-z ]+#(\d+)", block):
            yield match.group(1), block


def _check_devices_listed(server: SoundServer) -> None:
    listed = {device.name for device in devices.list_devices()}
    wanted = {name for m in server.machines for name in (m.speaker_device, m.mic_device)}
    if not wanted <= listed:
        pytest.fail(
            f"PortAudio does not list the virtual devices {sorted(wanted - listed)} "
            f"(it lists {sorted(listed)}): install the Debian packages "
            f"{_ALSA_PLUGIN_PACKAGES} (scripts/dev.sh test installs them)",
            pytrace=False,
        )

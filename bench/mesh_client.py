"""The CPU side of ``audio_latency.py``: six clients in one call, each its own
process, through a real server on 127.0.0.1.

``run_mesh`` starts the server and the clients and returns the CPU (percent of
one core) of the measured client; run as a script, this module is one client:
it joins the call, waits until it is connected to every other client, measures
its own process's CPU over a window, prints ``cpu=<percent>``, and stays in the
call until its standard input closes.

``--naive`` makes the client do what aiortc does by default: encode for every
peer separately (aiortc's encoder, from raw frames, through aiortc's senders) and
decode through aiortc's own receive path, instead of encoding once and sending
and receiving the packets our own way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import sys
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError

from desktop.client import Client
from desktop.core import AudioConnection, UserId
from desktop.core.commands import AddMember, Batch
from desktop.media import engine as engine_module
from desktop.media import peer as peer_module
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.events import CallEvent, PeerChanged
from desktop.media.follow import CallFollower
from desktop.media.ice import loopback_only
from desktop.media.pcm import FRAME_SAMPLES, SAMPLE_RATE, Samples
from desktop.media.peer import PeerState
from desktop.media.sound_io import VirtualSoundIO
from desktop.media.tracks import AudioFanout, PacketSender
from desktop.server import EmbeddedServer
from desktop.server.settings import Settings

CLIENTS = 6
MESH_TONE = 440.0
SETTLE_SECONDS = 2.0
"""After the last connection, before measuring: start-up work is not a call's cost."""


async def run_mesh(data_dir: Path, *, naive: bool, seconds: float) -> float:
    """The measured client's CPU: the naive one, or the mean of six Roomcast ones."""
    server = EmbeddedServer(
        Settings(data_dir=data_dir, port=0, messages_per_second=1000.0, burst=1000)
    )
    await server.start()
    try:
        tokens, cid = await _meeting(server.url)
        children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                *(["--naive"] if naive and index == 0 else []),
                "--",  # a token may begin with a dash
                server.url,
                token,
                cid,
                str(seconds),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for index, token in enumerate(tokens)
        ]
        figures = [await _figure(child) for child in children]
        for child in children:
            assert child.stdin is not None
            child.stdin.close()
        for child in children:
            await child.wait()
    finally:
        await server.stop()
    return figures[0] if naive else sum(figures) / len(figures)


async def _meeting(url: str) -> tuple[list[str], str]:
    clients = []
    for index in range(CLIENTS):
        client = Client(url)
        await client.connect()
        await client.sign_up(f"caller{index}", "correct horse battery", f"Caller {index}")
        clients.append(client)
    host = clients[0]
    cid = await host.create_conversation("Mesh")
    adds = tuple(
        AddMember(user_id=UserId(f"caller{index}"), audio=AudioConnection.VOIP)
        for index in range(1, CLIENTS)
    )
    await host.execute(cid, Batch(commands=adds))
    tokens = [client.token for client in clients if client.token is not None]
    for client in clients:
        await client.close()
    return tokens, cid


async def _figure(child: asyncio.subprocess.Process) -> float:
    assert child.stdout is not None
    line = (await child.stdout.readline()).decode().strip()
    if not line.startswith("cpu="):
        raise RuntimeError(f"a mesh client ended without a figure: {line!r}")
    return float(line.removeprefix("cpu="))


# One client


class _Tone:
    """The virtual microphone: a second of the tone (whole cycles), looped. Only
    copied per block, as a sound device's samples are: computing it would charge
    the client with work no real client does."""

    def __init__(self) -> None:
        times = np.arange(SAMPLE_RATE) / SAMPLE_RATE
        self._loop: Samples = (0.2 * np.sin(2 * np.pi * MESH_TONE * times)).astype(np.float32)
        self._phase = 0

    def __call__(self, block: Samples) -> None:
        end = self._phase + len(block)
        if end <= len(self._loop):
            block[:] = self._loop[self._phase : end]
        else:
            block[:] = np.concatenate(
                (self._loop[self._phase :], self._loop[: end - len(self._loop)])
            )
        self._phase = end % len(self._loop)


def _devices(plan: AudioPlan) -> VirtualSoundIO:
    return VirtualSoundIO(plan.render, capture=plan.capture, source=_Tone(), sink=None)


class _RawFrames:
    """Stands in for the engine's encoder: hands raw frames on, for aiortc to
    encode once per peer."""

    def __init__(self) -> None:
        self._pts = 0

    def encode(self, samples: Samples) -> av.AudioFrame:
        pcm = (samples * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._pts += FRAME_SAMPLES
        return frame


_draining: set[asyncio.Task[None]] = set()


def _drain_instead_of_tapping(receiver: Any, handle: Any) -> None:
    """aiortc's receive path: its jitter buffer, its decoder thread, ``recv()``."""

    async def drain() -> None:
        while receiver._track is None:  # aiortc makes it with the remote description
            await asyncio.sleep(0.05)
        with contextlib.suppress(MediaStreamError):  # the call ended
            while True:
                await receiver.track.recv()

    task = asyncio.ensure_future(drain())
    _draining.add(task)


class _ThroughTracks(AudioFanout):
    """Hands each frame to every peer's track, for aiortc's sender to encode and
    send, instead of sending it our own way."""

    keep = 5

    def attach(self, peer: str, sender: PacketSender) -> None:
        pass

    def send(self, item: Any) -> None:
        for track in self._tracks.values():
            track.put(item)


def _aiortc_receives(*_: object) -> None:
    """Leaves every packet to aiortc's receive path."""


def _go_naive() -> None:
    vars(engine_module)["OpusEncoder"] = _RawFrames  # the naive sender
    vars(engine_module)["AudioFanout"] = _ThroughTracks
    vars(peer_module)["listen_for_audio"] = _aiortc_receives  # the naive receiver
    vars(peer_module)["tap_receiver"] = _drain_instead_of_tapping


async def _client(url: str, token: str, cid: str, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    connected: set[UserId] = set()
    everyone = asyncio.Event()

    def tell(event: CallEvent) -> None:
        if isinstance(event, PeerChanged) and event.state is PeerState.CONNECTED:
            loop.call_soon_threadsafe(_count, event.user)

    def _count(user: UserId) -> None:
        connected.add(user)
        if len(connected) == CLIENTS - 1:
            everyone.set()

    client = Client(url, token=token)
    await client.connect()
    engine = MediaEngine(audio=_devices, tell=tell, echo_cancellation=False)
    engine.start()
    follower = CallFollower(client, engine)
    await client.join_call(cid)
    async with asyncio.timeout(60):
        await everyone.wait()
    await asyncio.sleep(SETTLE_SECONDS)  # a measuring window, not a synchronisation
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)  # the measuring window itself
    used = (time.process_time() - cpu) / (time.perf_counter() - wall)
    print(f"cpu={used * 100:.2f}", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    for task in _draining:
        task.cancel()
    await follower.close()
    await asyncio.to_thread(engine.stop)
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("conversation")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--naive", action="store_true")
    args = parser.parse_args()
    if args.naive:
        _go_naive()
    with loopback_only():
        asyncio.run(_client(args.url, args.token, args.conversation, args.seconds))


if __name__ == "__main__":
    main()

"""One-way audio latency and the CPU of a mesh: Roomcast's call engine against
aiortc's defaults, in one run on 127.0.0.1.

Latency: a click (5 ms of 1 kHz) every half second, from the moment the sender
hands the block holding it onwards, to the moment it comes out of the receiver's
mixed output (Roomcast: the mixer's block, as the sound device would take it;
aiortc: the decoded frame out of ``track.recv()``, its default receive path).
Each run plays clean for a while, then loses a burst of packets, then loses 1 %
of them at random; both paths lose the same packets (the loss sits where datagrams
come off the socket, in front of both receive paths).

CPU: six clients in one call (each with five peers), each in its own process,
talking through a real server. Once for Roomcast (encode once, our playout), once
with the measured client naive (aiortc encodes for every peer and decodes through
its own jitter buffer) among five Roomcast clients. Printed per audio peer. The
two are measured back to back in each of several rounds, in turns (Roomcast
first, then naive first, ...), so a shared machine growing busier or quieter
during the run favours neither; the figures are the medians over the rounds, the
ratio the median of each round's own ratio.
Echo cancellation is off on both sides (people with headphones); it costs about
0.017 CPU-seconds per second of audio and client when on.

Targets: latency_vs_aiortc_ratio ≤ 0.5, latency_after_loss_ms_p50 ≤ 60,
cpu_per_audio_peer_pct ≤ 4, mesh_cpu_vs_naive_ratio ≤ 0.5.

    python bench/audio_latency.py [--seconds N] [--mesh-seconds N] [--mesh-rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
from aioice.ice import StunProtocol
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.rtp import is_rtcp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mesh_client import run_mesh  # a sibling module of this script

from desktop.core import UserId
from desktop.media.engine import AudioPlan, MediaEngine
from desktop.media.events import CallEvent, PeerChanged
from desktop.media.ice import loopback_only
from desktop.media.pcm import FRAME_SAMPLES, SAMPLE_RATE, Samples
from desktop.media.peer import PeerState
from desktop.media.sound_io import VirtualSoundIO
from desktop.protocol.messages import SignalKind

CLICK_EVERY = 0.5
CLICK = (0.8 * np.hanning(240) * np.sin(2 * np.pi * 1000 * np.arange(240) / SAMPLE_RATE)).astype(
    np.float32
)
THRESHOLD = 0.2
BURST = 10
"""Packets lost in a row (200 ms of audio)."""
RANDOM_LOSS = 0.01


class Clicks:
    """When each click was handed on: a shared clock for both ends."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.heard: list[float] = []
        self._next = 0.0
        self._last_heard = 0.0

    def stamp(self, block: Samples) -> None:
        """Fill a block of silence, with a click at its start when one is due."""
        block[:] = 0.0
        now = time.perf_counter()
        if now >= self._next:
            block[: len(CLICK)] = CLICK[: len(block)]
            self.sent.append(now)
            self._next = now + CLICK_EVERY

    def listen(self, block: Samples, now: float) -> None:
        loud = np.flatnonzero(np.abs(block) > THRESHOLD)
        if loud.size and now - self._last_heard > CLICK_EVERY / 2:
            self._last_heard = now
            self.heard.append(now + loud[0] / SAMPLE_RATE)

    def latencies(self, since: float, until: float) -> list[float]:
        """Milliseconds from each click sent in [since, until) to when it was heard."""
        result = []
        for sent in self.sent:
            if since <= sent < until:
                later = [heard - sent for heard in self.heard if 0 <= heard - sent < CLICK_EVERY]
                if later:
                    result.append(min(later) * 1e3)
        return result


class Loss:
    """Drops RTP packets as they come off the socket: none, a burst, then 1 %."""

    def __init__(self) -> None:
        self.burst_left = 0
        self.random = 0.0
        self._rng = random.Random(7)
        self._original = StunProtocol.datagram_received

    def __enter__(self) -> Loss:
        loss = self

        def received(protocol: StunProtocol, data: bytes, addr: tuple[Any, ...]) -> None:
            if 127 < data[0] < 192 and not is_rtcp(data) and loss.drops():
                return
            loss._original(protocol, data, addr)

        # The lossy link: every connection in the process loses the same packets.
        StunProtocol.datagram_received = received  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_: object) -> None:
        StunProtocol.datagram_received = self._original  # type: ignore[method-assign]

    def drops(self) -> bool:
        if self.burst_left:
            self.burst_left -= 1
            return True
        return self._rng.random() < self.random


async def lossy_run(clicks: Clicks, seconds: float) -> tuple[list[float], list[float]]:
    """Clean for the first half, then a burst, then random loss; latencies of each part."""
    with Loss() as loss:
        await asyncio.sleep(1.0)  # the first second settles the connection: not measured
        clean_from = time.perf_counter()
        await asyncio.sleep(seconds / 2)
        lost_at = time.perf_counter()
        loss.burst_left, loss.random = BURST, RANDOM_LOSS
        await asyncio.sleep(seconds / 2)
        end = time.perf_counter()
    return clicks.latencies(clean_from, lost_at), clicks.latencies(lost_at, end)


# Roomcast: two engines, the sender's microphone clicks, the receiver's mixer is heard


class _Line:
    def __init__(self, engines: dict[UserId, MediaEngine], me: UserId) -> None:
        self._engines, self._me = engines, me

    def send(self, to: UserId, kind: SignalKind, sdp: str) -> None:
        self._engines[to].deliver(self._me, kind, sdp)


def _connected(
    engine_events: list[CallEvent], ready: threading.Event
) -> Callable[[CallEvent], None]:
    def tell(event: CallEvent) -> None:
        engine_events.append(event)
        if isinstance(event, PeerChanged) and event.state is PeerState.CONNECTED:
            ready.set()

    return tell


async def roomcast_latency(seconds: float) -> tuple[list[float], list[float]]:
    clicks = Clicks()
    events: list[CallEvent] = []
    ready = threading.Event()

    def sender_devices(plan: AudioPlan) -> VirtualSoundIO:
        return VirtualSoundIO(plan.render, capture=plan.capture, source=clicks.stamp)

    def receiver_devices(plan: AudioPlan) -> VirtualSoundIO:
        def sink(block: Samples) -> None:
            clicks.listen(block, time.perf_counter())

        return VirtualSoundIO(plan.render, receive_only=True, sink=sink)

    engines: dict[UserId, MediaEngine] = {}
    engines[UserId("a")] = MediaEngine(
        audio=sender_devices, tell=events.append, echo_cancellation=False
    )
    engines[UserId("b")] = MediaEngine(
        audio=receiver_devices, tell=_connected(events, ready), echo_cancellation=False
    )
    for engine in engines.values():
        engine.start()
    try:
        for user, engine in engines.items():
            sends = user == "a"
            line = _Line(engines, user)
            await asyncio.wrap_future(engine.join(user, [], sends_audio=sends, signaling=line))
        for engine in engines.values():
            await asyncio.wrap_future(engine.set_members(engines))
        await asyncio.to_thread(ready.wait, 20)
        return await lossy_run(clicks, seconds)
    finally:
        for engine in engines.values():
            await asyncio.to_thread(engine.stop)


# aiortc's defaults: an AudioFrame track in, track.recv() out


class ClickTrack(MediaStreamTrack):
    """20 ms frames at real-time pace, clicking like the microphone above."""

    kind = "audio"

    def __init__(self, clicks: Clicks) -> None:
        super().__init__()
        self._clicks = clicks
        self._block: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        self._start = time.perf_counter()
        self._count = 0

    async def recv(self) -> av.AudioFrame:
        self._count += 1
        await asyncio.sleep(max(0.0, self._start + self._count * 0.02 - time.perf_counter()))
        self._clicks.stamp(self._block)
        pcm = (self._block * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._count * FRAME_SAMPLES
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        return frame


async def aiortc_latency(seconds: float) -> tuple[list[float], list[float]]:
    clicks = Clicks()
    sender, receiver = RTCPeerConnection(), RTCPeerConnection()
    received: list[asyncio.Task[None]] = []

    async def hear(track: MediaStreamTrack) -> None:
        while True:
            frame = await track.recv()
            now = time.perf_counter()
            samples = frame.to_ndarray().reshape(-1, 2)[:, 0].astype(np.float32) / 32767  # type: ignore[union-attr]
            clicks.listen(samples, now)

    receiver.on("track", lambda track: received.append(asyncio.ensure_future(hear(track))))
    sender.addTrack(ClickTrack(clicks))
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(
        RTCSessionDescription(receiver.localDescription.sdp, receiver.localDescription.type)
    )
    try:
        return await lossy_run(clicks, seconds)
    finally:
        for task in received:
            task.cancel()
        await sender.close()
        await receiver.close()


async def mesh_round(*, naive_first: bool, seconds: float) -> tuple[float, float]:
    """The measured client's CPU in a Roomcast mesh and with it naive, back to back."""
    cpu: dict[bool, float] = {}
    for naive in (naive_first, not naive_first):
        with tempfile.TemporaryDirectory() as data:
            cpu[naive] = await run_mesh(Path(data), naive=naive, seconds=seconds)
    return cpu[False], cpu[True]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def main(args: argparse.Namespace) -> None:
    with loopback_only():
        ours, ours_lossy = await roomcast_latency(args.seconds)
        theirs, theirs_lossy = await aiortc_latency(args.seconds)
    rounds = [
        await mesh_round(naive_first=index % 2 == 1, seconds=args.mesh_seconds)
        for index in range(args.mesh_rounds)
    ]
    roomcast_cpu = median([roomcast for roomcast, _ in rounds])
    naive_cpu = median([naive for _, naive in rounds])
    peers = 5
    print(f"clicks_clean={len(ours)}")
    print(f"clicks_after_loss={len(ours_lossy)}")
    print(f"aiortc_latency_ms_p50={median(theirs):.1f}")
    print(f"aiortc_latency_after_loss_ms_p50={median(theirs_lossy):.1f}")
    print(f"latency_ms_p50={median(ours):.1f}")
    print(f"latency_vs_aiortc_ratio={median(ours) / median(theirs):.2f}")
    print(f"latency_after_loss_ms_p50={median(ours_lossy):.1f}")
    print(f"naive_cpu_per_audio_peer_pct={naive_cpu / peers:.2f}")
    print(f"cpu_per_audio_peer_pct={roomcast_cpu / peers:.2f}")
    print(f"mesh_cpu_vs_naive_ratio={median([ours / naive for ours, naive in rounds]):.2f}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=20.0, help="each latency run")
    parser.add_argument("--mesh-seconds", type=float, default=10.0, help="each CPU measure")
    parser.add_argument("--mesh-rounds", type=int, default=3, help="CPU measures of each")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))

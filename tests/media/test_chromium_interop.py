"""A WebRTC stack we did not write joins a room's call: headless Chromium runs a
page that speaks the protocol itself (tests/media/browser/call_page.js), and our
client follows the call with its engine. Each side hears exactly the other's
tone, whoever offers, and when the browser leaves, our engine lets go of it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from audiokit import Recorder, Tone, level_at, virtual_devices
from browserkit import CHROMIUM, BrowserPage, Report, chromium_page, write_tone
from netkit import signed_up
from rtckit import Connections

from desktop.client import Client
from desktop.core import AudioConnection, UserId
from desktop.core.commands import AddMember
from desktop.media.engine import MediaEngine
from desktop.media.events import PeerChanged
from desktop.media.follow import CallFollower
from desktop.media.ice import loopback_only
from desktop.media.pcm import Samples
from desktop.media.peer import PeerState
from desktop.server import EmbeddedServer

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Chromium is not installed"),
]

AMPLITUDE = 0.25
OUR_TONE = 1000.0
PAGE_TONE = 440.0
"""What the browser's microphone file plays, at :data:`AMPLITUDE` like ours."""
PAGE_TONE_SECONDS = 20.0
"""Longer than the test: Chromium's file microphone drops about 10 ms where the
file loops. 8800 whole cycles, so the loop would not click either."""

HEARD_SECONDS = 1.0
LISTEN_SECONDS = 0.1
"""The stretches we listen in until the page's tone arrives."""
QUIET = 0.01
"""The most a tone that must not be heard may reach (-52 dBFS; ours is -12)."""

TOLERANCE_HZ = 30.0
IN_A_ROW = 5
"""Consecutive page reports (200 ms apart) that must find our tone dominant."""
TONE_RMS_DBFS = 20 * np.log10(AMPLITUDE / np.sqrt(2))
"""A sine of :data:`AMPLITUDE`: -15 dBFS RMS."""
LEVEL_TOLERANCE_DB = 3.0

WAIT = 30.0


@dataclass(frozen=True)
class Case:
    ours: str
    page: str
    ending: str
    """The page's order: "leave" only sends leave_call; "hangup" first sends a
    hangup to each peer and closes its connections, then leaves."""


CASES = [
    pytest.param(Case("ann", "zed", "leave"), id="we-offer-page-leaves"),
    pytest.param(Case("zed", "ann", "hangup"), id="page-offers-page-hangs-up"),
]


class Caller:
    """Our client in the call: a 1 kHz microphone, a speaker we can record."""

    def __init__(self, client: Client) -> None:
        self.connections = Connections()
        self.recorder = Recorder()
        devices = virtual_devices(Tone(OUR_TONE, AMPLITUDE), self.recorder)
        # WebRTC's noise suppression takes a steady tone for noise (ours arrived
        # 6.5 dB down); this test is about the wire, not about that processing.
        self.engine = MediaEngine(
            audio=devices, tell=self.connections.tell, echo_cancellation=False
        )
        self.engine.start()
        self.follower = CallFollower(client, self.engine)

    async def record(self, seconds: float) -> Samples:
        """What our speaker plays over the next ``seconds``."""
        return await asyncio.to_thread(self.recorder.record, seconds, WAIT)

    async def until_hearing(self, frequency: float) -> None:
        """Until a short stretch holds ``frequency`` at half its level or more."""
        async with asyncio.timeout(WAIT):
            while level_at(await self.record(LISTEN_SECONDS), frequency) < AMPLITUDE / 2:
                pass

    async def until(self, condition: Callable[[], bool]) -> None:
        await asyncio.to_thread(self.connections.wait_for, condition, WAIT)

    def changes_of(self, user: str) -> list[PeerState]:
        return [
            event.state
            for event in self.connections.events
            if isinstance(event, PeerChanged) and event.user == user
        ]

    def let_go_of(self, user: str) -> Callable[[], bool]:
        """A condition: our connection to ``user`` is closed and their voice is
        out of the mix (both happen when the call drops them)."""
        return lambda: (
            self.connections.states.get(UserId(user)) is PeerState.CLOSED
            and user not in self.engine.mixer.levels()
        )

    async def close(self) -> None:
        await self.follower.close()
        await asyncio.to_thread(self.engine.stop)


@pytest.fixture(autouse=True)
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


async def meeting(server: EmbeddedServer, case: Case) -> tuple[Client, str, str]:
    """Our client, a conversation of us and the page's account, that account's token."""
    ours = await signed_up(server.url, case.ours)
    theirs = await signed_up(server.url, case.page)
    token = theirs.token
    assert token is not None
    await theirs.close()
    cid = await ours.create_conversation("Interop")
    await ours.execute(cid, AddMember(user_id=UserId(case.page), audio=AudioConnection.VOIP))
    return ours, cid, token


@pytest.mark.parametrize("case", CASES)
async def test_chromium_and_our_engine_hear_each_other(
    server: EmbeddedServer, tmp_path: Path, case: Case
) -> None:
    ours, cid, token = await meeting(server, case)
    microphone = tmp_path / "page-microphone.wav"
    write_tone(microphone, PAGE_TONE, AMPLITUDE, PAGE_TONE_SECONDS)
    query = {"server": server.url, "token": token, "conversation": cid}
    caller = Caller(ours)
    try:
        async with chromium_page(
            "call_page.html", query, microphone=microphone, workdir=tmp_path
        ) as page:
            await page.wait_for(reported("call_state", users=[case.page]), "the page in the call")
            await ours.join_call(cid)
            await caller.until(caller.connections.connected(UserId(case.page)))
            await check_we_hear_the_page(caller)
            await page.wait_for(hears_our_tone(case.ours), "the page hearing our tone")
            await check_route(page, case.ours)
            check_codec(page)
            await check_the_page_goes(caller, page, case)
    finally:
        await caller.close()
        await ours.close()


async def check_we_hear_the_page(caller: Caller) -> None:
    await caller.until_hearing(PAGE_TONE)
    heard = await caller.record(HEARD_SECONDS)
    level = level_at(heard, PAGE_TONE)
    # Opus at 32 kbit/s keeps a pure tone's level within about 1 dB.
    assert 0.8 * AMPLITUDE < level < 1.2 * AMPLITUDE, level
    assert level_at(heard, OUR_TONE) < QUIET, "we hear ourselves"


def hears_our_tone(ours: str) -> Callable[[Sequence[Report]], bool]:
    """The page's last reports of what it hears from us find our tone dominant,
    at its level."""

    def holds(reports: Sequence[Report]) -> bool:
        heard = [r for r in reports if r.kind == "heard" and r["peer"] == ours]
        last = heard[-IN_A_ROW:]
        return len(last) == IN_A_ROW and all(
            abs(r["frequency"] - OUR_TONE) <= TOLERANCE_HZ
            and abs(r["rms_dbfs"] - TONE_RMS_DBFS) <= LEVEL_TOLERANCE_DB
            for r in last
        )

    return holds


def reported(kind: str, **fields: object) -> Callable[[Sequence[Report]], bool]:
    return lambda reports: any(
        r.kind == kind and all(r.fields.get(k) == v for k, v in fields.items()) for r in reports
    )


def check_codec(page: BrowserPage) -> None:
    """Offer and answer put Opus first, at 48 kHz with two channels signalled
    (as RFC 7587 wants, whatever is sent), and both declare in-band FEC, without
    which neither side sends it."""
    descriptions = {r["type"]: r["sdp"] for r in page.of_kind("sdp")}
    for kind in ("offer", "answer"):
        lines = chosen_codec(descriptions[kind])
        assert lines, descriptions[kind]
        assert lines[0].endswith(" opus/48000/2"), (kind, lines)
        assert any(line.startswith("a=fmtp:") and "useinbandfec=1" in line for line in lines)


async def check_route(page: BrowserPage, ours: str) -> None:
    """Every packet stays on loopback: the pair in use is 127.0.0.1 at both ends.
    (Chromium signals no candidate of its own here; it learns its address from
    our answers to its checks, as a peer-reflexive one.)"""
    await page.wait_for(reported("route", peer=ours), "the page's route to us")
    route = page.of_kind("route")[-1]
    assert (route["local"], route["remote"]) == ("127.0.0.1", "127.0.0.1"), route.fields


def chosen_codec(sdp: str) -> list[str]:
    """The rtpmap and fmtp lines of the audio section's first payload type."""
    lines = sdp.splitlines()
    media = next(line for line in lines if line.startswith("m=audio "))
    chosen = media.split()[3]
    return [line for line in lines if line.startswith((f"a=rtpmap:{chosen} ", f"a=fmtp:{chosen} "))]


async def check_the_page_goes(caller: Caller, page: BrowserPage, case: Case) -> None:
    page.order(case.ending)
    await page.wait_for(reported("left"), "the page out of the call")
    await caller.until(caller.let_go_of(case.page))
    after = await caller.record(HEARD_SECONDS / 2)
    assert level_at(after, PAGE_TONE) < QUIET, "the page is still heard"
    # When the browser's DTLS close arrives before the server's call state, the
    # connection ended unasked (told as failed) before the call let go of it.
    changes = caller.changes_of(case.page)
    assert changes[:2] == [PeerState.CONNECTING, PeerState.CONNECTED], changes
    assert changes[2:] in ([PeerState.CLOSED], [PeerState.FAILED, PeerState.CLOSED]), changes
    assert caller.follower.current is not None, "we left our own call"

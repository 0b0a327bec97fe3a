"""A real browser in a test: headless Chromium opens a page we serve on 127.0.0.1.

The page reports what happens to it as JSON POSTs to ``/report`` and fetches
orders from ``/order`` (a long poll), so a test needs neither a WebDriver nor the
DevTools protocol. :func:`chromium_page` starts the little host, launches
Chromium on the page and, whatever happens, kills Chromium's process group and
stops the host.

Every packet stays on 127.0.0.1: Chromium is told to resolve no host name, to
fetch nothing by itself and to signal no address of the machine for WebRTC; its
microphone is a WAV file, looped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import tempfile
import wave
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from aiohttp import web

CHROMIUM = "/usr/bin/chromium"
PAGES = Path(__file__).parent / "media" / "browser"

ORDER_POLL_SECONDS = 5.0
"""How long the host holds a page's ``/order`` request open when it has none."""

STOP_SECONDS = 5.0
"""How long Chromium gets to quit on SIGTERM before its process group is killed."""

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork


def chromium_flags(profile: Path, microphone: Path) -> list[str]:
    """A headless Chromium that talks to 127.0.0.1 only, with a file as microphone."""
    return [
        "--headless=new",
        "--no-sandbox",  # tests run as root
        f"--user-data-dir={profile}",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}",
        # Together: Chromium signals no candidate at all (no LAN address, no .local
        # name); it reaches the other side's 127.0.0.1 candidate and learns its own
        # address from the checks, as a peer-reflexive one. The other side must
        # therefore offer a loopback candidate (two such browsers never connect).
        "--webrtc-ip-handling-policy=default_public_interface_only",
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
        # Without it Chromium looks up hosts of its own even when told not to.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
    ]


def write_tone(path: Path, frequency: float, amplitude: float, seconds: float) -> None:
    """A mono 16-bit 48 kHz WAV of one sine. Choose ``seconds`` so that it holds
    whole cycles: Chromium loops the file, and then the loop has no click."""
    rate = 48000
    t = np.arange(int(seconds * rate)) / rate
    samples = np.round(amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


@dataclass(frozen=True)
class Report:
    """One thing the page told us: its ``kind`` and the rest of its fields."""

    kind: str
    fields: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


Condition = Callable[[Sequence[Report]], bool]


@dataclass
class _Host:
    """What the page's host keeps: the reports in arrival order, pending orders."""

    reports: list[Report] = field(default_factory=list)
    orders: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_report(self, request: web.Request) -> web.Response:
        body = await request.json()
        kind = str(body.pop("kind"))
        self.reports.append(Report(kind, body))
        self.changed.set()
        return web.Response(status=204)

    async def on_order(self, request: web.Request) -> web.Response:
        getting = asyncio.ensure_future(self.orders.get())
        closing = asyncio.ensure_future(self.closing.wait())
        await asyncio.wait(
            (getting, closing), timeout=ORDER_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        for task in (getting, closing):
            task.cancel()
        if getting.done() and not getting.cancelled():
            return web.json_response({"order": getting.result()})
        return web.Response(status=410 if self.closing.is_set() else 204)


class BrowserPage:
    """A page open in Chromium: what it reported, and a way to give it orders."""

    def __init__(self, host: _Host, process: asyncio.subprocess.Process, log: Path) -> None:
        self._host = host
        self._process = process
        self._log = log

    @property
    def reports(self) -> list[Report]:
        return list(self._host.reports)

    def of_kind(self, kind: str) -> list[Report]:
        return [report for report in self._host.reports if report.kind == kind]

    def order(self, order: str) -> None:
        self._host.orders.put_nowait(order)

    async def wait_for(self, condition: Condition, what: str, timeout: float = 20.0) -> None:
        """Until ``condition`` holds for the reports so far; fails with the story
        so far when it times out or Chromium exits."""
        try:
            async with asyncio.timeout(timeout):
                while not condition(self._host.reports):
                    if self._process.returncode is not None:
                        raise AssertionError(f"Chromium exited while waiting for {what}")
                    self._host.changed.clear()
                    await self._woken()
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}\n{self.story()}") from None

    async def _woken(self) -> None:
        """After the next report, or when Chromium exits."""
        changed = asyncio.ensure_future(self._host.changed.wait())
        exited = asyncio.ensure_future(self._process.wait())
        try:
            await asyncio.wait((changed, exited), return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            exited.cancel()

    def story(self, last: int = 30) -> str:
        """The page's ``last`` reports (SDP left out) and the end of Chromium's log."""
        told = [report for report in self._host.reports if report.kind != "sdp"]
        lines = [f"  {report.kind} {dict(report.fields)}" for report in told[-last:]]
        tail = self._log.read_text(errors="replace").splitlines()[-20:]
        heading = f"page reports (the last {len(lines)} of {len(told)}):"
        return "\n".join([heading, *lines, "chromium log:", *tail])


@asynccontextmanager
async def chromium_page(
    page: str, query: Mapping[str, str], *, microphone: Path, workdir: Path
) -> AsyncIterator[BrowserPage]:
    """Serve :data:`PAGES` on 127.0.0.1 and open ``page`` with ``query`` in Chromium.

    ``workdir`` receives Chromium's profile and log.
    """
    host = _Host()
    app = web.Application()
    app.router.add_post("/report", host.on_report)
    app.router.add_get("/order", host.on_order)
    app.router.add_static("/", PAGES)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/{page}?{urlencode(query)}"
        async with _chromium(url, microphone, workdir) as (process, log):
            yield BrowserPage(host, process, log)
    finally:
        host.closing.set()
        await runner.cleanup()


@asynccontextmanager
async def _chromium(
    url: str, microphone: Path, workdir: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, Path]]:
    profile = workdir / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    log = workdir / "chromium.log"
    # Chromium's single-instance socket goes into the temporary directory: a short
    # one of its own (a socket's path is limited to 107 bytes), removed afterwards.
    with log.open("wb") as output, tempfile.TemporaryDirectory(prefix="rc-") as temporary:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *chromium_flags(profile, microphone),
            url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,  # its own process group, which we end as a whole
            preexec_fn=_die_with_us,
            env=_private_home(workdir, Path(temporary)),
        )
        try:
            yield process, log
        finally:
            await _stop(process)


def _die_with_us() -> None:
    """In the child, before Chromium starts: the kernel kills it when the test's
    process dies, even by SIGKILL, when no ``finally`` runs."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _private_home(workdir: Path, temporary: Path) -> dict[str, str]:
    """Our environment with a home and a temporary directory of Chromium's own: its
    crash handler's database and anything else it keeps outside the profile stay in
    ``workdir``, its single-instance lock in ``temporary``. (The crash handler
    leaves the process group; it ends by itself when the browser does.)"""
    home = workdir / "home"
    return {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(temporary),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to Chromium's process group, SIGKILL if it lingers, then reap it.
    Chromium's helper processes are in the same group; the group is ours alone."""
    group = process.pid  # the leader of the session it was started in
    _signal_group(group, signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_SECONDS):
            await process.wait()
    except TimeoutError:
        pass
    # Helpers that outlive the browser still hold the group's id, so it is still
    # ours; with none left it finds nobody (the kernel does not reuse a pid soon).
    _signal_group(group, signal.SIGKILL)
    await process.wait()


def _signal_group(group: int, sent: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sent)

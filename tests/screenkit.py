"""A real virtual screen, session bus and notification server for tests.

Native notifications cannot be checked offscreen: they go over D-Bus to a
notification server that draws popups on an X display. These helpers start the
real thing as child processes of the test — Xvfb, a private D-Bus session bus
and dunst — and drive dunst the way a user would: count its popups, click a
popup's body, press one of its buttons by label. Every process is stopped again
by its PID when its context ends.

The programs come from Debian packages that ``scripts/dev.sh test`` installs;
a missing one fails the test with the package to install, never skips it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from programs import require

START_TIMEOUT = 10.0
"""Seconds a program may take to come up."""

STOP_TIMEOUT = 5.0
"""Seconds a program may take to exit after SIGTERM before it is killed."""

_NOTIFICATIONS = "org.freedesktop.Notifications"

# No <servicedir>: a stock session bus would auto-start the system's own
# notification server, on the wrong display, the moment anyone asks for one.
_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={directory}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# Popups stay until the test acts on them, and identical notifications are not
# merged (dunst would fire only the newest one's callbacks).
_DUNSTRC = """\
[global]
    dmenu = {picker}
    stack_duplicates = false
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""

# dunst's context menu lists one line per action, "#<label> (<summary>) [<id>,<key>]",
# and runs the line its dmenu program prints. This one prints the line of the
# button whose label press_button() wrote to ./choice, and leaves ./picked
# behind (empty when there was no such button) so the test knows it ran.
_PICKER = """\
#!/bin/sh
here={directory}
label=$(cat "$here/choice")
menu=$(cat)
printf '%s\\n' "$menu" > "$here/menu"
printf '%s\\n' "$menu" | grep -m 1 -F -e "#$label (" > "$here/picked.part"
cat "$here/picked.part"
mv "$here/picked.part" "$here/picked"
"""


@dataclass(frozen=True)
class Session:
    """Where a test's desktop session lives: an X display and a D-Bus session bus."""

    display: str
    bus_address: str
    workdir: Path
    """Where the session's programs keep their configuration, sockets and logs."""

    def environment(self) -> dict[str, str]:
        """``os.environ`` pointed at this session (and away from any Wayland one)."""
        env = {key: value for key, value in os.environ.items() if key != "WAYLAND_DISPLAY"}
        env["DISPLAY"] = self.display
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        return env


@contextmanager
def virtual_screen(workdir: Path, size: str = "1280x800x24") -> Iterator[str]:
    """Run Xvfb on the first free display; yields the display name (":N")."""
    require("Xvfb")
    read_end, write_end = os.pipe()
    try:
        with (workdir / "xvfb.log").open("wb") as log:
            process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", size],
                pass_fds=(write_end,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    try:
        # Xvfb writes the number and the newline separately: read up to the newline.
        number = _read_line(read_end, process, "Xvfb", workdir / "xvfb.log")
        yield f":{number}"
    finally:
        os.close(read_end)
        stop(process)


@contextmanager
def session_bus(workdir: Path) -> Iterator[str]:
    """Run a private D-Bus session bus with no services to start; yields its address."""
    require("dbus-daemon")
    config = workdir / "bus.conf"
    config.write_text(_BUS_CONFIG.format(directory=escape(str(workdir))), encoding="utf-8")
    with (workdir / "bus.log").open("wb") as log:
        process = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    assert process.stdout is not None
    try:
        yield _read_line(process.stdout.fileno(), process, "dbus-daemon", workdir / "bus.log")
    finally:
        process.stdout.close()
        stop(process)


class NotificationServer:
    """dunst serving one session, clicked and pressed as a user would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._workdir = session.workdir

    def displayed_count(self) -> int:
        """How many popups are on screen."""
        return int(self._dunstctl("count", "displayed"))

    def click_body(self) -> None:
        """Click the body of the newest popup (its default action)."""
        self._dunstctl("action", "0")

    def press_button(self, label: str) -> None:
        """Press the button ``label`` of a popup on screen, through dunst's context menu."""
        picked = self._workdir / "picked"
        picked.unlink(missing_ok=True)
        (self._workdir / "choice").write_text(label, encoding="utf-8")
        self._dunstctl("context")
        wait_for(picked.exists, "dunst's context menu")
        if not picked.read_text(encoding="utf-8").strip():
            raise AssertionError(
                f"no button {label!r} on screen; dunst's menu was:\n{self.last_menu()}"
            )

    def closed_summaries(self) -> list[str]:
        """The summaries of popups taken off screen, newest first (dunst's history)."""
        history = json.loads(self._dunstctl("history"))
        return [entry["summary"]["data"] for entry in history["data"][0]]

    def last_menu(self) -> str:
        """The lines of dunst's context menu the last ``press_button`` saw."""
        return (self._workdir / "menu").read_text(encoding="utf-8")

    def _dunstctl(self, *arguments: str) -> str:
        result = subprocess.run(
            ["dunstctl", *arguments],
            env=self.session.environment(),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"dunstctl {' '.join(arguments)} failed: {result.stderr}")
        return result.stdout.strip()


@contextmanager
def dunst(session: Session) -> Iterator[NotificationServer]:
    """Run dunst on ``session``; yields it once it serves notifications."""
    require("dunst", "dunstctl", "dbus-send")
    workdir = session.workdir
    picker = workdir / "picker"
    picker.write_text(_PICKER.format(directory=_shell_quoted(workdir)), encoding="utf-8")
    picker.chmod(0o700)
    config = workdir / "dunstrc"
    config.write_text(_DUNSTRC.format(picker=picker), encoding="utf-8")
    log_path = workdir / "dunst.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["dunst", "-config", str(config)],
            env=session.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        wait_for(lambda: _owns_notifications(session), "dunst to serve", process, log_path)
        yield NotificationServer(session)
    finally:
        stop(process)


@contextmanager
def desktop_session() -> Iterator[Session]:
    """A virtual screen and a private session bus, with no notification server yet."""
    require("Xvfb", "dbus-daemon")
    with ExitStack() as stack:
        # Short on purpose: it holds the bus socket, and socket paths are limited
        # to about 100 characters.
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roomcast-")))
        yield Session(
            display=stack.enter_context(virtual_screen(workdir)),
            bus_address=stack.enter_context(session_bus(workdir)),
            workdir=workdir,
        )


@contextmanager
def notification_desktop() -> Iterator[NotificationServer]:
    """Xvfb, a private session bus and dunst serving both; yields the running dunst."""
    require("Xvfb", "dbus-daemon", "dbus-send", "dunst", "dunstctl")
    with desktop_session() as session, dunst(session) as server:
        yield server


def stop(process: subprocess.Popen[bytes]) -> None:
    """End ``process`` (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(
    condition: Callable[[], bool],
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Wait until ``condition`` holds, failing early if ``process`` exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"gave up waiting for {what}: it exited{_tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}{_tail(log)}")
        time.sleep(0.01)


def _owns_notifications(session: Session) -> bool:
    result = subprocess.run(
        [
            "dbus-send",
            f"--bus={session.bus_address}",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            f"string:{_NOTIFICATIONS}",
        ],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    return result.stdout.split() == ["boolean", "true"]


def _read_line(fd: int, process: subprocess.Popen[bytes], name: str, log: Path) -> str:
    """Read one line a starting program writes to ``fd``, however it is split."""
    data = b""
    deadline = time.monotonic() + START_TIMEOUT
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            stop(process)
            raise AssertionError(f"{name} did not start in time{_tail(log)}")
        chunk = os.read(fd, 256)
        if not chunk:
            stop(process)
            raise AssertionError(f"{name} exited on start{_tail(log)}")
        data += chunk
    return data.decode().strip()


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return ":\n" + log.read_text(encoding="utf-8", errors="replace")[-2000:]


def _shell_quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"

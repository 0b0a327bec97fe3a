"""Starting and stopping the demo's attendees from the app.

:class:`DemoAttendees` runs ``python -m desktop.demo`` as a child process it
owns: it hands over the order (token included) on the child's stdin, waits for
the ready line, keeps the child's log lines flowing (the last ones explain a
failed start), and on :meth:`DemoAttendees.stop` closes stdin — the child's
signal to disconnect everyone and exit — then terminates and finally kills a
child that does not go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque

from .order import Behaviour, Order, order_line, read_ready

LOGGER = logging.getLogger("roomcast.demo")

READY_WAIT = 120.0
"""Seconds the child may take to sign up and add everyone (argon2 hashes included)."""
STOP_WAIT = 10.0
"""Seconds the child gets to leave before it is terminated, and again before it is killed."""
TAIL_LINES = 12


class DemoFailed(Exception):
    """The attendees could not be started; the message says why, with the end
    of the child's log."""


class DemoAttendees:
    """The demo's simulated attendees, running in a child process."""

    def __init__(
        self,
        *,
        behaviour: Behaviour | None = None,
        seed: int = 0,
        ready_wait: float = READY_WAIT,
        stop_wait: float = STOP_WAIT,
    ) -> None:
        self._behaviour = behaviour or Behaviour()
        self._seed = seed
        self._ready_wait = ready_wait
        self._stop_wait = stop_wait
        self._process: asyncio.subprocess.Process | None = None
        self._reading: asyncio.Task[None] | None = None
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self, url: str, token: str, conversation_id: str, count: int = 40) -> int:
        """Start ``count`` attendees in ``conversation_id``; the number that joined.

        Raises :class:`DemoFailed` if the child exits or is not ready in time.
        """
        if self._process is not None:
            raise RuntimeError("The demo attendees are already running.")
        order = Order(
            url=url,
            token=token,
            conversation_id=conversation_id,
            count=count,
            seed=self._seed,
            behaviour=self._behaviour,
        )
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "desktop.demo",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            raise DemoFailed(f"The demo attendees could not be started: {error}.") from error
        self._tail.clear()
        assert self._process.stderr is not None
        self._reading = asyncio.create_task(self._read_log(self._process.stderr))
        try:
            attendees = await self._until_ready(order_line(order))
        except TimeoutError:
            await self._end()
            raise DemoFailed(
                self._explained(f"The demo attendees were not ready within {self._ready_wait:g} s.")
            ) from None
        except BaseException:
            await self._end()
            raise
        if attendees is None:
            status = await self._end()
            raise DemoFailed(self._explained(f"The demo attendees exited early (status {status})."))
        return attendees

    async def stop(self) -> int | None:
        """Let the attendees leave and the child exit; its exit status (``None``
        when nothing was running)."""
        if self._process is None:
            return None
        return await self._end()

    async def _until_ready(self, line: bytes) -> int | None:
        """Hand the order over and read up to the ready line; how many attendees
        joined, or ``None`` if the child closed its output (it exited)."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        with contextlib.suppress(ConnectionError):  # it died already: its output says why
            process.stdin.write(line)
            await process.stdin.drain()
        async with asyncio.timeout(self._ready_wait):
            while raw := await process.stdout.readline():
                if (ready := read_ready(raw)) is not None:
                    return ready.attendees
                LOGGER.debug("demo output ignored: %r", raw[:200])
        return None

    async def _end(self) -> int:
        """Close stdin, give the child time to leave, then terminate it, then kill it."""
        process = self._process
        assert process is not None
        self._process = None
        try:
            await _close_input(process)
            status = await _exited(process, self._stop_wait)
            if status is None:
                LOGGER.warning("demo attendees did not leave; terminating them")
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
                status = await _exited(process, self._stop_wait)
            if status is None:
                LOGGER.warning("demo attendees did not stop; killing them")
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                status = await process.wait()
            return status
        finally:
            if process.returncode is None:  # cancelled while waiting: leave nothing behind
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await self._finish_reading()

    async def _read_log(self, stderr: asyncio.StreamReader) -> None:
        """Keep the child's log flowing (a full pipe would stall it) and its tail."""
        while True:
            try:
                line = await stderr.readline()
            except ValueError:  # a line past the reader's limit: dropped, reading goes on
                continue
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            self._tail.append(text)
            LOGGER.log(_level_of(text), "%s", text)

    async def _finish_reading(self) -> None:
        """Wait for the child's log to end (it ends when the child has exited)."""
        if self._reading is not None:
            reading, self._reading = self._reading, None
            await reading

    def _explained(self, sentence: str) -> str:
        tail = "\n".join(self._tail)
        return f"{sentence}\n{tail}" if tail else sentence


async def _close_input(process: asyncio.subprocess.Process) -> None:
    if process.stdin is not None and not process.stdin.is_closing():
        process.stdin.close()
        with contextlib.suppress(ConnectionError):
            await process.stdin.wait_closed()


async def _exited(process: asyncio.subprocess.Process, patience: float) -> int | None:
    """The exit status once the process has exited, or ``None`` after ``patience`` s."""
    try:
        async with asyncio.timeout(patience):
            return await process.wait()
    except TimeoutError:
        return None


def _level_of(line: str) -> int:
    """The level a child's ``key=value`` line was logged at: its errors stay
    errors here, its routine lines become debug lines."""
    if " level=error " in line:
        return logging.ERROR
    if " level=warning " in line:
        return logging.WARNING
    return logging.DEBUG

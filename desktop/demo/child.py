"""The demo process: read the order, gather the crowd, say ready, run until told.

It stops when its stdin reaches end of file (the app closed it, or the app is
gone and the pipe with it) or on SIGTERM/SIGINT; then it disconnects every
attendee and exits 0. It exits 1 when the demo cannot be set up and 2 when the
order is not valid, saying why on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading

from desktop.media.ice import is_local, loopback_only

from .crowd import DemoError, gathered
from .logs import configure, failed, log
from .order import Order, OrderRefused, read_order, ready_line

STDIN = 0
MAX_ORDER_BYTES = 64 * 1024


def main() -> int:
    configure()
    try:
        order = read_order(read_first_line(STDIN))
    except OrderRefused as error:
        log("order_refused", reason=str(error))
        return 2
    # The demo runs beside an embedded server: every call stays on this machine.
    with loopback_only() if is_local(order.url) else contextlib.nullcontext():
        return asyncio.run(serve(order))


def read_first_line(fd: int) -> bytes:
    """The first line on ``fd``, read without Python's buffered stdin: a thread
    keeps reading the same descriptor afterwards."""
    data = b""
    while b"\n" not in data and len(data) <= MAX_ORDER_BYTES:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


async def serve(order: Order) -> int:
    """Attend until told to stop; the exit status."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    _stop_at_end_of_input(stop)
    attending = asyncio.create_task(_attend(order), name="demo-attend")
    stopping = asyncio.create_task(stop.wait(), name="demo-stop")
    await asyncio.wait({attending, stopping}, return_when=asyncio.FIRST_COMPLETED)
    attending.cancel()
    stopping.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await stopping
    try:
        await attending
    except asyncio.CancelledError:
        log("demo_stopped")
        return 0
    except DemoError as error:
        log("demo_failed", reason=error.message)
    except Exception:
        failed("demo_failed")
    return 1


async def _attend(order: Order) -> None:
    """Gather the crowd, announce it, and keep it acting until cancelled."""
    async with gathered(order) as attendees:
        sys.stdout.buffer.write(ready_line(len(attendees)))
        sys.stdout.buffer.flush()
        log("demo_ready", conversation=order.conversation_id, attendees=len(attendees))
        await asyncio.get_running_loop().create_future()


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Windows has no loop signal handlers; there terminate() ends the process outright.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)


def _stop_at_end_of_input(stop: asyncio.Event) -> None:
    """Set ``stop`` once stdin reaches end of file.

    A blocking read cannot be interrupted portably, so it runs on a daemon
    thread that nobody joins: it ends with the process. It reads the raw
    descriptor, holding no lock that the interpreter's shutdown would wait for.
    """
    loop = asyncio.get_running_loop()

    def wait_for_end() -> None:
        with contextlib.suppress(OSError):
            while os.read(STDIN, 4096):
                pass
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_end, name="demo-stdin", daemon=True).start()

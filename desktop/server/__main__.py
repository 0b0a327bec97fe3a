"""``roomcast-server``: run the conversation server until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

import platformdirs

from .app import EmbeddedServer
from .logs import configure
from .settings import Settings


def parse(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="roomcast-server", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(platformdirs.user_data_dir("roomcast-server", "Roomcast")),
        help="where the database lives (default: %(default)s)",
    )
    arguments = parser.parse_args(argv)
    return Settings(data_dir=arguments.data_dir, host=arguments.host, port=arguments.port)


async def serve(settings: Settings) -> None:
    server = EmbeddedServer(settings)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    configure()
    asyncio.run(serve(parse(argv)))


if __name__ == "__main__":
    main()

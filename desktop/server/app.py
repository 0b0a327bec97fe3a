"""The server as an aiohttp application, and a handle to run it in-process.

``create_app`` builds the application: ``/ws`` for clients, ``/health`` and
``/ready`` for supervisors. ``EmbeddedServer`` runs it on the caller's event
loop — the desktop app does that when no server is configured, tests do it to
get a real server on 127.0.0.1.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator

from aiohttp import web

from desktop.protocol import MAX_FRAME_BYTES, CloseCode

from .accounts import Accounts
from .bus import LocalBus
from .connection import Connection
from .fanout import CHANNEL, Fanout
from .hub import Hub
from .logs import log
from .settings import Settings
from .sqlite_store import SqliteStore


class Services:
    """What the handlers share; created when the application starts."""

    def __init__(self, store: SqliteStore, bus: LocalBus, hub: Hub, accounts: Accounts) -> None:
        self.store = store
        self.bus = bus
        self.hub = hub
        self.accounts = accounts
        self.fanout = Fanout()
        self.sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()


SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)


def create_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app.add_routes(
        [
            web.get("/ws", websocket),
            web.get("/health", health),
            web.get("/ready", ready),
        ]
    )
    app.cleanup_ctx.append(services)
    app.on_shutdown.append(close_sockets)
    return app


async def services(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = await SqliteStore.open(settings.database)
    bus = LocalBus()
    hub = Hub(store, bus, settings.clock)
    shared = Services(store, bus, hub, Accounts(store, settings.hasher, settings.clock))
    unsubscribe = await bus.subscribe(CHANNEL, shared.fanout.receive)
    await hub.start()
    app[SERVICES] = shared
    log("server_started", data=settings.data_dir)
    yield
    await hub.stop()
    unsubscribe()
    await bus.close()
    await store.close()
    log("server_stopped")


async def close_sockets(app: web.Application) -> None:
    for socket in tuple(app[SERVICES].sockets):
        await socket.close(code=CloseCode.GOING_AWAY, message=b"server shutting down")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def ready(request: web.Request) -> web.Response:
    if SERVICES not in request.app:
        return web.Response(status=503, text="starting")
    return web.Response(text="ready")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    settings = request.app[SETTINGS]
    shared = request.app[SERVICES]
    # aiohttp refuses a message of exactly max_msg_size bytes; 64 KiB itself is allowed.
    socket = web.WebSocketResponse(heartbeat=settings.heartbeat, max_msg_size=MAX_FRAME_BYTES + 1)
    await socket.prepare(request)
    shared.sockets.add(socket)
    connection = Connection(socket, request, shared.hub, shared.accounts, shared.fanout, settings)
    log("connected", connection=connection.id, peer=request.remote)
    try:
        await connection.run()
    finally:
        log("disconnected", connection=connection.id, code=socket.close_code)
    return socket


class EmbeddedServer:
    """The server on the running event loop, listening on ``host:port``
    (port 0 picks a free one; ``port`` tells which after ``start``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        self.port = settings.port

    @property
    def url(self) -> str:
        return f"ws://{self.settings.host}:{self.port}/ws"

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log("listening", host=self.settings.host, port=self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()

"""Native desktop notifications, with a "Join" action for room assignments.

desktop-notifier talks to the platform's notification service (D-Bus on Linux,
toasts on Windows, the notification centre on macOS) and calls our callbacks on
the asyncio loop, which under qasync is the Qt main thread.

A missing notification service is an ordinary situation (a bare window manager,
a remote session, a CI machine), not an error. Before each notification the
service is asked for its capabilities; when nobody answers, the methods return
False quickly and the app shows its in-app banner instead. Nothing here raises
or logs at WARNING or above for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from desktop_notifier import Button, Capability, DesktopNotifier, Icon, Notification
from PySide6.QtCore import QCoreApplication

from desktop.ui.resources import ICONS

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 2.0
"""Seconds to wait for a notification service to answer before doing without."""

APP_ICON = ICONS / "roomcast.svg"

_JOINABLE = frozenset({Capability.ON_CLICKED, Capability.BUTTONS})

_LIBRARY_LOGGERS = (
    "desktop_notifier.main",
    "desktop_notifier.backends.base",
    "desktop_notifier.backends.dbus",
    "desktop_notifier.backends.winrt",
    "desktop_notifier.backends.macos",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Notifier", text)


class Notifier:
    """Shows native notifications and says whether the platform took them.

    One instance lives as long as the app; ``close()`` withdraws what is still
    on screen (its callbacks die with the app) and drops the connection.
    """

    def __init__(self, app_name: str = "Roomcast", icon: Path | None = APP_ICON) -> None:
        self._app_name = app_name
        self._icon = Icon(path=icon) if icon is not None and icon.is_file() else None
        self._notifier: DesktopNotifier | None = None
        self._assignment: str | None = None
        self._assigning = asyncio.Lock()
        """Held while the assignment notification is sent or withdrawn."""

    async def assigned(self, room_name: str, on_join: Callable[[], None]) -> bool:
        """Tell the user they were assigned to ``room_name``, with a "Join" button.

        Both the button and a click on the notification call ``on_join``. A newer
        assignment replaces an older one still on screen. Returns True only when
        the notification is shown with a way to join; on False the app must offer
        joining itself.
        """
        async with self._assigning:
            await self._withdraw()
            capabilities = await self._capabilities()
            if not capabilities & _JOINABLE:
                return False
            self._assignment = await self._send(
                _tr("You have been assigned to {room}").format(room=room_name),
                _tr("Join the room when you are ready."),
                on_click=on_join,
                buttons=(Button(_tr("Join"), on_pressed=on_join),),
            )
            return self._assignment is not None

    async def withdraw_assignment(self) -> None:
        """Take the assignment notification off screen, e.g. once the user joined.

        An assignment still being sent is waited for, so it is taken away too.
        """
        async with self._assigning:
            await self._withdraw()

    async def _withdraw(self) -> None:
        identifier, self._assignment = self._assignment, None
        if identifier is not None:
            await self._clear(identifier)

    async def notify(
        self, title: str, body: str, on_click: Callable[[], None] | None = None
    ) -> bool:
        """Show ``title`` and ``body``; ``on_click`` runs when the user clicks it.

        Returns whether a notification service took it.
        """
        if not await self._capabilities():
            return False
        return await self._send(title, body, on_click) is not None

    async def close(self) -> None:
        """Withdraw our notifications and disconnect from the service."""
        self._assignment = None
        if self._notifier is not None:
            with _quiet_library(), contextlib.suppress(Exception):
                # Best effort on the way out: the service may already be gone.
                async with asyncio.timeout(PROBE_TIMEOUT):
                    await self._notifier.clear_all()
        await self._disconnect()

    async def _capabilities(self) -> frozenset[Capability]:
        """What the notification service can do; empty when there is none."""
        try:
            with _quiet_library():
                if self._notifier is None:
                    self._notifier = DesktopNotifier(self._app_name, self._icon)
                async with asyncio.timeout(PROBE_TIMEOUT):
                    return await self._notifier.get_capabilities()
        except Exception as error:  # Whatever stops us reaching a service means "no service".
            logger.info("No notification service: %s", error or type(error).__name__)
            await self._disconnect()
            return frozenset()

    async def _send(
        self,
        title: str,
        body: str,
        on_click: Callable[[], None] | None,
        buttons: tuple[Button, ...] = (),
    ) -> str | None:
        """Send a notification; its identifier if the service accepted it.

        desktop-notifier logs a failed send and carries on, so acceptance is
        read from its ``on_dispatched`` callback, which runs only on success.
        """
        assert self._notifier is not None, "probe the service before sending"
        accepted = False

        def on_dispatched() -> None:
            nonlocal accepted
            accepted = True

        notification = Notification(
            title, body, buttons=buttons, on_clicked=on_click, on_dispatched=on_dispatched
        )
        with _quiet_library(), contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self._notifier.send_notification(notification)
        if accepted:
            return notification.identifier
        logger.info("The notification service did not take %r", title)
        await self._disconnect()
        return None

    async def _clear(self, identifier: str) -> None:
        notifier = self._notifier
        if notifier is None:
            return
        with _quiet_library(), contextlib.suppress(Exception):
            # Already gone (clicked, dismissed, or the service left): nothing to do.
            if identifier in await notifier.get_current_notifications():
                await notifier.clear(identifier)

    async def _disconnect(self) -> None:
        """Forget the notifier and close its D-Bus connection, if it opened one.

        desktop-notifier has no close of its own and leaves the connection of
        its Linux backend (``bus``) open; the next notification starts afresh.
        """
        notifier, self._notifier = self._notifier, None
        if notifier is None:
            return
        # Private, but the only way to close it; absent on other platforms.
        bus: Any = getattr(notifier._backend, "bus", None)
        if bus is None or not bus.connected:
            return
        bus.disconnect()
        with contextlib.suppress(Exception):
            await bus.wait_for_disconnect()


class _Demoted(logging.Filter):
    """Lowers desktop-notifier's warnings to debug records.

    It warns on every failed send; for us a failed send is an answer (False and
    the in-app banner), not a problem worth a warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)
        return True


@contextlib.contextmanager
def _quiet_library() -> Iterator[None]:
    demoted = _Demoted()
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    for library_logger in loggers:
        library_logger.addFilter(demoted)
    try:
        yield
    finally:
        for library_logger in loggers:
            library_logger.removeFilter(demoted)

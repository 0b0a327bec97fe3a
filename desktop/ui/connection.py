"""Signing in to another server: the token lives in the OS keyring only.

A saved token is tried first; otherwise "Connect to server…" asks for the URL,
username and password, keeps the dialog (and what was typed) open on errors
with a Retry, and stores the new token in the keyring. Where no keyring exists
the token is kept for this run only, never written to a plain file.
"""

from __future__ import annotations

import asyncio
import logging

import keyring
from keyring.errors import KeyringError

from desktop.client import Client, ClientError, ServerError

from .dialogs.connect_dialog import ConnectDialog

KEYRING_SERVICE = "Roomcast"
LOGGER = logging.getLogger("roomcast.app")


def saved_token(url: str) -> str | None:
    try:
        return keyring.get_password(KEYRING_SERVICE, url)
    except KeyringError:
        return None


def save_token(url: str, token: str) -> bool:
    """Keep ``token`` in the keyring; ``False`` if there is no keyring to keep it in."""
    try:
        keyring.set_password(KEYRING_SERVICE, url, token)
    except KeyringError:
        LOGGER.info("event=no_keyring detail=token kept for this run only")
        return False
    return True


async def connect_saved(url: str) -> Client | None:
    """A client signed in with the keyring's token for ``url``, if it still works."""
    token = saved_token(url)
    if token is None:
        return None
    client = Client(url, token=token, name="roomcast")
    try:
        account = await client.connect()
    except ClientError:
        await client.close()
        return None
    if account is None:
        await client.close()
        return None
    return client


async def ask_and_connect(url: str = "") -> Client | None:
    """Ask for a server and credentials until signed in or cancelled; errors keep
    the dialog open with what was typed and offer a retry."""
    dialog = ConnectDialog(url=url)
    attempts: asyncio.Queue[tuple[str, str, str] | None] = asyncio.Queue()
    dialog.connect_requested.connect(lambda *attempt: attempts.put_nowait(attempt))
    dialog.rejected.connect(lambda: attempts.put_nowait(None))
    dialog.open()
    try:
        while (attempt := await attempts.get()) is not None:
            address, username, password = attempt
            client = Client(address, name="roomcast")
            try:
                await client.connect()
                await client.log_in(username, password)
            except ServerError as error:
                await client.close()
                dialog.show_error(error.code, error.message)
                continue
            except ClientError as error:
                await client.close()
                dialog.show_error("unreachable", str(error))
                continue
            assert client.token is not None
            save_token(address, client.token)
            dialog.accept()
            return client
        return None
    finally:
        dialog.deleteLater()

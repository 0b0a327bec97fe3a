"""The drag payload for attendees: our own MIME type, a JSON list of user ids.

Every view that lets attendees be dragged (the Smart Distribute panel, the
rooms overview) speaks this type, so a drag from one can land on the other.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from PySide6.QtCore import QByteArray, QMimeData

from desktop.core import UserId

MIME_TYPE = "application/x-roomcast-attendees"

_decoder = msgspec.json.Decoder(list[str])


def attendees_mime(users: Iterable[UserId]) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TYPE, QByteArray(msgspec.json.encode(list(users))))
    return mime


def attendees_in(mime: QMimeData) -> list[UserId] | None:
    """The user ids a drop carries, or ``None`` if it carries none of ours."""
    if not mime.hasFormat(MIME_TYPE):
        return None
    try:
        users = _decoder.decode(mime.data(MIME_TYPE).data())
    except msgspec.DecodeError:
        return None
    return [UserId(user) for user in users] or None

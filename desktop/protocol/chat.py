"""Which chat a log record shows in.

The main room and each breakout room have a chat; broadcasts and the system
messages of a running session show in all of them (the ``"all"`` chat). A
room's history is its own chat merged with ``"all"``.
"""

from __future__ import annotations

from desktop.core import RoomId
from desktop.core.events import BroadcastSent, MessagePosted

from .notices import Body, SystemMessage

MAIN_CHAT = "main"
EVERY_CHAT = "all"


def room_chat(room_id: RoomId) -> str:
    return f"room:{room_id}"


def chats_of(room_id: RoomId | None) -> tuple[str, str]:
    """The chats a room's history is made of: its own and the everywhere chat."""
    return (MAIN_CHAT if room_id is None else room_chat(room_id), EVERY_CHAT)


def chat_of(body: Body) -> str | None:
    """The chat ``body`` shows in, or ``None`` if it is not a chat line."""
    match body:
        case MessagePosted(room_id=None):
            return MAIN_CHAT
        case MessagePosted(room_id=room_id) if room_id is not None:
            return room_chat(room_id)
        case BroadcastSent() | SystemMessage(everywhere=True):
            return EVERY_CHAT
        case SystemMessage(room_id=room_id):
            return MAIN_CHAT if room_id is None else room_chat(room_id)
        case _:
            return None

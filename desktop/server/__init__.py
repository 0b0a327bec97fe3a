"""The conversation server: websocket protocol, accounts, logs, clock, calls.

Run it with ``roomcast-server`` (or ``python -m desktop.server``), or in-process
with :class:`EmbeddedServer`.
"""

from .app import EmbeddedServer, create_app
from .settings import Settings

__all__ = ["EmbeddedServer", "Settings", "create_app"]

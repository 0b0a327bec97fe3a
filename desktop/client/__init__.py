"""The async client SDK: a connection that resumes, and a mirror of the state.

No Qt here: the desktop app adapts the mirror's change callbacks to its models.
"""

from .apply import apply_plan
from .backoff import Backoff
from .client import Client, ConnectionState
from .errors import ClientError, ConnectionFailed, ServerError
from .mirror import Change, ChangeKind, ConversationMirror, Mirror

__all__ = [
    "Backoff",
    "Change",
    "ChangeKind",
    "Client",
    "ClientError",
    "ConnectionFailed",
    "ConnectionState",
    "ConversationMirror",
    "Mirror",
    "ServerError",
    "apply_plan",
]

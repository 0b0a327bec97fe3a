"""The wire protocol: typed messages, their JSON encoding, error and close codes.

``docs/protocol.md`` describes the same protocol for people writing clients.
"""

from .codec import MAX_FRAME_BYTES, decode_client, decode_server, encode, request_id_of
from .errors import CloseCode, ProtocolCode, ProtocolError
from .messages import PROTOCOL_VERSION, ClientMessage, ServerMessage
from .notices import Body, Notice, Record

__all__ = [
    "MAX_FRAME_BYTES",
    "PROTOCOL_VERSION",
    "Body",
    "ClientMessage",
    "CloseCode",
    "Notice",
    "ProtocolCode",
    "ProtocolError",
    "Record",
    "ServerMessage",
    "decode_client",
    "decode_server",
    "encode",
    "request_id_of",
]

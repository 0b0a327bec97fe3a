"""Encoding and decoding messages: JSON text, pure functions."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from .errors import ProtocolCode, ProtocolError
from .messages import ClientMessage, Message, ServerMessage

MAX_FRAME_BYTES = 64 * 1024

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_client_decoder = msgspec.json.Decoder(ClientMessage)
_server_decoder = msgspec.json.Decoder(ServerMessage)


class _RequestIdOnly(msgspec.Struct):
    id: str | None = None


_id_decoder = msgspec.json.Decoder(_RequestIdOnly)

# Text with lone surrogates cannot be encoded; hostile nesting exhausts the stack.
_UNREADABLE = (UnicodeError, RecursionError)


def encode(message: Message) -> bytes:
    return _encoder.encode(message)


def decode_client(data: bytes | str) -> ClientMessage:
    """Read a client's message, or raise :class:`ProtocolError` saying what is wrong."""
    message: ClientMessage = _decode(_client_decoder, data)
    return message


def decode_server(data: bytes | str) -> ServerMessage:
    message: ServerMessage = _decode(_server_decoder, data)
    return message


def request_id_of(data: bytes | str) -> str | None:
    """The ``id`` of a message that could not be decoded, if one can be read."""
    try:
        found = _id_decoder.decode(data).id
    except (msgspec.DecodeError, *_UNREADABLE):
        return None
    return found if found and len(found) <= 64 else None


def _decode(decoder: msgspec.json.Decoder[T], data: bytes | str) -> T:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as error:
        raise ProtocolError(ProtocolCode.MALFORMED, f"The message is not valid: {error}.") from None
    except (msgspec.DecodeError, UnicodeError):
        raise ProtocolError(ProtocolCode.MALFORMED, "The message is not a JSON object.") from None
    except RecursionError:
        raise ProtocolError(ProtocolCode.MALFORMED, "The message is nested too deeply.") from None

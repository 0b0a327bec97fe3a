"""What the SDK raises: refusals by the server and trouble with the connection."""

from __future__ import annotations

from desktop.protocol.messages import Error


class ClientError(Exception):
    """Anything the SDK raises."""


class ServerError(ClientError):
    """The server refused a request. ``code`` is stable (see docs/protocol.md)."""

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def of(cls, error: Error) -> ServerError:
        return cls(error.code, error.message, error.retry_after)

    def __repr__(self) -> str:
        return f"ServerError({self.code!r}, {self.message!r})"


class ConnectionFailed(ClientError):
    """The server could not be reached, or it closed the connection for good."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

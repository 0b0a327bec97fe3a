"""Where the server keeps accounts, tokens, logs and receipts: the ``Store`` interface.

Kept narrow on purpose, so that a PostgreSQL store can implement it later: no
SQL leaks through it, sequence numbers are chosen by the caller (who holds the
conversation's lock), and every write that must be atomic is one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from desktop.core import UserId
from desktop.protocol import Record


class StoredAccount(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UserId
    display_name: str
    password_hash: str
    admin: bool
    created_at: float


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """A log record with who may see it and which chat it belongs to.

    ``audience`` ``None`` means every member; otherwise exactly those accounts.
    ``chat`` is the chat the record shows in (see :mod:`desktop.server.chat`),
    ``None`` for records that are not chat.
    """

    record: Record
    audience: frozenset[UserId] | None = None
    chat: str | None = None


class Receipt(msgspec.Struct, frozen=True):
    """The answer to an idempotent request, kept so a repeat gets it again."""

    user_id: UserId
    request_id: str
    response: bytes


class UsernameTaken(Exception):
    pass


class Store(Protocol):
    async def close(self) -> None: ...

    # Accounts and tokens

    async def create_account(
        self, user_id: UserId, display_name: str, password_hash: str, now: float
    ) -> StoredAccount:
        """Create an account; the first one on a store is admin.

        Raises :class:`UsernameTaken` when ``user_id`` exists.
        """
        ...

    async def account(self, user_id: UserId) -> StoredAccount | None: ...

    async def accounts(self, user_ids: Sequence[UserId]) -> dict[UserId, StoredAccount]: ...

    async def add_token(self, token_hash: str, user_id: UserId, now: float) -> None: ...

    async def token_owner(self, token_hash: str) -> UserId | None: ...

    async def revoke_tokens(self, user_id: UserId, token_hash: str | None) -> None:
        """Revoke one token of ``user_id``, or all of them when ``token_hash`` is None."""
        ...

    # Conversation logs

    async def conversation_ids(self) -> list[str]: ...

    async def append(
        self, conversation_id: str, entries: Sequence[Entry], receipt: Receipt | None
    ) -> None:
        """Write ``entries`` and ``receipt`` in one transaction, durable on return."""
        ...

    async def read(self, conversation_id: str, after: int, limit: int | None = None) -> list[Entry]:
        """Entries with ``seq > after`` in order, at most ``limit``."""
        ...

    async def chat_page(
        self, conversation_id: str, chats: Sequence[str], before: int | None, limit: int
    ) -> list[Entry]:
        """Chat entries in any of ``chats`` older than ``before``, newest first."""
        ...

    async def receipt(self, user_id: UserId, request_id: str) -> bytes | None: ...

    async def delete_conversation(self, conversation_id: str, receipt: Receipt | None) -> None:
        """Remove a conversation's log and keep ``receipt``, in one transaction.

        Receipts of earlier requests stay, so their repeats still answer."""
        ...

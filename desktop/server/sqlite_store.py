"""The embedded store: SQLite in WAL mode, one connection on one worker thread.

Every write is a transaction committed with ``synchronous=FULL``: when a call
returns, what it wrote survives a crash of the process or of the machine. The
schema is versioned with ``PRAGMA user_version`` and upgraded step by step.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import msgspec

from desktop.core import UserId
from desktop.protocol import Record

from .store import Entry, Receipt, StoredAccount, UsernameTaken

T = TypeVar("T")

MIGRATIONS: tuple[str, ...] = (
    # 1: accounts, tokens, logs and receipts
    """
    CREATE TABLE accounts (
        user_id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        admin INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES accounts(user_id),
        created_at REAL NOT NULL
    );
    CREATE INDEX tokens_by_user ON tokens(user_id);
    CREATE TABLE records (
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        record BLOB NOT NULL,
        audience BLOB,
        chat TEXT,
        PRIMARY KEY (conversation_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX chat_records ON records(conversation_id, chat, seq) WHERE chat IS NOT NULL;
    CREATE TABLE receipts (
        user_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        response BLOB NOT NULL,
        PRIMARY KEY (user_id, request_id)
    ) WITHOUT ROWID;
    """,
)

_encode = msgspec.json.Encoder().encode
_decode_record = msgspec.json.Decoder(Record).decode
_decode_audience = msgspec.json.Decoder(frozenset[UserId]).decode


class SqliteStore:
    """A :class:`~desktop.server.store.Store` in one SQLite file."""

    def __init__(self, connection: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._db = connection
        self._executor = executor

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        try:
            connection = await loop.run_in_executor(executor, _connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(connection, executor)

    async def close(self) -> None:
        await self._run(self._db.close)
        self._executor.shutdown(wait=True)

    async def _run(self, function: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    # Accounts and tokens

    async def create_account(
        self, user_id: UserId, display_name: str, password_hash: str, now: float
    ) -> StoredAccount:
        def create() -> StoredAccount:
            with self._db:
                first = self._db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None
                try:
                    self._db.execute(
                        "INSERT INTO accounts VALUES (?, ?, ?, ?, ?)",
                        (user_id, display_name, password_hash, first, now),
                    )
                except sqlite3.IntegrityError:
                    raise UsernameTaken(user_id) from None
            return StoredAccount(
                user_id=user_id,
                display_name=display_name,
                password_hash=password_hash,
                admin=first,
                created_at=now,
            )

        return await self._run(create)

    async def account(self, user_id: UserId) -> StoredAccount | None:
        return (await self.accounts([user_id])).get(user_id)

    async def accounts(self, user_ids: Sequence[UserId]) -> dict[UserId, StoredAccount]:
        def fetch() -> dict[UserId, StoredAccount]:
            found = {}
            for user_id in user_ids:
                row = self._db.execute(
                    "SELECT user_id, display_name, password_hash, admin, created_at"
                    " FROM accounts WHERE user_id = ?",
                    (user_id,),
                ).fetchone()
                if row is not None:
                    found[user_id] = StoredAccount(
                        user_id=row[0],
                        display_name=row[1],
                        password_hash=row[2],
                        admin=bool(row[3]),
                        created_at=row[4],
                    )
            return found

        return await self._run(fetch)

    async def add_token(self, token_hash: str, user_id: UserId, now: float) -> None:
        await self._write("INSERT INTO tokens VALUES (?, ?, ?)", (token_hash, user_id, now))

    async def token_owner(self, token_hash: str) -> UserId | None:
        def fetch() -> UserId | None:
            row = self._db.execute(
                "SELECT user_id FROM tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            return None if row is None else UserId(row[0])

        return await self._run(fetch)

    async def revoke_tokens(self, user_id: UserId, token_hash: str | None) -> None:
        if token_hash is None:
            await self._write("DELETE FROM tokens WHERE user_id = ?", (user_id,))
        else:
            await self._write(
                "DELETE FROM tokens WHERE user_id = ? AND token_hash = ?", (user_id, token_hash)
            )

    # Conversation logs

    async def conversation_ids(self) -> list[str]:
        def fetch() -> list[str]:
            rows = self._db.execute("SELECT DISTINCT conversation_id FROM records").fetchall()
            return [row[0] for row in rows]

        return await self._run(fetch)

    async def append(
        self, conversation_id: str, entries: Sequence[Entry], receipt: Receipt | None
    ) -> None:
        rows = [
            (
                conversation_id,
                entry.record.seq,
                _encode(entry.record),
                None if entry.audience is None else _encode(sorted(entry.audience)),
                entry.chat,
            )
            for entry in entries
        ]

        def append() -> None:
            with self._db:
                self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows)
                self._keep(receipt)

        await self._run(append)

    async def read(self, conversation_id: str, after: int, limit: int | None = None) -> list[Entry]:
        def fetch() -> list[Entry]:
            rows = self._db.execute(
                "SELECT record, audience, chat FROM records"
                " WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (conversation_id, after, -1 if limit is None else limit),
            ).fetchall()
            return [_entry(row) for row in rows]

        return await self._run(fetch)

    async def chat_page(
        self, conversation_id: str, chats: Sequence[str], before: int | None, limit: int
    ) -> list[Entry]:
        marks = ", ".join("?" for _ in chats)

        def fetch() -> list[Entry]:
            rows = self._db.execute(
                "SELECT record, audience, chat FROM records"
                f" WHERE conversation_id = ? AND chat IN ({marks}) AND seq < ?"
                " ORDER BY seq DESC LIMIT ?",
                (conversation_id, *chats, 2**62 if before is None else before, limit),
            ).fetchall()
            return [_entry(row) for row in rows]

        return await self._run(fetch)

    async def receipt(self, user_id: UserId, request_id: str) -> bytes | None:
        def fetch() -> bytes | None:
            row = self._db.execute(
                "SELECT response FROM receipts WHERE user_id = ? AND request_id = ?",
                (user_id, request_id),
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(fetch)

    async def delete_conversation(self, conversation_id: str, receipt: Receipt | None) -> None:
        def delete() -> None:
            with self._db:
                self._db.execute(
                    "DELETE FROM records WHERE conversation_id = ?", (conversation_id,)
                )
                self._keep(receipt)

        await self._run(delete)

    def _keep(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self._db.execute(
                "INSERT INTO receipts VALUES (?, ?, ?)",
                (receipt.user_id, receipt.request_id, receipt.response),
            )

    async def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        def write() -> None:
            with self._db:
                self._db.execute(sql, parameters)

        await self._run(write)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.isolation_level = "DEFERRED"
    try:
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema to the newest version; returns that version."""
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"The data was written by a newer Roomcast (schema {version}); "
            f"this one knows schema {len(MIGRATIONS)}."
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)


def _entry(row: tuple[bytes, bytes | None, str | None]) -> Entry:
    record, audience, chat = row
    return Entry(
        record=_decode_record(record),
        audience=None if audience is None else _decode_audience(audience),
        chat=chat,
    )

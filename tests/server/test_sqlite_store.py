"""The SQLite store: schema versions, durability settings, accounts and tokens,
conversation logs, chat pages and idempotency receipts."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from pathlib import Path

import pytest
import pytest_asyncio

from desktop.core import RoomId, UserId
from desktop.core.events import ConversationRenamed, MessagePosted
from desktop.protocol import Body, Record
from desktop.protocol.notices import Assigned, SystemMessage
from desktop.server import sqlite_store
from desktop.server.sqlite_store import MIGRATIONS, SqliteStore
from desktop.server.store import Entry, Receipt, StoredAccount, UsernameTaken

pytestmark = pytest.mark.asyncio

CID = "c-1"
OTHER = "c-2"
ALICE = UserId("alice")
BOB = UserId("bob")
CAROL = UserId("carol")
T0 = 1_700_000_000.25


# Building entries


def entry(
    seq: int,
    body: Body | None = None,
    *,
    chat: str | None = None,
    audience: frozenset[UserId] | None = None,
) -> Entry:
    record = Record(
        seq=seq,
        at=T0 + seq,
        actor=ALICE,
        body=ConversationRenamed(title=f"Title {seq}") if body is None else body,
    )
    return Entry(record=record, audience=audience, chat=chat)


def chat_line(seq: int, chat: str) -> Entry:
    room = None if chat in ("main", "all") else RoomId(int(chat.removeprefix("room:")))
    body = MessagePosted(author=ALICE, text=f"line {seq}", room_id=room, at=T0 + seq)
    return entry(seq, body, chat=chat)


def seqs(entries: Sequence[Entry]) -> list[int]:
    return [item.record.seq for item in entries]


# Looking at the file from outside


def pragma(path: Path, name: str) -> object:
    with closing(sqlite3.connect(path)) as db:
        value: object = db.execute(f"PRAGMA {name}").fetchone()[0]
        return value


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.execute(sql).fetchall())


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "roomcast.sqlite3"


@pytest_asyncio.fixture
async def store(path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(path)
    yield opened
    await opened.close()


# Schema versions


async def test_a_fresh_file_gets_every_migration(store: SqliteStore, path: Path) -> None:
    assert path.is_file()
    assert len(MIGRATIONS) == 1
    assert pragma(path, "user_version") == len(MIGRATIONS)
    tables = rows(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    assert tables == [("accounts",), ("receipts",), ("records",), ("tokens",)]


async def test_reopening_keeps_the_data_and_the_version(path: Path) -> None:
    first = await SqliteStore.open(path)
    await first.create_account(ALICE, "Alice", "hash-a", T0)
    await first.append(CID, [entry(1), entry(2)], Receipt(ALICE, "r1", b"ack"))
    await first.close()

    second = await SqliteStore.open(path)
    try:
        assert pragma(path, "user_version") == 1
        account = await second.account(ALICE)
        assert account == StoredAccount(
            user_id=ALICE, display_name="Alice", password_hash="hash-a", admin=True, created_at=T0
        )
        assert await second.read(CID, 0) == [entry(1), entry(2)]
        assert await second.receipt(ALICE, "r1") == b"ack"
    finally:
        await second.close()


async def test_an_older_file_runs_only_the_missing_migrations(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await SqliteStore.open(path)
    await first.create_account(ALICE, "Alice", "hash-a", T0)
    await first.close()

    monkeypatch.setattr(
        sqlite_store,
        "MIGRATIONS",
        (
            *MIGRATIONS,
            "CREATE TABLE notes (text TEXT NOT NULL);",
            "INSERT INTO notes VALUES ('added by migration 3');",
        ),
    )
    for _ in range(2):
        reopened = await SqliteStore.open(path)
        await reopened.close()

    assert pragma(path, "user_version") == 3
    assert rows(path, "SELECT text FROM notes") == [("added by migration 3",)]
    assert rows(path, "SELECT user_id, admin FROM accounts") == [("alice", 1)]


async def test_a_file_from_a_newer_version_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 2")

    with pytest.raises(RuntimeError) as refused:
        await SqliteStore.open(path)

    assert str(refused.value) == (
        "The data was written by a newer Roomcast (schema 2); this one knows schema 1."
    )
    assert pragma(path, "user_version") == 2
    assert rows(path, "SELECT name FROM sqlite_master") == []


async def test_the_log_is_in_wal_mode_with_full_sync(store: SqliteStore, path: Path) -> None:
    assert pragma(path, "journal_mode") == "wal"
    connection = store._db
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1


# Accounts and tokens


async def test_the_first_account_is_admin_and_the_second_is_not(store: SqliteStore) -> None:
    first = await store.create_account(ALICE, "Alice", "hash-a", T0)
    second = await store.create_account(BOB, "Bob", "hash-b", T0 + 1)

    assert first == StoredAccount(
        user_id=ALICE, display_name="Alice", password_hash="hash-a", admin=True, created_at=T0
    )
    assert second == StoredAccount(
        user_id=BOB, display_name="Bob", password_hash="hash-b", admin=False, created_at=T0 + 1
    )
    assert await store.account(ALICE) == first
    assert await store.account(BOB) == second
    assert await store.account(CAROL) is None
    assert await store.accounts([BOB, CAROL, ALICE]) == {ALICE: first, BOB: second}
    assert await store.accounts([]) == {}


async def test_a_taken_username_is_refused_and_the_account_kept(store: SqliteStore) -> None:
    original = await store.create_account(ALICE, "Alice", "hash-a", T0)

    with pytest.raises(UsernameTaken):
        await store.create_account(ALICE, "Impostor", "hash-x", T0 + 5)

    assert await store.account(ALICE) == original
    # The refused attempt does not count as the first account: the next is no admin.
    assert (await store.create_account(BOB, "Bob", "hash-b", T0)).admin is False


async def test_tokens_are_added_looked_up_and_revoked(store: SqliteStore) -> None:
    await store.create_account(ALICE, "Alice", "hash-a", T0)
    await store.create_account(BOB, "Bob", "hash-b", T0)
    await store.add_token("alice-laptop", ALICE, T0)
    await store.add_token("alice-phone", ALICE, T0)
    await store.add_token("bob-laptop", BOB, T0)

    assert await store.token_owner("alice-laptop") == ALICE
    assert await store.token_owner("alice-phone") == ALICE
    assert await store.token_owner("bob-laptop") == BOB
    assert await store.token_owner("nobody's") is None

    # Revoking names the owner: someone else's token stays.
    await store.revoke_tokens(BOB, "alice-laptop")
    assert await store.token_owner("alice-laptop") == ALICE

    await store.revoke_tokens(ALICE, "alice-laptop")
    assert await store.token_owner("alice-laptop") is None
    assert await store.token_owner("alice-phone") == ALICE

    await store.add_token("alice-tablet", ALICE, T0)
    await store.revoke_tokens(ALICE, None)
    assert await store.token_owner("alice-phone") is None
    assert await store.token_owner("alice-tablet") is None
    assert await store.token_owner("bob-laptop") == BOB


# Conversation logs


@pytest.fixture
def five() -> list[Entry]:
    return [entry(seq) for seq in range(1, 6)]


@pytest.mark.parametrize(
    ("after", "limit", "expected"),
    [
        (0, None, [1, 2, 3, 4, 5]),
        (2, None, [3, 4, 5]),
        (0, 2, [1, 2]),
        (3, 1, [4]),
        (3, 10, [4, 5]),
        (5, None, []),
        (0, 0, []),
    ],
)
async def test_read_returns_entries_after_a_seq_in_order(
    store: SqliteStore, five: list[Entry], after: int, limit: int | None, expected: list[int]
) -> None:
    await store.append(CID, five[:3], None)
    await store.append(CID, five[3:], None)
    await store.append(OTHER, [entry(1), entry(2)], None)

    found = await store.read(CID, after, limit)

    assert seqs(found) == expected
    assert found == [five[seq - 1] for seq in expected]


async def test_an_append_is_committed_when_it_returns(store: SqliteStore, path: Path) -> None:
    await store.append(CID, [entry(1), entry(2)], Receipt(ALICE, "r1", b"ack"))

    # A second connection, as after a crash, sees everything.
    assert rows(path, "SELECT conversation_id, seq FROM records ORDER BY seq") == [
        (CID, 1),
        (CID, 2),
    ]
    assert rows(path, "SELECT user_id, request_id, response FROM receipts") == [
        ("alice", "r1", b"ack")
    ]


async def test_an_unknown_conversation_reads_empty(store: SqliteStore) -> None:
    assert await store.read("missing", 0) == []
    assert await store.chat_page("missing", ["main", "all"], None, 10) == []


async def test_audience_chat_and_body_round_trip(store: SqliteStore) -> None:
    assigned = Assigned(
        user_id=BOB,
        room_id=RoomId(2),
        room_name="Blue",
        position=2,
        dial_in_number="+1 555 0100",
        pin="222",
    )
    written = [
        entry(1),
        entry(2, chat="main"),
        entry(3, audience=frozenset({CAROL, ALICE, BOB}), chat="room:7"),
        entry(4, assigned, audience=frozenset({BOB})),
        entry(5, SystemMessage(text="Breakout rooms have started.", everywhere=True), chat="all"),
        entry(6, audience=frozenset()),
    ]
    await store.append(CID, written, None)

    found = await store.read(CID, 0)

    assert found == written
    assert found[3].record.body == assigned
    assert found[2].audience == frozenset({ALICE, BOB, CAROL})
    assert found[0].audience is None
    assert found[5].audience == frozenset()


# Chat pages


CHAT_OF: dict[int, str | None] = {
    1: "main",
    2: None,
    3: "room:1",
    4: "all",
    5: "main",
    6: "room:2",
    7: "main",
    8: None,
    9: "all",
}


def logged(seq: int) -> Entry:
    chat = CHAT_OF[seq]
    return entry(seq) if chat is None else chat_line(seq, chat)


@pytest_asyncio.fixture
async def chatty(store: SqliteStore) -> SqliteStore:
    await store.append(CID, [logged(seq) for seq in CHAT_OF], None)
    await store.append(OTHER, [chat_line(1, "main"), chat_line(2, "all")], None)
    return store


@pytest.mark.parametrize(
    ("chats", "before", "limit", "expected"),
    [
        (("main", "all"), None, 50, [9, 7, 5, 4, 1]),
        (("main", "all"), 7, 50, [5, 4, 1]),
        (("main", "all"), None, 2, [9, 7]),
        (("main", "all"), 5, 2, [4, 1]),
        (("main", "all"), 1, 50, []),
        (("room:1", "all"), None, 50, [9, 4, 3]),
        (("room:2",), None, 50, [6]),
        (("room:3",), None, 50, []),
        (("main",), None, 50, [7, 5, 1]),
    ],
)
async def test_chat_page_is_newest_first_within_the_asked_chats(
    chatty: SqliteStore,
    chats: tuple[str, ...],
    before: int | None,
    limit: int,
    expected: list[int],
) -> None:
    page = await chatty.chat_page(CID, chats, before, limit)

    assert seqs(page) == expected
    assert page == [logged(seq) for seq in expected]


# Receipts


async def test_a_receipt_is_kept_with_its_append(store: SqliteStore) -> None:
    await store.append(CID, [entry(1)], Receipt(ALICE, "r1", b'{"type":"ack"}'))
    await store.append(CID, [], Receipt(ALICE, "r2", b"no events"))

    assert await store.receipt(ALICE, "r1") == b'{"type":"ack"}'
    assert await store.receipt(ALICE, "r2") == b"no events"
    assert await store.receipt(BOB, "r1") is None
    assert await store.receipt(ALICE, "r3") is None
    assert seqs(await store.read(CID, 0)) == [1]


async def test_request_ids_are_per_account(store: SqliteStore) -> None:
    await store.append(CID, [entry(1)], Receipt(ALICE, "r1", b"alice's"))
    await store.append(CID, [entry(2)], Receipt(BOB, "r1", b"bob's"))

    assert await store.receipt(ALICE, "r1") == b"alice's"
    assert await store.receipt(BOB, "r1") == b"bob's"


async def test_a_repeated_receipt_rolls_back_its_entries(store: SqliteStore) -> None:
    await store.append(CID, [entry(1), entry(2)], Receipt(ALICE, "r1", b"first"))

    with pytest.raises(sqlite3.IntegrityError):
        await store.append(CID, [entry(3), entry(4)], Receipt(ALICE, "r1", b"second"))

    assert seqs(await store.read(CID, 0)) == [1, 2]
    assert await store.receipt(ALICE, "r1") == b"first"
    # Nothing of the refused append is left behind: its seqs are still free.
    await store.append(CID, [entry(3), entry(4)], Receipt(ALICE, "r2", b"third"))
    assert seqs(await store.read(CID, 0)) == [1, 2, 3, 4]


async def test_a_repeated_seq_rolls_back_the_whole_append(store: SqliteStore) -> None:
    await store.append(CID, [entry(1)], None)

    with pytest.raises(sqlite3.IntegrityError):
        await store.append(CID, [entry(2), entry(1)], Receipt(ALICE, "r1", b"ack"))

    assert seqs(await store.read(CID, 0)) == [1]
    assert await store.receipt(ALICE, "r1") is None


# Deleting conversations


async def test_deleting_a_conversation_keeps_receipts(store: SqliteStore) -> None:
    await store.append(CID, [chat_line(1, "main"), entry(2)], Receipt(ALICE, "r1", b"one"))
    await store.append(OTHER, [entry(1)], Receipt(BOB, "r1", b"other"))

    await store.delete_conversation(CID, Receipt(ALICE, "del", b"deleted"))

    assert await store.read(CID, 0) == []
    assert await store.chat_page(CID, ["main"], None, 10) == []
    assert await store.read(OTHER, 0) == [entry(1)]
    assert await store.receipt(ALICE, "r1") == b"one"
    assert await store.receipt(ALICE, "del") == b"deleted"
    assert await store.receipt(BOB, "r1") == b"other"
    assert await store.conversation_ids() == [OTHER]


async def test_deleting_without_a_receipt(store: SqliteStore) -> None:
    await store.append(CID, [entry(1)], None)

    await store.delete_conversation(CID, None)

    assert await store.read(CID, 0) == []
    assert await store.conversation_ids() == []


async def test_a_delete_with_a_repeated_receipt_deletes_nothing(store: SqliteStore) -> None:
    await store.append(CID, [entry(1)], Receipt(ALICE, "r1", b"first"))

    with pytest.raises(sqlite3.IntegrityError):
        await store.delete_conversation(CID, Receipt(ALICE, "r1", b"again"))

    assert seqs(await store.read(CID, 0)) == [1]
    assert await store.receipt(ALICE, "r1") == b"first"


async def test_conversation_ids_lists_each_logged_conversation_once(store: SqliteStore) -> None:
    assert await store.conversation_ids() == []

    await store.append(OTHER, [entry(1), entry(2)], None)
    await store.append(CID, [entry(1)], None)
    await store.append(CID, [entry(2)], None)

    assert sorted(await store.conversation_ids()) == [CID, OTHER]

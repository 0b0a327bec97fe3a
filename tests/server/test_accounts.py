"""Accounts against a real SQLite store: sign-up rules, log-in, tokens, and the
throttle on failed log-ins (on an injected clock: nothing sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from netkit import ManualClock

from desktop.core import DomainError, ErrorCode, UserId
from desktop.protocol import ProtocolCode, ProtocolError
from desktop.protocol.messages import Account
from desktop.server.accounts import MAX_LOCKOUT, Accounts, LoginThrottle, token_hash
from desktop.server.sqlite_store import SqliteStore

PASSWORD = "correct horse"
ALICE = UserId("alice")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(10_000.0)


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "accounts.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
def accounts(store: SqliteStore, clock: ManualClock) -> Accounts:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Accounts(store, hasher, clock.now)


def throttled_for(throttle: LoginThrottle, username: str) -> float | None:
    """How long ``check`` says to wait, or ``None`` when it lets the log-in through."""
    try:
        throttle.check(username)
    except ProtocolError as error:
        if error.code is not ProtocolCode.LOGIN_THROTTLED:
            raise
        return error.retry_after
    return None


# The throttle alone


def test_four_failures_are_free_and_the_fifth_locks_for_a_second(clock: ManualClock) -> None:
    throttle = LoginThrottle(clock.now)
    for _ in range(4):
        throttle.failed("alice")
        assert throttled_for(throttle, "alice") is None

    throttle.failed("alice")

    assert throttled_for(throttle, "alice") == 1.0
    clock.advance(0.25)
    assert throttled_for(throttle, "alice") == 0.75
    clock.advance(0.75)
    assert throttled_for(throttle, "alice") is None


def test_the_lockout_message_names_the_user_and_the_wait(clock: ManualClock) -> None:
    throttle = LoginThrottle(clock.now)
    for _ in range(7):
        throttle.failed("alice")

    with pytest.raises(ProtocolError) as refused:
        throttle.check("alice")

    assert refused.value.code is ProtocolCode.LOGIN_THROTTLED
    assert refused.value.retry_after == 4.0
    assert refused.value.message == "Too many failed log-ins for 'alice'; try again in 4 s."


def test_each_further_failure_doubles_the_lockout_up_to_five_minutes(clock: ManualClock) -> None:
    throttle = LoginThrottle(clock.now)
    for _ in range(4):
        throttle.failed("alice")

    lockouts = []
    for _ in range(12):
        throttle.failed("alice")
        lockouts.append(throttled_for(throttle, "alice"))

    assert lockouts == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert MAX_LOCKOUT == 300.0


def test_failures_are_counted_per_username(clock: ManualClock) -> None:
    throttle = LoginThrottle(clock.now)
    for _ in range(5):
        throttle.failed("alice")
    throttle.failed("bob")

    assert throttled_for(throttle, "alice") == 1.0
    assert throttled_for(throttle, "bob") is None
    assert throttled_for(throttle, "carol") is None


def test_a_success_forgets_the_failures(clock: ManualClock) -> None:
    throttle = LoginThrottle(clock.now)
    for _ in range(6):
        throttle.failed("alice")
    assert throttled_for(throttle, "alice") == 2.0

    throttle.succeeded("alice")

    assert throttled_for(throttle, "alice") is None
    for _ in range(4):
        throttle.failed("alice")
    assert throttled_for(throttle, "alice") is None
    throttle.failed("alice")
    assert throttled_for(throttle, "alice") == 1.0


# Signing up


@pytest.mark.asyncio
async def test_sign_up_then_log_in(
    accounts: Accounts, store: SqliteStore, clock: ManualClock
) -> None:
    signed_up, first_token = await accounts.sign_up("alice", PASSWORD, "  Alice   Liddell ")
    clock.advance(60)
    logged_in, second_token = await accounts.log_in("alice", PASSWORD)

    expected = Account(user_id=ALICE, display_name="Alice Liddell", admin=True)
    assert signed_up == expected
    assert logged_in == expected
    assert first_token != second_token
    assert len(first_token) >= 40
    assert await accounts.authenticate(first_token) == expected
    assert await accounts.authenticate(second_token) == expected
    stored = await store.account(ALICE)
    assert stored is not None
    assert stored.created_at == 10_000.0
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


@pytest.mark.asyncio
async def test_only_the_first_account_is_admin(accounts: Accounts) -> None:
    first, _ = await accounts.sign_up("alice", PASSWORD, "Alice")
    second, _ = await accounts.sign_up("bob", PASSWORD, "Bob")

    assert first.admin is True
    assert second == Account(user_id=UserId("bob"), display_name="Bob", admin=False)


@pytest.mark.asyncio
async def test_only_a_hash_of_each_token_is_stored(accounts: Accounts, store: SqliteStore) -> None:
    _, token = await accounts.sign_up("alice", PASSWORD, "Alice")

    assert await store.token_owner(token) is None
    assert await store.token_owner(token_hash(token)) == ALICE
    assert token_hash(token) != token
    assert len(token_hash(token)) == 64


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "username",
    ["ab", "Alice", "-alice", ".alice", "_alice", "al ice", "alice!", "ålice", "a" * 33, ""],
)
async def test_a_bad_username_is_refused(
    accounts: Accounts, store: SqliteStore, username: str
) -> None:
    with pytest.raises(ProtocolError) as refused:
        await accounts.sign_up(username, PASSWORD, "Someone")

    assert refused.value.code is ProtocolCode.INVALID_USERNAME
    assert refused.value.code.value == "invalid_username"
    assert await store.account(UserId(username)) is None


@pytest.mark.asyncio
@pytest.mark.parametrize("username", ["abc", "a" * 32, "0day", "a.b_c-d", "x-1"])
async def test_good_usernames_are_accepted(accounts: Accounts, username: str) -> None:
    account, _ = await accounts.sign_up(username, PASSWORD, "Someone")

    assert account.user_id == username


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("password", "accepted"), [("", False), ("1234567", False), ("12345678", True)]
)
async def test_a_password_needs_eight_characters(
    accounts: Accounts, store: SqliteStore, password: str, accepted: bool
) -> None:
    if accepted:
        account, _ = await accounts.sign_up("alice", password, "Alice")
        assert account.user_id == ALICE
        assert (await accounts.log_in("alice", password))[0] == account
        return
    with pytest.raises(ProtocolError) as refused:
        await accounts.sign_up("alice", password, "Alice")
    assert refused.value.code is ProtocolCode.INVALID_PASSWORD
    assert refused.value.message == "A password needs at least 8 characters."
    assert await store.account(ALICE) is None


@pytest.mark.asyncio
@pytest.mark.parametrize("display_name", ["", "   ", "Al\x00ice", "Al\nice\x07", "x" * 81])
async def test_a_bad_display_name_is_refused(
    accounts: Accounts, store: SqliteStore, display_name: str
) -> None:
    with pytest.raises(DomainError) as refused:
        await accounts.sign_up("alice", PASSWORD, display_name)

    assert refused.value.code is ErrorCode.INVALID_NAME
    assert await store.account(ALICE) is None


@pytest.mark.asyncio
async def test_the_username_is_checked_before_the_password(accounts: Accounts) -> None:
    with pytest.raises(ProtocolError) as refused:
        await accounts.sign_up("A", "short", "")

    assert refused.value.code is ProtocolCode.INVALID_USERNAME


@pytest.mark.asyncio
async def test_a_taken_username_is_refused(accounts: Accounts) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")

    with pytest.raises(ProtocolError) as refused:
        await accounts.sign_up("alice", "another password", "Other Alice")

    assert refused.value.code is ProtocolCode.USERNAME_TAKEN
    account, _ = await accounts.log_in("alice", PASSWORD)
    assert account.display_name == "Alice"


# Logging in and out


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password"), ("nobody", PASSWORD), ("Alice", PASSWORD)],
)
async def test_wrong_credentials_are_refused_alike(
    accounts: Accounts, username: str, password: str
) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")

    with pytest.raises(ProtocolError) as refused:
        await accounts.log_in(username, password)

    assert refused.value.code is ProtocolCode.BAD_CREDENTIALS
    assert refused.value.message == "Wrong username or password."
    assert refused.value.retry_after is None


@pytest.mark.asyncio
async def test_unknown_and_garbage_tokens_authenticate_nobody(accounts: Accounts) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")

    assert await accounts.authenticate("") is None
    assert await accounts.authenticate("not a token") is None


@pytest.mark.asyncio
async def test_revoking_one_token_keeps_the_others(accounts: Accounts) -> None:
    _, laptop = await accounts.sign_up("alice", PASSWORD, "Alice")
    _, phone = await accounts.log_in("alice", PASSWORD)
    _, bobs = await accounts.sign_up("bob", PASSWORD, "Bob")

    await accounts.revoke(ALICE, laptop)

    assert await accounts.authenticate(laptop) is None
    phone_account = await accounts.authenticate(phone)
    assert phone_account is not None
    assert phone_account.user_id == ALICE
    bob = await accounts.authenticate(bobs)
    assert bob is not None
    assert bob.user_id == "bob"


@pytest.mark.asyncio
async def test_revoking_everywhere_signs_every_device_out(accounts: Accounts) -> None:
    _, laptop = await accounts.sign_up("alice", PASSWORD, "Alice")
    _, phone = await accounts.log_in("alice", PASSWORD)
    _, bobs = await accounts.sign_up("bob", PASSWORD, "Bob")

    await accounts.revoke(ALICE, None)

    assert await accounts.authenticate(laptop) is None
    assert await accounts.authenticate(phone) is None
    assert await accounts.authenticate(bobs) is not None
    _, fresh = await accounts.log_in("alice", PASSWORD)
    assert await accounts.authenticate(fresh) is not None


# Throttled log-ins


async def fail(accounts: Accounts, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ProtocolError) as refused:
            await accounts.log_in(username, "wrong password")
        assert refused.value.code is ProtocolCode.BAD_CREDENTIALS


async def throttle_wait(accounts: Accounts, username: str, password: str) -> float | None:
    with pytest.raises(ProtocolError) as refused:
        await accounts.log_in(username, password)
    assert refused.value.code is ProtocolCode.LOGIN_THROTTLED
    return refused.value.retry_after


@pytest.mark.asyncio
async def test_five_failures_lock_even_the_right_password_out(
    accounts: Accounts, clock: ManualClock
) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")
    await fail(accounts, "alice", 5)

    assert await throttle_wait(accounts, "alice", PASSWORD) == 1.0
    clock.advance(0.5)
    assert await throttle_wait(accounts, "alice", PASSWORD) == 0.5
    clock.advance(0.5)
    account, _ = await accounts.log_in("alice", PASSWORD)
    assert account.user_id == ALICE


@pytest.mark.asyncio
async def test_lockouts_double_and_stop_at_five_minutes(
    accounts: Accounts, clock: ManualClock
) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")
    await fail(accounts, "alice", 4)

    waits = []
    for _ in range(11):
        await fail(accounts, "alice", 1)
        wait = await throttle_wait(accounts, "alice", "wrong password")
        assert wait is not None
        waits.append(wait)
        clock.advance(wait)

    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


@pytest.mark.asyncio
async def test_a_successful_log_in_resets_the_count(accounts: Accounts, clock: ManualClock) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")
    await fail(accounts, "alice", 5)
    clock.advance(1)
    await fail(accounts, "alice", 1)
    assert await throttle_wait(accounts, "alice", PASSWORD) == 2.0
    clock.advance(2)
    await accounts.log_in("alice", PASSWORD)

    await fail(accounts, "alice", 4)
    account, _ = await accounts.log_in("alice", PASSWORD)

    assert account.user_id == ALICE


@pytest.mark.asyncio
async def test_unknown_usernames_are_throttled_too(accounts: Accounts) -> None:
    await accounts.sign_up("alice", PASSWORD, "Alice")
    await fail(accounts, "mallory", 5)

    assert await throttle_wait(accounts, "mallory", PASSWORD) == 1.0
    account, _ = await accounts.log_in("alice", PASSWORD)
    assert account.user_id == ALICE

"""Accounts: sign-up, log-in with argon2 password hashes, tokens, throttling.

Tokens are random and only their SHA-256 is stored, so a copy of the database
signs nobody in. Failed log-ins per username are counted: past a few, further
attempts are refused for a while that doubles with each failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from desktop.core import UserId
from desktop.core.validation import clean_name
from desktop.protocol import ProtocolCode, ProtocolError
from desktop.protocol.messages import Account

from .store import Store, StoredAccount, UsernameTaken

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
MIN_PASSWORD = 8
FREE_FAILURES = 5
MAX_LOCKOUT = 300.0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public(account: StoredAccount) -> Account:
    return Account(user_id=account.user_id, display_name=account.display_name, admin=account.admin)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failed log-ins per username and says when the next may be tried."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._failures: dict[str, _Failures] = {}

    def check(self, username: str) -> None:
        failures = self._failures.get(username)
        wait = 0.0 if failures is None else failures.locked_until - self._clock()
        if wait > 0:
            raise ProtocolError(
                ProtocolCode.LOGIN_THROTTLED,
                f"Too many failed log-ins for {username!r}; try again in {wait:.0f} s.",
                retry_after=wait,
            )

    def failed(self, username: str) -> None:
        failures = self._failures.setdefault(username, _Failures())
        failures.count += 1
        if failures.count >= FREE_FAILURES:
            lockout = min(MAX_LOCKOUT, 2.0 ** (failures.count - FREE_FAILURES))
            failures.locked_until = self._clock() + lockout

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)


class Accounts:
    def __init__(self, store: Store, hasher: PasswordHasher, clock: Callable[[], float]) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock
        self._throttle = LoginThrottle(clock)
        # Verified against when the username is unknown, so both cases take as long.
        self._decoy = hasher.hash(secrets.token_hex(16))

    async def sign_up(self, username: str, password: str, display_name: str) -> tuple[Account, str]:
        if not USERNAME.fullmatch(username):
            raise ProtocolError(
                ProtocolCode.INVALID_USERNAME,
                "A username is 3 to 32 lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
        if len(password) < MIN_PASSWORD:
            raise ProtocolError(
                ProtocolCode.INVALID_PASSWORD,
                f"A password needs at least {MIN_PASSWORD} characters.",
            )
        name = clean_name(display_name, "display name")
        hashed = await asyncio.get_running_loop().run_in_executor(None, self._hasher.hash, password)
        try:
            stored = await self._store.create_account(UserId(username), name, hashed, self._clock())
        except UsernameTaken:
            raise ProtocolError(
                ProtocolCode.USERNAME_TAKEN, f"The username {username!r} is taken."
            ) from None
        return public(stored), await self._issue(stored.user_id)

    async def log_in(self, username: str, password: str) -> tuple[Account, str]:
        self._throttle.check(username)
        stored = await self._store.account(UserId(username))
        if not await self._verify(stored.password_hash if stored else self._decoy, password):
            self._throttle.failed(username)
            raise ProtocolError(ProtocolCode.BAD_CREDENTIALS, "Wrong username or password.")
        assert stored is not None
        self._throttle.succeeded(username)
        return public(stored), await self._issue(stored.user_id)

    async def local_sign_in(self, username: str, display_name: str) -> tuple[Account, str]:
        """Sign in the desktop user of the process that embeds this server.

        Trusted because it runs in-process: the account is created on first use
        (with a random password nobody knows) and needs no password afterwards.
        The first account of a store is its admin, so on a fresh embedded server
        the local user is the one who creates and moderates conversations.
        """
        stored = await self._store.account(UserId(username))
        if stored is None:
            return await self.sign_up(username, secrets.token_urlsafe(24), display_name)
        return public(stored), await self._issue(stored.user_id)

    async def authenticate(self, token: str) -> Account | None:
        user = await self._store.token_owner(token_hash(token))
        stored = None if user is None else await self._store.account(user)
        return None if stored is None else public(stored)

    async def revoke(self, user: UserId, token: str | None) -> None:
        await self._store.revoke_tokens(user, None if token is None else token_hash(token))

    async def _issue(self, user: UserId) -> str:
        token = secrets.token_urlsafe(32)
        await self._store.add_token(token_hash(token), user, self._clock())
        return token

    async def _verify(self, hashed: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self._hasher.verify(hashed, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.get_running_loop().run_in_executor(None, verify)

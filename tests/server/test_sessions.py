"""Accounts over the network: the first is admin, tokens travel only in hello,
revoked tokens close their connections, failed log-ins are slowed down."""

from __future__ import annotations

import pytest
from netkit import PASSWORD, Raw, refused, signed_up, until_state

from desktop.client import Client, ConnectionFailed, ConnectionState, ServerError
from desktop.protocol import CloseCode, ProtocolCode
from desktop.protocol.messages import Error, LogIn, SignedIn
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio


async def test_the_first_account_is_admin_and_the_next_are_not(server: EmbeddedServer) -> None:
    first = await signed_up(server.url, "root")
    second = await signed_up(server.url, "ann")
    try:
        assert first.account is not None
        assert second.account is not None
        assert (first.account.admin, second.account.admin) == (True, False)
    finally:
        await first.close()
        await second.close()


async def test_a_token_signs_a_new_connection_in(server: EmbeddedServer) -> None:
    first = await signed_up(server.url, "ann", "Ann Example")
    token = first.token
    await first.close()
    raw = await Raw.open(server.url)
    try:
        welcome = await raw.hello(token)
        assert welcome.account is not None
        assert (welcome.account.user_id, welcome.account.display_name) == ("ann", "Ann Example")
    finally:
        await raw.close()


async def test_an_unknown_token_is_refused_and_log_in_still_works(
    server: EmbeddedServer,
) -> None:
    await (await signed_up(server.url, "ann")).close()
    raw = await Raw.open(server.url)
    try:
        assert (await raw.hello("forged")).account is None
        assert (await raw.expect(Error)).code == ProtocolCode.INVALID_TOKEN
        await raw.send(LogIn(id="in", username="ann", password=PASSWORD))
        signed_in = await raw.answer("in")
        assert isinstance(signed_in, SignedIn)
        assert signed_in.account.user_id == "ann"
    finally:
        await raw.close()


async def test_logging_out_revokes_the_token_and_closes_its_connections(
    server: EmbeddedServer,
) -> None:
    ann = await signed_up(server.url, "ann")
    twin = Client(server.url, token=ann.token)
    await twin.connect()
    try:
        await ann.log_out()
        await until_state(twin, ConnectionState.CLOSED)
        raw = await Raw.open(server.url)
        try:
            assert (await raw.hello(ann.token)).account is None
        finally:
            await raw.close()
    finally:
        await ann.close()
        await twin.close()


async def test_logging_out_everywhere_keeps_other_accounts_signed_in(
    server: EmbeddedServer,
) -> None:
    ann, bob = await signed_up(server.url, "ann"), await signed_up(server.url, "bob")
    laptop = Client(server.url)
    await laptop.connect()
    await laptop.log_in("ann", PASSWORD)
    try:
        await ann.log_out(everywhere=True)
        await until_state(laptop, ConnectionState.CLOSED)
        assert await bob.list_conversations() == ()
        with pytest.raises(ConnectionFailed):
            await laptop.list_conversations()
    finally:
        for client in (ann, bob, laptop):
            await client.close()


async def test_repeated_failed_log_ins_are_slowed_down(server: EmbeddedServer) -> None:
    await (await signed_up(server.url, "ann")).close()
    client = Client(server.url)
    await client.connect()
    try:
        for _ in range(5):
            await refused(client.log_in("ann", "wrong password"), ProtocolCode.BAD_CREDENTIALS)
        error = await refused(client.log_in("ann", PASSWORD), ProtocolCode.LOGIN_THROTTLED)
        assert error.retry_after is not None
        assert 0 < error.retry_after <= 1
        other = Client(server.url)
        await other.connect()
        try:
            await refused(other.log_in("ann", PASSWORD), ProtocolCode.LOGIN_THROTTLED)
        finally:
            await other.close()
    finally:
        await client.close()


async def test_usernames_are_unique(server: EmbeddedServer) -> None:
    await (await signed_up(server.url, "ann")).close()
    client = Client(server.url)
    await client.connect()
    try:
        with pytest.raises(ServerError) as caught:
            await client.sign_up("ann", PASSWORD, "Another Ann")
        assert caught.value.code == ProtocolCode.USERNAME_TAKEN
    finally:
        await client.close()


async def test_a_closed_signed_out_connection_says_why(server: EmbeddedServer) -> None:
    ann = await signed_up(server.url, "ann")
    raw = await Raw.open(server.url)
    try:
        await raw.hello(ann.token)
        await ann.log_out()
        assert await raw.closed() == CloseCode.SIGNED_OUT
    finally:
        await raw.close()
        await ann.close()

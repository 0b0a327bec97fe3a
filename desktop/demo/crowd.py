"""Gathering the demo's crowd: sign everyone up, add them to the conversation
with their audio connection and team, and let them act until the end.

The moderator's client (the app user's token) only adds the attendees and
disconnects; it never logs out, which would sign the app itself out.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager

import msgspec

from desktop.client import Client, ClientError, ConnectionFailed, ServerError
from desktop.core.commands import AddMember, Batch
from desktop.protocol import ProtocolCode
from desktop.protocol.codec import MAX_FRAME_BYTES

from .attendee import Attendee
from .logs import log
from .order import Order
from .people import Person, invent_people, unique_username

SIGN_UPS_AT_ONCE = 8
"""Sign-ups in flight together: each costs the server a password hash."""
ARRIVAL_WAIT = 30.0
"""Seconds for every attendee to receive the conversation after being added."""
BATCH_BYTES = MAX_FRAME_BYTES // 2
"""Room for the commands of one batch; the rest of the frame is the envelope."""
USERNAME_TRIES = 5


class DemoError(Exception):
    """The demo could not be set up; the message says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@asynccontextmanager
async def gathered(order: Order) -> AsyncIterator[list[Attendee]]:
    """Every attendee signed up, added and acting; all disconnected on exit."""
    people = invent_people(order.count, random.Random(order.seed))
    attendees: list[Attendee] = []
    try:
        moderator = await _moderator(order)
        try:
            await _sign_up_everyone(order, people, attendees)
            await _add_everyone(moderator, order.conversation_id, attendees)
        finally:
            await moderator.close()
        await _until_everyone_arrived(attendees)
        crowd = {attendee.user_id for attendee in attendees}
        for attendee in attendees:
            attendee.start(lambda user: user not in crowd)
        yield attendees
    finally:
        await asyncio.gather(*(attendee.close() for attendee in attendees), return_exceptions=True)


async def _moderator(order: Order) -> Client:
    client = Client(order.url, token=order.token, name="roomcast-demo")
    try:
        await client.connect()
    except ConnectionFailed as error:
        await client.close()
        raise DemoError(error.message) from None
    if client.account is None:
        await client.close()
        raise DemoError("The server refused the moderator's token.")
    log("moderator_connected", user=client.account.user_id)
    return client


async def _sign_up_everyone(order: Order, people: Sequence[Person], into: list[Attendee]) -> None:
    """Sign up a few at a time; ``into`` holds every client made, so that a
    failure half-way still closes them all."""
    for start in range(0, len(people), SIGN_UPS_AT_ONCE):
        chunk = people[start : start + SIGN_UPS_AT_ONCE]
        results = await asyncio.gather(
            *(_sign_up(order, start + offset, person, into) for offset, person in enumerate(chunk)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
    log("signed_up", attendees=len(into))


async def _sign_up(order: Order, index: int, person: Person, into: list[Attendee]) -> None:
    client = Client(order.url, name=f"roomcast-demo-{index}")
    rng = random.Random(f"{order.seed}/{index}")
    into.append(Attendee(client, person, order.conversation_id, order.behaviour, rng))
    try:
        await client.connect()
        await _create_account(client, person)
    except ClientError as error:
        raise DemoError(f"Signing up {person.display_name} failed: {error}") from None


async def _create_account(client: Client, person: Person) -> None:
    """Sign up as ``person``; a taken username gets a number (a server that
    has seen a demo before)."""
    password = secrets.token_urlsafe(18)
    taken: set[str] = set()
    username = person.username
    for _ in range(USERNAME_TRIES):
        try:
            await client.sign_up(username, password, person.display_name)
        except ServerError as error:
            if error.code != ProtocolCode.USERNAME_TAKEN:
                raise
            taken.add(username)
            username = unique_username(person.display_name, taken)
        else:
            return
    raise DemoError(f"No free username for {person.display_name}.")


async def _add_everyone(moderator: Client, conversation_id: str, attendees: list[Attendee]) -> None:
    adds = [
        AddMember(
            user_id=attendee.user_id,
            audio=attendee.person.audio,
            attributes={"team": attendee.person.team},
        )
        for attendee in attendees
    ]
    try:
        for batch in batches(adds):
            await moderator.execute(conversation_id, batch)
    except ServerError as error:
        raise DemoError(f"Adding the attendees was refused: {error.message}") from None
    log("attendees_added", conversation=conversation_id, attendees=len(adds))


def batches(adds: Sequence[AddMember], limit: int = BATCH_BYTES) -> Iterator[Batch]:
    """Group the commands into batches that each fit in one frame to the server."""
    chunk: list[AddMember] = []
    size = 0
    for add in adds:
        length = len(msgspec.json.encode(add)) + 1  # and a comma
        if chunk and size + length > limit:
            yield Batch(commands=tuple(chunk))
            chunk, size = [], 0
        chunk.append(add)
        size += length
    if chunk:
        yield Batch(commands=tuple(chunk))


async def _until_everyone_arrived(attendees: list[Attendee]) -> None:
    try:
        async with asyncio.timeout(ARRIVAL_WAIT):
            await asyncio.gather(*(attendee.arrived() for attendee in attendees))
    except TimeoutError:
        raise DemoError(
            f"The attendees did not receive the conversation within {ARRIVAL_WAIT:.0f} s."
        ) from None

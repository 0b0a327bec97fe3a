"""A call's mesh decisions: too many callers for peer to peer, who offers, and
that a closed call stays closed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from desktop.core import UserId
from desktop.media.call import MESH_LIMIT, Call
from desktop.media.events import CallEvent, CallTooLarge, PeerChanged
from desktop.media.ice import loopback_only
from desktop.media.mixer import Mixer
from desktop.media.peer import PeerState
from desktop.media.tracks import AudioFanout
from desktop.protocol.messages import SignalKind

pytestmark = pytest.mark.asyncio

ME = UserId("ann")


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[UserId, SignalKind]] = []
        self.sdps: list[str] = []

    def send(self, to: UserId, kind: SignalKind, sdp: str) -> None:
        assert sdp.startswith("v=0")
        self.sent.append((to, kind))
        self.sdps.append(sdp)


@pytest.fixture(autouse=True)
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


def a_call(outbox: Outbox, told: list[CallEvent], me: UserId = ME) -> Call:
    return Call(
        me,
        mixer=Mixer(),
        fanout=AudioFanout(),
        signaling=outbox,
        tell=told.append,
        clock=time.perf_counter,
    )


async def test_a_room_above_the_limit_connects_nobody_and_says_so() -> None:
    outbox, told = Outbox(), list[CallEvent]()
    call = a_call(outbox, told)
    crowd = [ME, *(UserId(f"user{n}") for n in range(MESH_LIMIT))]
    await call.set_members(crowd)
    assert told == [CallTooLarge(callers=MESH_LIMIT + 1, limit=MESH_LIMIT)]
    assert outbox.sent == []
    await call.close()


async def test_the_smaller_id_offers_once_the_room_is_small_enough_again() -> None:
    outbox, told = Outbox(), list[CallEvent]()
    call = a_call(outbox, told)
    await call.set_members([ME, *(UserId(f"user{n}") for n in range(MESH_LIMIT))])
    await call.set_members([ME, UserId("zed"), UserId("abe")])
    assert outbox.sent == [(UserId("zed"), SignalKind.OFFER)]  # "abe" < "ann" offers to us
    assert PeerChanged(user=UserId("zed"), state=PeerState.CONNECTING) in told
    await call.close()
    assert told[-1] == PeerChanged(user=UserId("zed"), state=PeerState.CLOSED)


async def test_a_closed_call_connects_nobody_and_leaves_nothing_in_the_mix() -> None:
    """Whatever reaches a call after it closed (a member list, an offer) makes no
    connection: a voice it made would stay in the engine's mixer, shared with the
    next call, and take the place of the same person's voice there."""
    outbox, told = Outbox(), list[CallEvent]()
    call = a_call(outbox, told)
    await call.set_members([ME, UserId("zed")])
    await call.close()
    assert call.voices == {}

    caller_outbox = Outbox()
    caller = a_call(caller_outbox, [], me=UserId("abe"))
    await caller.set_members([UserId("abe"), ME])
    [offer] = caller_outbox.sdps
    told.clear()
    await call.set_members([ME, UserId("zed"), UserId("yan")])
    await call.on_signal(UserId("abe"), SignalKind.OFFER, offer)
    assert outbox.sent == [(UserId("zed"), SignalKind.OFFER)]
    assert told == []
    assert call.voices == {}
    await caller.close()

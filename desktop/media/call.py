"""One room's call: the mesh of peers and, for each of them, their voice.

The call keeps a :class:`Peer` per person it is connected to and a :class:`Voice`
per person it hears: the voice takes their RTP payloads into a playout buffer,
which the engine's pump turns into PCM in the mixer. Everything here runs on the
media loop; nothing waits on the network while holding audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from aiortc import RTCIceServer
from aiortc.exceptions import InvalidAccessError, InvalidStateError

from desktop.core import UserId
from desktop.protocol.messages import SignalKind

from .events import CallEvent, CallTooLarge, PeerChanged, PictureChanged
from .mixer import Mixer
from .opus import OpusDecoder
from .pcm import BLOCK_SAMPLES, PcmRing
from .peer import Peer, PeerState, makes_offer
from .playout import PlayoutBuffer
from .tracks import AudioFanout, VideoFanout

LOW_RING = 2 * BLOCK_SAMPLES
"""Samples left in a voice's ring below which the pump asks its playout buffer."""

MESH_LIMIT = 8
"""Callers a peer-to-peer call takes; a larger room needs a media server."""

RETRY_SECONDS = 2.0
"""How long the offering side waits before it offers again after a failure."""

logger = logging.getLogger(__name__)


class Signaling(Protocol):
    """Sends an offer, answer or hang-up to someone in the same call."""

    def send(self, to: UserId, kind: SignalKind, sdp: str) -> None: ...


class Voice:
    """What we hear of one person: their packets in, their PCM in the mixer."""

    def __init__(self, user: UserId, mixer: Mixer, clock: Callable[[], float]) -> None:
        self.user = user
        self._clock = clock
        self._decoder = OpusDecoder()
        self.playout = PlayoutBuffer(self._decoder)
        self.ring: PcmRing = mixer.add_source(user)

    def on_packet(self, sequence: int, timestamp: int, payload: bytes) -> None:
        now = self._clock()
        self.playout.push(sequence, timestamp, payload, now)
        self.playout.fill(self.ring, now)

    def top_up(self, now: float) -> None:
        """Between packets: only a ring about to run dry needs the playout buffer
        (to recover or conceal a frame); each packet fills the ring as it comes."""
        if self.ring.available < LOW_RING:
            self.playout.fill(self.ring, now)

    def close(self) -> None:
        """Free the decoder, once nothing delivers packets any more."""
        self._decoder.close()


class Call:
    """The mesh of one room's call, as seen by ``me``.

    ``fanout`` is None for Just Listening: nothing is sent and no microphone is open.
    ``video`` carries our camera's encoded pictures to every peer, when it is on.
    """

    def __init__(
        self,
        me: UserId,
        *,
        mixer: Mixer,
        fanout: AudioFanout | None,
        signaling: Signaling,
        tell: Callable[[CallEvent], None],
        clock: Callable[[], float],
        video: VideoFanout | None = None,
        ice_servers: tuple[RTCIceServer, ...] = (),
    ) -> None:
        self.me = me
        self._video = video
        self._mixer = mixer
        self._fanout = fanout
        self._signaling = signaling
        self._tell = tell
        self._clock = clock
        self._ice_servers = ice_servers
        self._members: frozenset[UserId] = frozenset()
        self._peers: dict[UserId, Peer] = {}
        self.voices: dict[UserId, Voice] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.too_large = False
        self._closed = False

    async def set_members(self, members: Iterable[UserId]) -> None:
        """Who else is in the call now: connect to newcomers, let go of leavers."""
        if self._closed:
            return
        others = frozenset(members) - {self.me}
        self._members = others
        self.too_large = len(others) + 1 > MESH_LIMIT
        if self.too_large:
            self._tell(CallTooLarge(callers=len(others) + 1, limit=MESH_LIMIT))
            others = frozenset()
        for user in set(self._peers) - others:
            await self._drop(user)
        for user in sorted(others - set(self._peers)):
            if makes_offer(self.me, user):
                await self._offer(user)

    async def on_signal(self, sender: UserId, kind: SignalKind, sdp: str) -> None:
        """Answer an offer, accept an answer, or drop the sender on a hang-up.

        A description that does not fit (a stale answer, a malformed offer) drops
        that one connection; the offering side offers again.
        """
        try:
            await self._on_signal(sender, kind, sdp)
        except (ValueError, InvalidStateError, InvalidAccessError) as error:
            logger.warning("call.signal_refused peer=%s kind=%s error=%s", sender, kind, error)
            if (peer := self._peers.get(sender)) is not None:
                self._start(self._let_go(peer))

    async def _on_signal(self, sender: UserId, kind: SignalKind, sdp: str) -> None:
        if self._closed:
            return
        match kind:
            case SignalKind.OFFER if not self.too_large:
                await self._drop(sender)
                peer = self._connect(sender)
                self._signaling.send(sender, SignalKind.ANSWER, await peer.answer(sdp))
            case SignalKind.ANSWER if (offered := self._peers.get(sender)) is not None:
                await offered.accept(sdp)
            case SignalKind.HANGUP:
                await self._drop(sender)

    async def close(self) -> None:
        """Let go of every connection; a closed call connects nobody again.

        Closed first: a connection that fails while the others are being closed
        must not start a retry, whose voice would outlive the call in the mixer.
        """
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # No hang-ups: the server tells everyone who left through ``call_state``,
        # and a hang-up still on its way could reach a peer we meet in the next call.
        for user in list(self._peers):
            await self._drop(user)

    def top_up(self, now: float) -> None:
        for voice in self.voices.values():
            voice.top_up(now)

    async def _offer(self, user: UserId) -> None:
        if self._closed:
            return
        peer = self._connect(user)
        self._signaling.send(user, SignalKind.OFFER, await peer.offer())

    def _connect(self, user: UserId) -> Peer:
        voice = self.voices.get(user)
        if voice is None:
            voice = self.voices[user] = Voice(user, self._mixer, self._clock)
        peer = Peer(
            user,
            fanout=self._fanout,
            on_packet=voice.on_packet,
            on_state=lambda state: self._on_peer_state(peer, state),
            video=self._video,
            show=lambda picture: self._tell(PictureChanged(user, picture)),
            ice_servers=self._ice_servers,
        )
        self._peers[user] = peer
        self._tell(PeerChanged(user=user, state=PeerState.CONNECTING))
        return peer

    async def _drop(self, user: UserId) -> None:
        """Close the connection to ``user`` and take their voice out of the mix.

        Both leave the call before the first ``await``: a new connection to the
        same person made meanwhile (they offered again) is theirs to keep.
        """
        peer = self._peers.pop(user, None)
        voice = self.voices.pop(user, None)
        if voice is not None:
            self._mixer.remove_source(user)
        if peer is not None:
            await peer.close()
        if voice is not None:
            voice.close()
        if peer is not None:
            self._tell(PeerChanged(user=user, state=PeerState.CLOSED))

    def _on_peer_state(self, peer: Peer, state: PeerState) -> None:
        """A connection we did not close that fails or closes (the other side went
        away, or its network did) is let go; the offering side offers again if the
        other person is still in the call. CLOSED is told once, by ``_drop``."""
        user = peer.remote
        if self._peers.get(user) is not peer:
            return
        if state in (PeerState.FAILED, PeerState.CLOSED):
            self._tell(PeerChanged(user=user, state=PeerState.FAILED))
            self._start(self._let_go(peer))
            return
        self._tell(PeerChanged(user=user, state=state))

    async def _let_go(self, peer: Peer) -> None:
        """Drop ``peer`` (unless it was replaced meanwhile) and offer again later."""
        user = peer.remote
        if self._peers.get(user) is peer:
            await self._drop(user)
        if makes_offer(self.me, user) and user in self._members:
            await self._retry(user)

    async def _retry(self, user: UserId) -> None:
        await asyncio.sleep(RETRY_SECONDS)  # a back-off, not a synchronisation
        if user in self._members and user not in self._peers and not self.too_large:
            logger.info("call.retry peer=%s", user)
            await self._offer(user)

    def _start(self, coroutine: object) -> None:
        assert asyncio.iscoroutine(coroutine)
        if self._closed:
            coroutine.close()
            return
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

"""The playout buffer of one remote peer: Opus packets in, 20 ms of PCM at a time out.

Packets arrive on the media loop (``push``) in whatever order and rhythm the
network gives; ``fill`` (after every push and on a ~10 ms tick) decodes them in
order into the peer's :class:`PcmRing`, which the mixer drains from the sound
device's callback. The buffer keeps just enough audio queued to ride out the
network's recent jitter:

- **Slack.** What matters is how much audio is queued ahead of a packet when it
  arrives. Measured for a packet that arrived with the least network delay, that is
  the *slack*; the buffer aims at ``target`` = refill level + jitter allowance +
  a small margin. The allowance is the 95th percentile of how late recent arrivals
  were; packets arriving together count as one arrival (as late as the latest of
  them), so the burst after a single stall does not inflate it.
- **Missing frames.** While the ring still holds more than one device block the
  buffer waits for a missing frame; when it is about to run dry it recovers the
  frame from the next packet's FEC data, or conceals it. If nothing newer has
  arrived at all, the concealed frame is *inserted* (the frame is still awaited):
  a late packet then still plays, and the buffer has grown by a frame. When newer
  packets arrive, inserted frames count against the frames found lost, and
  whatever was inserted beyond them is owed back.
- **Catching up.** Owed frames, slack above target for half a second, and any
  backlog of 60 ms or more are removed by leaving out decoded audio: whole frames,
  or the head of a frame for less than a frame, quiet frames first, always with a
  2.5 ms crossfade. Delay returns to target within a second instead of growing
  for good.
- **Stopping.** After five inserted frames with nothing arriving (a peer that
  stopped or went quiet with DTX) the buffer stops producing; the mixer plays
  silence. The next packet starts the stream afresh at its position.

Time comes in as arguments (``arrival``, ``now``, in seconds on any monotonic
clock), so the decisions are deterministic and testable.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from desktop.media.errors import MediaError
from desktop.media.opus import OpusDecoder
from desktop.media.pcm import BLOCK_SAMPLES, FRAME_SAMPLES, SAMPLE_RATE, PcmRing, Samples

MARGIN = 120
"""Samples of slack on top of refill level and jitter allowance (2.5 ms)."""
MAX_INSERTED = 5
"""Concealed frames inserted in a row before the buffer stops producing (100 ms)."""
SHRINK_AFTER = 25
"""Packets of slack measurements before deciding to shrink (0.5 s)."""
SHRINK_THRESHOLD = 240
"""Samples of slack above target, for half a second, that are worth trimming (5 ms)."""
JUMP_FRAMES = 3
"""A backlog this many frames above target is dropped at once (60 ms)."""
QUIET_WAIT = 10
"""Frames to wait for a quiet one to drop before dropping whatever comes."""
QUIET_RATIO = 0.25
"""A frame is quiet below this fraction of recent average energy."""
QUIET_FLOOR = 1e-5
"""A frame is quiet below this mean square (-50 dBFS) whatever came before: in a
pause the codec's faint noise is as loud as its average, and the frame to drop
must not be the first one of speech after it."""
FADE = 120
"""Crossfade length over a dropped frame (2.5 ms)."""
NEW_STREAM_DISTANCE = 50
"""Frames (1 s) of sequence distance beyond which a packet starts a new stream."""


@dataclass
class PlayoutCounts:
    """Frames and packets by fate, since the buffer was created."""

    decoded: int = 0
    """Frames decoded from their own packet and played."""
    fec: int = 0
    """Lost frames recovered from the next packet's FEC data."""
    concealed: int = 0
    """Frames made up by packet-loss concealment (lost, or inserted while waiting)."""
    late: int = 0
    """Packets that came after their frame had been played or concealed."""
    duplicates: int = 0
    dropped: int = 0
    """Frames decoded and left out whole to bring delay back to target."""
    trimmed: int = 0
    """Frames played shortened, for the same reason."""


@dataclass(frozen=True)
class PlayoutStats:
    """Counters and the current delays, for tests, benchmarks and the UI."""

    decoded: int
    fec: int
    concealed: int
    late: int
    duplicates: int
    dropped: int
    trimmed: int
    target_ms: float
    """The slack aimed at: refill level + jitter allowance + margin."""
    queued_ms: float
    """Audio queued ahead of the newest packet's end: ring + frames up to it."""
    jitter_ms: float
    playing: bool


class ArrivalJitter:
    """How late packets arrive compared with the quickest of the last two seconds.

    A packet's transit is its arrival time minus its media time (RTP timestamp);
    the smallest recent transit is the reference, and a packet's *lateness* is how
    far it is above it. Packets arriving within a millisecond of each other form
    one arrival event whose lateness is their largest; the allowance is the 95th
    percentile over the last hundred events.
    """

    WINDOW = 2.0
    EVENTS = 100
    SAME_EVENT = 0.001
    DISCONTINUITY = 1.0

    def __init__(self) -> None:
        self._transits: deque[tuple[float, float]] = deque()
        self._lateness: deque[float] = deque()
        self._ordered: list[float] = []  # the same values, kept sorted
        self._last_arrival = -math.inf

    def observe(self, media_time: float, arrival: float) -> float:
        """Record one packet; return its lateness in seconds."""
        transit = arrival - media_time
        if self._transits and abs(transit - self._transits[0][1]) > self.DISCONTINUITY:
            self.reset_reference()  # the sender's clock jumped: a new timeline
        while self._transits and self._transits[-1][1] >= transit:
            self._transits.pop()
        self._transits.append((arrival, transit))
        while self._transits[0][0] < arrival - self.WINDOW:
            self._transits.popleft()
        lateness = transit - self._transits[0][1]
        if arrival - self._last_arrival > self.SAME_EVENT or not self._lateness:
            if len(self._lateness) == self.EVENTS:
                self._forget(self._lateness.popleft())
            self._remember(lateness)
        elif lateness > self._lateness[-1]:
            self._forget(self._lateness.pop())
            self._remember(lateness)
        self._last_arrival = arrival
        return lateness

    def allowance(self) -> float:
        """Seconds of lateness to absorb: the 95th percentile of recent events.

        Asked on every fill, so the events are kept in order as they come and go
        rather than sorted for each question."""
        ordered = self._ordered
        if not ordered:
            return 0.0
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def _remember(self, lateness: float) -> None:
        self._lateness.append(lateness)
        bisect.insort(self._ordered, lateness)

    def _forget(self, lateness: float) -> None:
        del self._ordered[bisect.bisect_left(self._ordered, lateness)]

    def reset_reference(self) -> None:
        """Forget the transit reference (the lateness history stays meaningful)."""
        self._transits.clear()


def unwrap(value: int, reference: int, bits: int) -> int:
    """Extend a wrapping ``bits``-bit counter to the integer nearest ``reference``."""
    span = 1 << bits
    delta = (value - reference + span // 2) % span - span // 2
    return reference + delta


class PlayoutBuffer:
    """Orders, decodes, conceals and paces one peer's Opus packets; see the module.

    ``push`` and ``fill`` belong to the media loop; ``stats`` may be read from any
    thread (a snapshot of plain numbers). ``refill_level`` is how few samples may
    be left in the ring before a missing frame is made up: one device block, as
    ``fill`` runs at least once per block. Frames are expected to be 20 ms, as
    browsers and our own sender send them; a packet that cannot be decoded into
    20 ms is concealed.
    """

    def __init__(
        self, decoder: OpusDecoder | None = None, refill_level: int = BLOCK_SAMPLES
    ) -> None:
        self._decoder = decoder if decoder is not None else OpusDecoder()
        self._refill = refill_level
        self._jitter = ArrivalJitter()
        self._counts = PlayoutCounts()
        self._packets: dict[int, bytes] = {}
        self._ring: PcmRing | None = None
        self._frame: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        self._held: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        self._silence: Samples = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        ramp = ((np.arange(FADE) + 0.5) / FADE).astype(np.float32)
        self._fade_in: Samples = ramp
        self._fade_out: Samples = (1 - ramp).astype(np.float32)
        self._started = self._playing = self._prefill = False
        self._next = 0  # extended sequence number of the next frame to produce
        self._highest = 0
        self._timestamp = 0  # extended RTP timestamp of the highest packet
        self._origin = 0  # RTP timestamp of the first packet
        self._played_mask = 0  # bit i set: frame next-1-i was decoded from its packet
        self._inserted = 0
        self._owed = 0  # samples to leave out to come back to target
        self._urgent = False
        self._trim_wait = 0
        self._crossfade = False
        self._energy = 0.0  # recent mean square of played frames
        self._arrived: tuple[int, float, float] | None = None
        self._slack_min = math.inf
        self._slack_count = 0

    # Packets in

    def push(self, sequence: int, timestamp: int, payload: bytes, arrival: float) -> None:
        """Take one RTP packet (16-bit sequence, 32-bit timestamp) that arrived at
        ``arrival`` seconds."""
        if not self._started:
            self._started = True
            self._highest, self._timestamp, self._origin = sequence, timestamp, timestamp
        extended = unwrap(sequence, self._highest, 16)
        stamp = unwrap(timestamp, self._timestamp, 32)
        if self._starts_stream(extended):
            self._resync(extended)
        elif extended < self._next or extended in self._packets:
            if not self._is_duplicate(extended):
                self._counts.late += 1
                self._jitter.observe(self._media_time(stamp), arrival)
            return
        lateness = self._jitter.observe(self._media_time(stamp), arrival)
        self._packets[extended] = payload
        if extended >= self._highest:
            self._highest, self._timestamp = extended, stamp
        self._arrived = (extended, lateness, arrival)

    def _media_time(self, stamp: int) -> float:
        """Seconds of media since the first packet (small numbers keep floats exact)."""
        return (stamp - self._origin) / SAMPLE_RATE

    def _starts_stream(self, extended: int) -> bool:
        """Whether the packet (re)starts the stream: the first after a pause, or one
        too far ahead to wait for (a sender that jumped). While playing, packets far
        behind are late; once they have stopped the stream, the next one restarts it."""
        distance = extended - self._next
        if self._playing:
            return distance > NEW_STREAM_DISTANCE
        return distance >= 0 or -distance > NEW_STREAM_DISTANCE

    def _resync(self, extended: int) -> None:
        """Start the stream afresh at ``extended``: nothing older, nothing owed."""
        self._packets.clear()
        self._next = self._highest = extended
        self._played_mask = self._inserted = self._owed = 0
        self._urgent = self._crossfade = False
        self._playing = self._prefill = True
        self._jitter.reset_reference()
        self._reset_slack()

    def _is_duplicate(self, extended: int) -> bool:
        behind = self._next - 1 - extended
        played = 0 <= behind < 64 and bool((self._played_mask >> behind) & 1)
        if played or extended in self._packets:
            self._counts.duplicates += 1
            return True
        return False

    # PCM out

    def fill(self, ring: PcmRing, now: float) -> None:
        """Decode into ``ring`` up to the target level; call after each push and
        at least every 10 ms."""
        self._ring = ring
        if not self._playing:
            return
        target = self._target_slack(ring.capacity)
        if self._prefill:
            self._write_silence(ring, target - ring.available)
            self._prefill = False
        self._measure_slack(ring, now, target)
        while ring.available < target + FRAME_SAMPLES and ring.free >= FRAME_SAMPLES:
            if not self._produce(ring):
                break

    def _produce(self, ring: PcmRing) -> bool:
        """Produce the next frame into ``ring`` if it is due; False to wait."""
        payload = self._packets.pop(self._next, None)
        if payload is not None:
            self._play_packet(ring, payload)
            return True
        if ring.available >= self._refill:
            return False  # still audio to play: the frame may yet come
        if self._highest > self._next:
            self._settle_inserted()
            if self._next not in self._packets:
                self._recover(ring)
            return True
        if self._inserted >= MAX_INSERTED:
            self._playing = False  # the peer went quiet: let the mixer play silence
            return False
        self._conceal(ring)
        self._inserted += 1
        self._reset_slack()
        return True

    def _play_packet(self, ring: PcmRing, payload: bytes) -> None:
        self._inserted = 0
        try:
            count = self._decoder.decode(payload, self._frame)
        except MediaError:
            self._advance(played=False)
            self._conceal(ring)
            return
        self._advance(played=True)
        energy = float(np.dot(self._frame[:count], self._frame[:count])) / max(count, 1)
        cut = self._trim(count, energy)
        if cut == count:
            return
        self._energy += 0.1 * (energy - self._energy)
        self._counts.decoded += 1
        self._write(ring, count, cut)

    def _recover(self, ring: PcmRing) -> None:
        """Make up the missing next frame: from the following packet's FEC data if
        it is here, by concealment if not."""
        following = self._packets.get(self._next + 1)
        self._advance(played=False)
        if following is None:
            self._conceal(ring)
            return
        try:
            count = self._decoder.decode_fec(following, self._frame)
        except MediaError:
            count = self._decoder.conceal(self._frame)
        if self._decoder.has_fec(following):
            self._counts.fec += 1
        else:
            self._counts.concealed += 1
        self._write(ring, count)

    def _conceal(self, ring: PcmRing) -> None:
        count = self._decoder.conceal(self._frame)
        self._counts.concealed += 1
        self._write(ring, count)

    def _settle_inserted(self) -> None:
        """Newer packets came while frames were inserted: the inserted frames stand
        for the lost ones (but one left for FEC to recover); the rest are owed back."""
        if not self._inserted:
            return
        gap = 1
        while self._next + gap not in self._packets and self._next + gap < self._highest:
            gap += 1
        recoverable = self._decoder.has_fec(self._packets[self._next + gap])
        credit = min(self._inserted, gap - 1 if recoverable else gap)
        for _ in range(credit):
            self._advance(played=False)
        self._owe((self._inserted - credit) * FRAME_SAMPLES, urgent=False)
        self._inserted = 0

    def _advance(self, played: bool) -> None:
        self._next += 1
        self._played_mask = ((self._played_mask << 1) | played) & ((1 << 64) - 1)

    def _trim(self, count: int, energy: float) -> int:
        """How many samples to leave out at the start of the frame just decoded:
        all of it, part of it (up to the crossfade), or none."""
        if not self._owed:
            return 0
        self._trim_wait += 1
        quiet = energy <= QUIET_RATIO * self._energy or energy <= QUIET_FLOOR
        if not (self._urgent or quiet or self._trim_wait > QUIET_WAIT):
            return 0
        if self._owed >= count:
            self._frame, self._held = self._held, self._frame
            self._crossfade = True
            self._counts.dropped += 1
            cut = count
        else:
            cut = min(self._owed, count - FADE)
            self._counts.trimmed += 1
        self._owed -= cut
        self._trim_wait = 0
        if not self._owed:
            self._reset_slack()
        return cut

    def _write(self, ring: PcmRing, count: int, cut: int = 0) -> None:
        """Write the frame from ``cut`` on, crossfading over what was left out."""
        frame, held = self._frame, self._held
        if self._crossfade:  # from the head of a dropped frame into this one
            blend(frame[:FADE], held[:FADE], self._fade_in, self._fade_out)
            self._crossfade = False
        if cut:  # from this frame's head into the part after the cut
            held[:FADE] = frame[:FADE]
            blend(frame[cut : cut + FADE], held[:FADE], self._fade_in, self._fade_out)
        ring.write(frame[cut:count])

    def _write_silence(self, ring: PcmRing, count: int) -> None:
        while count > 0 and (written := ring.write(self._silence[: min(count, FRAME_SAMPLES)])):
            count -= written

    # Delay control

    def _target_slack(self, capacity: int) -> int:
        """Samples to have queued ahead of a packet that arrives with the least delay."""
        allowance = round(self._jitter.allowance() * SAMPLE_RATE)
        return min(self._refill + allowance + MARGIN, capacity - 2 * FRAME_SAMPLES)

    def _measure_slack(self, ring: PcmRing, now: float, target: int) -> None:
        """Slack of the packet that just arrived, as if it had come with the least
        delay; owe what is above target once it stays there, or at once if large."""
        if self._arrived is None:
            return
        extended, lateness, arrival = self._arrived
        self._arrived = None
        # While frames are inserted it is open whether they stand for lost frames
        # (then they move the stream on) or for a late one (then they add delay).
        if extended < self._next or self._owed or self._inserted:
            return
        ahead = ring.available + (extended - self._next) * FRAME_SAMPLES
        slack = ahead + round((lateness + max(0.0, now - arrival)) * SAMPLE_RATE)
        if slack - target >= JUMP_FRAMES * FRAME_SAMPLES:
            self._owe(slack - target, urgent=True)
            return
        self._slack_min = min(self._slack_min, slack)
        self._slack_count += 1
        if self._slack_count >= SHRINK_AFTER:
            if self._slack_min - target >= SHRINK_THRESHOLD:
                self._owe(int(self._slack_min - target), urgent=False)
            self._reset_slack()

    def _owe(self, samples: int, urgent: bool) -> None:
        self._owed += samples
        self._urgent = self._urgent or urgent

    def _reset_slack(self) -> None:
        self._slack_min = math.inf
        self._slack_count = 0
        if not self._owed:
            self._urgent = False
            self._trim_wait = 0

    # Reporting

    @property
    def stats(self) -> PlayoutStats:
        ring = self._ring
        level = ring.available if ring is not None else 0
        target = self._target_slack(ring.capacity if ring is not None else 1 << 30)
        ahead = self._highest - self._next
        # Inserted frames stand for missing ones once newer packets are here.
        waiting = ahead + 1 - min(self._inserted, ahead) if self._playing and ahead >= 0 else 0
        counts = self._counts
        return PlayoutStats(
            decoded=counts.decoded,
            fec=counts.fec,
            concealed=counts.concealed,
            late=counts.late,
            duplicates=counts.duplicates,
            dropped=counts.dropped,
            trimmed=counts.trimmed,
            target_ms=1000 * target / SAMPLE_RATE,
            queued_ms=1000 * (level + waiting * FRAME_SAMPLES) / SAMPLE_RATE,
            jitter_ms=1000 * self._jitter.allowance(),
            playing=self._playing,
        )

    def close(self) -> None:
        """Free the decoder."""
        self._decoder.close()


def blend(target: Samples, other: Samples, fade_in: Samples, fade_out: Samples) -> None:
    """``target`` fades in while ``other`` fades out, in place (``other`` is spoiled)."""
    np.multiply(target, fade_in, out=target)
    np.multiply(other, fade_out, out=other)
    np.add(target, other, out=target)

"""The demo's attendees against a real server: a child process signs up a crowd,
adds it to the moderator's conversation, and the crowd acts as people would
while breakout rooms run. Every wait is on what the moderator's client sees."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from audiokit import Recorder, Tone, sounding, virtual_devices
from netkit import Clock, running, server_settings, signed_up, state, told, until, view
from rtckit import Connections

from desktop.client import Client
from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Member,
    Placement,
    Role,
    UserId,
)
from desktop.core.commands import (
    Command,
    EndBreakouts,
    PlaceAttendees,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.core.events import MessagePosted
from desktop.demo import Behaviour, DemoAttendees, DemoFailed
from desktop.demo.attendee import GREETINGS
from desktop.media.engine import MediaEngine
from desktop.media.follow import CallFollower
from desktop.media.ice import loopback_only
from desktop.protocol.notices import HelpNeeded
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

PROC = Path("/proc")
needs_proc = pytest.mark.skipif(not (PROC / "self").exists(), reason="lists processes in /proc")

QUICK = Behaviour(
    reaction=(0.0, 0.05),
    greet_probability=0.0,
    help_probability=0.0,
    phone_switch_probability=0.0,
)
"""People who react at once and do nothing unasked; tests turn single habits on."""

ROOMS = ("Team Alpha", "Team Beta", "Team Gamma")
AUDIBLE_DBFS = -30.0


@dataclass
class Host:
    """The app's local user: the moderator of "Workshop"."""

    url: str
    client: Client
    conversation_id: str

    @property
    def token(self) -> str:
        assert self.client.token is not None
        return self.client.token

    def attendees(self) -> list[Member]:
        members = state(self.client, self.conversation_id).members.values()
        return [member for member in members if member.role is Role.PARTICIPANT]

    def talkers(self) -> list[Member]:
        """The attendees who use the app's calls (everyone not on the phone)."""
        return [m for m in self.attendees() if m.audio is not AudioConnection.PHONE]

    def in_call(self, user: UserId) -> object:
        return view(self.client, self.conversation_id).call_of(user)

    async def execute(self, *commands: Command) -> None:
        for command in commands:
            await self.client.execute(self.conversation_id, command)

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        await until(self.client, condition, what)


@pytest_asyncio.fixture
async def host(server: EmbeddedServer) -> AsyncIterator[Host]:
    client = await signed_up(server.url, "host", "Workshop Host")
    cid = await client.create_conversation("Workshop")
    await until(client, lambda: cid in client.mirror.conversations, "the conversation")
    try:
        yield Host(server.url, client, cid)
    finally:
        await client.close()


@asynccontextmanager
async def demo(
    host: Host, count: int, behaviour: Behaviour = QUICK
) -> AsyncIterator[DemoAttendees]:
    """``count`` attendees running; on the way out the child must exit with 0."""
    attendees = DemoAttendees(behaviour=behaviour, seed=7)
    joined = await attendees.start(host.url, host.token, host.conversation_id, count)
    assert joined == count
    await host.until(lambda: len(host.attendees()) == count, f"{count} attendees")
    try:
        yield attendees
    except BaseException:
        await attendees.stop()
        raise
    assert await attendees.stop() == 0


def all_in_main_call(host: Host) -> Callable[[], bool]:
    return lambda: all(host.in_call(m.user_id) is None for m in host.talkers())


def all_in_their_rooms_calls(host: Host) -> Callable[[], bool]:
    def check() -> bool:
        breakouts = state(host.client, host.conversation_id).breakouts
        return all(
            m.user_id in breakouts.plan.rooms_of
            and host.in_call(m.user_id) == breakouts.plan.rooms_of[m.user_id]
            for m in host.talkers()
        )

    return check


def muted(host: Host, user: UserId) -> bool:
    for call in view(host.client, host.conversation_id).calls.values():
        for participant in call.participants:
            if participant.user_id == user:
                return participant.muted
    raise AssertionError(f"{user} is in no call")


def demo_children() -> list[int]:
    """The ``python -m desktop.demo`` processes this test process has running
    (where /proc lists processes; elsewhere none are seen)."""
    found: list[int] = []
    if not PROC.exists():
        return found
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # it ended while we looked
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"desktop.demo" in command:
            found.append(int(entry.name))
    return found


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_the_attendees_join_with_every_audio_connection_and_leave_at_stop(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="roomcast.demo")
    attendees = DemoAttendees(behaviour=QUICK)
    assert await attendees.start(host.url, host.token, host.conversation_id, 12) == 12
    pid = attendees.pid
    assert pid is not None
    await host.until(lambda: len(host.attendees()) == 12, "12 attendees")
    members = host.attendees()
    audio = Counter(member.audio for member in members)
    assert audio == {
        AudioConnection.PHONE: 2,
        AudioConnection.JUST_LISTENING: 2,
        AudioConnection.VOIP: 8,
    }
    assert len({member.display_name for member in members}) == 12
    assert all(member.attributes.get("team") for member in members)

    await host.until(all_in_main_call(host), "everyone not on the phone in the main call")
    for member in members:
        if member.audio is AudioConnection.PHONE:
            assert host.in_call(member.user_id) is False
        else:
            assert muted(host, member.user_id) is (member.audio is AudioConnection.JUST_LISTENING)

    assert await attendees.stop() == 0
    assert not attendees.running
    assert process_gone(pid)
    assert demo_children() == []
    await host.until(
        lambda: all(host.in_call(m.user_id) is False for m in members), "the calls to empty"
    )
    lines = [record.getMessage() for record in caplog.records]
    assert any("event=demo_ready" in line and "attendees=12" in line for line in lines)
    assert not [line for line in lines if host.token in line]


async def test_forty_attendees_from_many_places(host: Host) -> None:
    async with demo(host, 40):
        members = host.attendees()
        audio = Counter(member.audio for member in members)
        assert audio == {
            AudioConnection.PHONE: 8,
            AudioConnection.JUST_LISTENING: 8,
            AudioConnection.VOIP: 24,
        }
        assert len({member.display_name for member in members}) == 40
        assert len({member.display_name.split()[-1] for member in members}) >= 20
        await host.until(all_in_main_call(host), "32 attendees in the main call")


async def test_in_a_session_they_join_their_rooms_calls_and_come_back(host: Host) -> None:
    greeting = Behaviour(reaction=(0.0, 0.05), greet_probability=1.0, help_probability=0.0)
    async with demo(host, 12, greeting):
        automatic = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
        await host.execute(SetUpBreakouts(room_names=ROOMS, settings=automatic), StartBreakouts())
        await host.until(all_in_their_rooms_calls(host), "everyone in their room's call")
        for member in host.talkers():
            assert muted(host, member.user_id) is (member.audio is AudioConnection.JUST_LISTENING)

        def greeted() -> bool:
            chats = view(host.client, host.conversation_id).chats
            authors = {
                record.body.author
                for key, records in chats.items()
                if key.startswith("room:")
                for record in records
                if isinstance(record.body, MessagePosted) and record.body.text in GREETINGS
            }
            return authors == {member.user_id for member in host.attendees()}

        await host.until(greeted, "a greeting from everyone in their room's chat")

        await host.execute(EndBreakouts())
        await host.until(all_in_main_call(host), "everyone back in the main call")


async def test_a_moderator_visiting_a_room_hears_its_voip_attendees(host: Host) -> None:
    """The crowd's voices connect to the real person only, and the VOIP ones hum."""
    with loopback_only():
        async with demo(host, 12):
            automatic = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
            await host.execute(
                SetUpBreakouts(room_names=ROOMS, settings=automatic), StartBreakouts()
            )
            await host.until(all_in_their_rooms_calls(host), "everyone in their room's call")
            rooms_of = state(host.client, host.conversation_id).breakouts.plan.rooms_of
            talkers = {m.user_id: m.audio for m in host.talkers()}
            room = next(rooms_of[u] for u, a in talkers.items() if a is AudioConnection.VOIP)
            present = {u for u in talkers if rooms_of.get(u) == room}
            voip = {u for u in present if talkers[u] is AudioConnection.VOIP}

            connections = Connections()
            silence = Tone(440.0, 0.0)
            engine = MediaEngine(
                audio=virtual_devices(silence, Recorder()),
                tell=connections.tell,
                echo_cancellation=False,
            )
            engine.start()
            follower = CallFollower(host.client, engine)
            try:
                await host.client.join_call(host.conversation_id, room)
                await asyncio.to_thread(connections.wait_for, connections.connected(*present))

                def humming() -> bool:
                    levels = engine.levels()
                    return any(levels.get(user, -100.0) > AUDIBLE_DBFS for user in voip)

                await sounding(humming, "a VOIP attendee humming", timeout=30)
            finally:
                await follower.close()
                await asyncio.to_thread(engine.stop)
            assert set(connections.states) == present  # the visitor's peers: that room


async def test_a_help_request_reaches_the_moderator_and_is_cancelled_later(host: Host) -> None:
    helpless = Behaviour(
        reaction=(0.0, 0.05), help_probability=1.0, help_after=(0.0, 0.0), help_for=(0.2, 0.5)
    )
    async with demo(host, 6, helpless):
        automatic = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
        set_up = SetUpBreakouts(room_names=ROOMS[:2], settings=automatic)
        await host.execute(set_up, StartBreakouts())
        await host.until(told(host.client, host.conversation_id, HelpNeeded), "a help request")

        def all_cancelled() -> bool:
            breakouts = state(host.client, host.conversation_id).breakouts
            asked = {
                record.body.user_id
                for record in view(host.client, host.conversation_id).notices
                if isinstance(record.body, HelpNeeded)
            }
            return len(asked) == len(host.attendees()) and not breakouts.help_requests

        await host.until(all_cancelled, "every attendee to ask and then cancel")


async def test_with_free_choice_they_pick_their_own_rooms(host: Host) -> None:
    async with demo(host, 12):
        free = BreakoutSettings(mode=AssignmentMode.FREE_CHOICE, phone_room_limit=1)
        await host.execute(SetUpBreakouts(room_names=ROOMS, settings=free), StartBreakouts())
        await host.until(all_in_their_rooms_calls(host), "everyone in a room they picked")
        breakouts = state(host.client, host.conversation_id).breakouts
        assert set(breakouts.plan.rooms_of) == {member.user_id for member in host.attendees()}
        first_room = breakouts.rooms[0].id
        phones = [m for m in host.attendees() if m.audio is AudioConnection.PHONE]
        assert phones
        assert all(breakouts.plan.rooms_of[m.user_id] == first_room for m in phones)


async def test_prompted_to_switch_to_the_phone_they_do(host: Host) -> None:
    willing = Behaviour(reaction=(0.0, 0.05), help_probability=0.0, phone_switch_probability=1.0)
    async with demo(host, 6, willing):
        await host.until(all_in_main_call(host), "everyone in the main call")
        await host.execute(SetUpBreakouts(room_names=("Everyone",)))
        room = state(host.client, host.conversation_id).breakouts.rooms[0].id
        placements = tuple(Placement(m.user_id, room) for m in host.attendees())
        await host.execute(PlaceAttendees(placements=placements), StartBreakouts())

        def all_on_the_phone() -> bool:
            return all(
                m.audio is AudioConnection.PHONE and host.in_call(m.user_id) is False
                for m in host.attendees()
            )

        await host.until(all_on_the_phone, "everyone on the phone and out of the app's calls")


async def test_the_child_exits_cleanly_on_sigterm(host: Host) -> None:
    attendees = DemoAttendees(behaviour=QUICK)
    await attendees.start(host.url, host.token, host.conversation_id, 3)
    pid = attendees.pid
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    assert await attendees.stop() == 0
    assert process_gone(pid)


async def test_an_unreachable_server_fails_the_start_clearly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    attendees = DemoAttendees(behaviour=QUICK)
    with pytest.raises(DemoFailed, match=r"exited early \(status 1\)") as failure:
        await attendees.start(f"ws://127.0.0.1:{port}/ws", "some-token", "nowhere", 3)
    assert f"Cannot reach ws://127.0.0.1:{port}/ws" in str(failure.value)
    assert "some-token" not in str(failure.value)
    assert attendees.pid is None
    assert not attendees.running
    assert demo_children() == []


async def test_a_refused_token_fails_the_start_clearly(host: Host) -> None:
    attendees = DemoAttendees(behaviour=QUICK)
    with pytest.raises(DemoFailed, match="refused the moderator's token"):
        await attendees.start(host.url, "not-a-token", host.conversation_id, 3)
    assert host.attendees() == []
    assert demo_children() == []


async def test_an_invalid_order_fails_the_start_clearly(host: Host) -> None:
    attendees = DemoAttendees(behaviour=QUICK)
    with pytest.raises(DemoFailed, match=r"(?s)status 2.*order is not valid"):
        await attendees.start(host.url, host.token, host.conversation_id, 0)
    assert demo_children() == []


@needs_proc
async def test_a_child_not_ready_in_time_is_ended(host: Host) -> None:
    attendees = DemoAttendees(behaviour=QUICK, ready_wait=0.01)
    with pytest.raises(DemoFailed, match=r"not ready within 0\.01 s"):
        await attendees.start(host.url, host.token, host.conversation_id, 3)
    assert demo_children() == []


@needs_proc
async def test_the_child_stops_cleanly_after_its_server_went_away(tmp_path: Path) -> None:
    async with running(server_settings(tmp_path / "data", Clock())) as server:
        client = await signed_up(server.url, "host")
        cid = await client.create_conversation("Workshop")
        attendees = DemoAttendees(behaviour=QUICK)
        await attendees.start(server.url, client.token or "", cid, 3)
        await client.close()
    assert demo_children()
    assert await attendees.stop() == 0
    assert demo_children() == []


async def test_stop_without_start_does_nothing() -> None:
    assert await DemoAttendees().stop() is None

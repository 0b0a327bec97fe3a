"""What the log gets when events happen: the event with its audience and chat,
then the system messages and addressed notices it leads to (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from desktop.core import (
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    PhoneBridge,
    Placement,
    Role,
    Room,
    RoomId,
    UserId,
    created,
    evolve,
    execute,
)
from desktop.core.commands import ApplyBreakouts, SetUpBreakouts
from desktop.core.events import (
    AttendeesPlaced,
    AudioChanged,
    BreakoutsApplied,
    BreakoutsDeleted,
    BreakoutsSetUp,
    BroadcastSent,
    ClosingStarted,
    ConversationCreated,
    ConversationRenamed,
    Event,
    HelpCleared,
    HelpRequested,
    MemberAdded,
    MessagePosted,
    RoleChanged,
    RoomRemoved,
    SessionEnded,
    SessionStarted,
    TimeExtended,
)
from desktop.protocol import Body, Record
from desktop.protocol.notices import (
    Assigned,
    BackInMainRoom,
    ClosingSoon,
    HelpNeeded,
    SwitchToPhone,
    SystemMessage,
)
from desktop.server.entries import consequences, log_entries
from desktop.server.store import Entry

MOD = UserId("mod")
MOD2 = UserId("mod2")
ANN = UserId("ann")  # VOIP
BEN = UserId("ben")  # phone
CAT = UserId("cat")  # Just Listening
DAN = UserId("dan")  # VOIP
EVE = UserId("eve")  # phone
MODERATORS = frozenset({MOD, MOD2})

RED, BLUE, GREEN = RoomId(1), RoomId(2), RoomId(3)
ROOMS = (Room(RED, "Red"), Room(BLUE, "Blue"), Room(GREEN, "Green"))
DIAL_IN = "+1 555 0100"
BRIDGE = PhoneBridge(DIAL_IN, ("111", "222", "333"))
SETTINGS = BreakoutSettings(phone_room_limit=3, bridge=BRIDGE, closing_countdown=60)
T0 = 1_000.0
AT = 2_000.0

# Before the session: Ann alone in Red, Ben (phone) with Cat (listening) in Blue,
# Dan in Green, Eve (phone) unassigned.
PLAN: Mapping[UserId, RoomId] = {ANN: RED, BEN: BLUE, CAT: BLUE, DAN: GREEN}

VOIP = AudioConnection.VOIP
PHONE = AudioConnection.PHONE
LISTENING = AudioConnection.JUST_LISTENING


# Building states from events


def member(user: UserId, audio: AudioConnection = VOIP, role: Role = Role.PARTICIPANT) -> Member:
    return Member(user_id=user, display_name=user.title(), audio=audio, role=role)


def conversation(*events: Event) -> Conversation:
    owner = Member(user_id=MOD, display_name="Mo")
    state = created(ConversationCreated(conversation_id="c-1", title="Workshop", owner=owner))
    for event in events:
        state = evolve(state, event)
    return state


def with_members() -> Conversation:
    return conversation(
        MemberAdded(member=member(MOD2, role=Role.MODERATOR)),
        MemberAdded(member=member(ANN)),
        MemberAdded(member=member(BEN, PHONE)),
        MemberAdded(member=member(CAT, LISTENING)),
        MemberAdded(member=member(DAN)),
        MemberAdded(member=member(EVE, PHONE)),
    )


def configured(
    plan: Mapping[UserId, RoomId] = PLAN, settings: BreakoutSettings = SETTINGS
) -> Conversation:
    state = with_members()
    placements = tuple(Placement(user, room) for user, room in plan.items())
    for event in (
        BreakoutsSetUp(rooms=ROOMS, settings=settings),
        AttendeesPlaced(placements=placements),
        BreakoutsApplied(),
    ):
        state = evolve(state, event)
    return state


def running(
    plan: Mapping[UserId, RoomId] = PLAN, settings: BreakoutSettings = SETTINGS
) -> Conversation:
    return evolve(configured(plan, settings), SessionStarted(started_at=T0, deadline=T0 + 600))


def closing() -> Conversation:
    return evolve(running(), ClosingStarted(closing_at=AT + 60))


def ended() -> Conversation:
    return evolve(running(), SessionEnded(at=T0 + 600))


# Reading what was logged


def logged(state: Conversation, *events: Event, first_seq: int = 1) -> list[Entry]:
    _, entries = log_entries(state, events, MOD, AT, first_seq)
    return entries


def shown(entries: list[Entry]) -> list[tuple[Body, frozenset[UserId] | None, str | None]]:
    """Each entry's body, audience and chat."""
    return [(item.record.body, item.audience, item.chat) for item in entries]


def to(*users: UserId) -> frozenset[UserId]:
    return frozenset(users)


def assigned(user: UserId, room: RoomId, phone: bool = False) -> Assigned:
    position = {RED: 1, BLUE: 2, GREEN: 3}[room]
    return Assigned(
        user_id=user,
        room_id=room,
        room_name={RED: "Red", BLUE: "Blue", GREEN: "Green"}[room],
        position=position,
        dial_in_number=DIAL_IN if phone else None,
        pin=BRIDGE.pins[position - 1] if phone else None,
    )


def switch(user: UserId, room: RoomId, *phones: UserId) -> SwitchToPhone:
    position = {RED: 1, BLUE: 2, GREEN: 3}[room]
    return SwitchToPhone(
        user_id=user,
        room_id=room,
        room_name={RED: "Red", BLUE: "Blue", GREEN: "Green"}[room],
        phone_attendees=phones,
        dial_in_number=DIAL_IN,
        pin=BRIDGE.pins[position - 1],
    )


def back(user: UserId) -> tuple[Body, frozenset[UserId], None]:
    return BackInMainRoom(user_id=user), to(user), None


def move(*placements: tuple[UserId, RoomId | None]) -> AttendeesPlaced:
    return AttendeesPlaced(placements=tuple(Placement(user, room) for user, room in placements))


def said(text: str, *, everywhere: bool) -> tuple[Body, None, str]:
    return SystemMessage(text=text, everywhere=everywhere), None, "all" if everywhere else "main"


STARTED = "Breakout rooms have started."
ENDED = "Breakout rooms have ended: everyone is back in the main room."


# Numbering


def test_records_are_numbered_from_first_seq_without_gaps() -> None:
    events: list[Event] = [
        SessionStarted(started_at=T0, deadline=None),
        MessagePosted(author=MOD, text="hello", room_id=None, at=AT),
        SessionEnded(at=AT),
    ]

    state, entries = log_entries(configured(), events, MOD, AT, 41)

    assert [item.record.seq for item in entries] == list(range(41, 41 + len(entries)))
    assert len(entries) == 14  # 7 on starting, 1 message, 6 on ending
    assert all(item.record.at == AT and item.record.actor == MOD for item in entries)
    expected = configured()
    for event in events:
        expected = evolve(expected, event)
    assert state == expected


def test_the_server_clock_logs_without_actor() -> None:
    state, entries = log_entries(running(), [SessionEnded(at=AT)], None, AT, 7)

    assert [item.record.seq for item in entries] == list(range(7, 13))
    assert {item.record.actor for item in entries} == {None}
    assert state.breakouts.current_room(ANN) is None


def test_no_events_log_nothing() -> None:
    state = running()

    assert log_entries(state, [], MOD, AT, 5) == (state, [])


def test_each_event_is_judged_against_the_state_the_previous_left() -> None:
    entries = logged(running(), move((DAN, BLUE)), move((DAN, RED)), first_seq=100)

    assert shown(entries) == [
        (move((DAN, BLUE)), None, None),
        (assigned(DAN, BLUE), to(DAN), None),
        (switch(DAN, BLUE, BEN), to(DAN), None),
        (move((DAN, RED)), None, None),
        (assigned(DAN, RED), to(DAN), None),
    ]
    assert entries[0].record == Record(seq=100, at=AT, actor=MOD, body=move((DAN, BLUE)))
    assert [item.record.seq for item in entries] == [100, 101, 102, 103, 104]


# Chat: audience and chat keys


def test_a_breakout_message_is_for_the_room_and_the_moderators() -> None:
    message = MessagePosted(author=CAT, text="hi Blue", room_id=BLUE, at=AT)

    assert shown(logged(running(), message)) == [(message, to(BEN, CAT, MOD, MOD2), "room:2")]


def test_a_moderators_message_in_an_empty_room_is_for_the_moderators() -> None:
    message = MessagePosted(author=MOD, text="anyone?", room_id=GREEN, at=AT)

    state = running({ANN: RED})

    assert shown(logged(state, message)) == [(message, MODERATORS, "room:3")]


def test_a_main_room_message_is_for_everyone() -> None:
    message = MessagePosted(author=ANN, text="hi all", room_id=None, at=AT)

    assert shown(logged(running(), message)) == [(message, None, "main")]


def test_a_broadcast_shows_in_every_chat() -> None:
    broadcast = BroadcastSent(author=MOD, text="Five minutes left", at=AT)

    assert shown(logged(running(), broadcast)) == [(broadcast, None, "all")]


@pytest.mark.parametrize(
    "event",
    [
        ConversationRenamed(title="Renamed"),
        MemberAdded(member=member(UserId("fay"))),
        HelpCleared(user_id=ANN, by=MOD),
    ],
    ids=["renamed", "member-added", "help-cleared"],
)
def test_other_events_are_for_everyone_and_in_no_chat(event: Event) -> None:
    state = evolve(running(), HelpRequested(user_id=ANN, room_id=RED, at=T0))

    assert shown(logged(state, event)) == [(event, None, None)]


# System messages


@pytest.mark.parametrize(
    ("state", "event", "line"),
    [
        pytest.param(
            with_members(),
            BreakoutsSetUp(rooms=ROOMS[:2], settings=SETTINGS),
            said("2 breakout rooms were set up.", everywhere=False),
            id="set-up",
        ),
        pytest.param(
            configured(),
            BreakoutsDeleted(),
            said("The breakout rooms were deleted.", everywhere=False),
            id="deleted",
        ),
        pytest.param(
            configured(),
            SessionStarted(started_at=T0, deadline=None),
            said(STARTED, everywhere=True),
            id="started",
        ),
        pytest.param(
            running(),
            ClosingStarted(closing_at=AT + 60),
            said("Breakout rooms close in 1 minute.", everywhere=True),
            id="closing",
        ),
        pytest.param(
            running(),
            TimeExtended(deadline=T0 + 900),
            said("The time was extended by 5 minutes.", everywhere=True),
            id="extended-minutes",
        ),
        pytest.param(
            running(),
            TimeExtended(deadline=T0 + 690),
            said("The time was extended by 90 seconds.", everywhere=True),
            id="extended-seconds",
        ),
        pytest.param(running(), SessionEnded(at=AT), said(ENDED, everywhere=True), id="ended"),
        pytest.param(closing(), SessionEnded(at=AT), said(ENDED, everywhere=True), id="closed"),
        pytest.param(
            with_members(),
            BreakoutsSetUp(rooms=ROOMS[:1], settings=SETTINGS),
            said("1 breakout room was set up.", everywhere=False),
            id="set-up-one-room",
        ),
    ],
)
def test_system_messages(state: Conversation, event: Event, line: tuple[Body, None, str]) -> None:
    lines = [entry for entry in shown(logged(state, event)) if isinstance(entry[0], SystemMessage)]

    assert lines == [line]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (120, "2 minutes"),
        (150, "150 seconds"),
    ],
)
def test_the_closing_message_words_the_countdown(seconds: int, text: str) -> None:
    settings = BreakoutSettings(phone_room_limit=3, bridge=BRIDGE, closing_countdown=seconds)
    closing_at = AT + seconds

    entries = logged(running(settings=settings), ClosingStarted(closing_at=closing_at))

    assert shown(entries) == [
        (ClosingStarted(closing_at=closing_at), None, None),
        said(f"Breakout rooms close in {text}.", everywhere=True),
        (ClosingSoon(closing_at=closing_at, seconds=seconds), None, None),
    ]


def test_extending_a_session_without_deadline_says_nothing() -> None:
    state = evolve(configured(), SessionStarted(started_at=T0, deadline=None))
    event = TimeExtended(deadline=T0 + 300)

    assert shown(logged(state, event)) == [(event, None, None)]


# Starting


def test_starting_assigns_each_attendee_and_prompts_the_conflicted() -> None:
    start = SessionStarted(started_at=T0, deadline=T0 + 600)

    entries = logged(configured(), start, first_seq=10)

    assert shown(entries) == [
        (start, None, None),
        said(STARTED, everywhere=True),
        (assigned(ANN, RED), to(ANN), None),
        (assigned(BEN, BLUE, phone=True), to(BEN), None),
        (assigned(CAT, BLUE), to(CAT), None),
        (assigned(DAN, GREEN), to(DAN), None),
        (switch(CAT, BLUE, BEN), to(CAT), None),
    ]
    assert [item.record.seq for item in entries] == list(range(10, 17))


def test_starting_without_a_bridge_gives_no_number_or_pin() -> None:
    settings = BreakoutSettings(phone_room_limit=3)
    start = SessionStarted(started_at=T0, deadline=None)

    entries = logged(configured({BEN: RED, ANN: RED}, settings), start)

    assert shown(entries)[2:] == [
        (Assigned(user_id=ANN, room_id=RED, room_name="Red", position=1), to(ANN), None),
        (Assigned(user_id=BEN, room_id=RED, room_name="Red", position=1), to(BEN), None),
        (
            SwitchToPhone(user_id=ANN, room_id=RED, room_name="Red", phone_attendees=(BEN,)),
            to(ANN),
            None,
        ),
    ]


def test_every_affected_attendee_of_a_room_is_prompted_with_every_phone() -> None:
    plan = {BEN: GREEN, EVE: GREEN, ANN: GREEN, CAT: GREEN, DAN: RED}

    entries = logged(configured(plan), SessionStarted(started_at=T0, deadline=None))

    prompts = [entry for entry in shown(entries) if isinstance(entry[0], SwitchToPhone)]
    assert prompts == [
        (switch(ANN, GREEN, BEN, EVE), to(ANN), None),
        (switch(CAT, GREEN, BEN, EVE), to(CAT), None),
    ]


def test_apply_and_start_assigns_only_once_started() -> None:
    before, _ = execute(with_members(), MOD, SetUpBreakouts(room_names=("Red", "Blue")), T0)
    placements = (Placement(ANN, RED), Placement(BEN, RED))
    after, events = execute(before, MOD, ApplyBreakouts(placements=placements, start=True), T0)
    assert [type(event) for event in events] == [AttendeesPlaced, BreakoutsApplied, SessionStarted]

    state, entries = log_entries(before, events, MOD, AT, 1)

    assert state == after
    assert shown(entries) == [
        (events[0], None, None),
        (events[1], None, None),
        (events[2], None, None),
        said(STARTED, everywhere=True),
        (Assigned(user_id=ANN, room_id=RED, room_name="Red", position=1), to(ANN), None),
        (Assigned(user_id=BEN, room_id=RED, room_name="Red", position=1), to(BEN), None),
        (
            SwitchToPhone(user_id=ANN, room_id=RED, room_name="Red", phone_attendees=(BEN,)),
            to(ANN),
            None,
        ),
    ]


# Moving people while rooms run


def test_moving_an_attendee_assigns_them_alone() -> None:
    event = move((DAN, RED))

    assert shown(logged(running(), event)) == [
        (event, None, None),
        (assigned(DAN, RED), to(DAN), None),
    ]


def test_moving_a_phone_attendee_gives_them_the_new_pin() -> None:
    event = move((BEN, GREEN))

    assert shown(logged(running(), event)) == [
        (event, None, None),
        (assigned(BEN, GREEN, phone=True), to(BEN), None),
        (switch(DAN, GREEN, BEN), to(DAN), None),
    ]


def test_moving_to_the_main_room_sends_them_back() -> None:
    event = move((ANN, None), (DAN, BLUE))

    assert shown(logged(running(), event)) == [
        (event, None, None),
        (assigned(DAN, BLUE), to(DAN), None),
        back(ANN),
        (switch(DAN, BLUE, BEN), to(DAN), None),
    ]


def test_placing_someone_where_they_already_are_tells_nobody() -> None:
    event = AttendeesPlaced(placements=(Placement(ANN, RED, pinned=True), Placement(EVE, None)))

    assert shown(logged(running(), event)) == [(event, None, None)]


def test_moving_before_the_session_tells_nobody() -> None:
    event = move((ANN, BLUE), (DAN, None))

    assert shown(logged(configured(), event)) == [(event, None, None)]


def test_moving_after_the_session_tells_nobody() -> None:
    event = move((ANN, BLUE))

    assert shown(logged(ended(), event)) == [(event, None, None)]


def test_a_phone_attendee_joining_prompts_the_others_in_the_room() -> None:
    event = move((EVE, RED))

    assert shown(logged(running(), event)) == [
        (event, None, None),
        (assigned(EVE, RED, phone=True), to(EVE), None),
        (switch(ANN, RED, EVE), to(ANN), None),
    ]


def test_switching_to_phone_audio_prompts_the_others_in_the_room() -> None:
    state = running({ANN: RED, DAN: RED, BEN: BLUE})
    event = AudioChanged(user_id=ANN, audio=PHONE)

    assert shown(logged(state, event)) == [
        (event, None, None),
        (switch(DAN, RED, ANN), to(DAN), None),
    ]


# Not repeating a conflict nobody changed


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(MessagePosted(author=CAT, text="hm", room_id=BLUE, at=AT), id="message"),
        pytest.param(TimeExtended(deadline=T0 + 900), id="extended"),
        pytest.param(move((EVE, BLUE)), id="second-phone-joins"),
        pytest.param(move((DAN, RED)), id="someone-else-moves"),
        pytest.param(AudioChanged(user_id=CAT, audio=VOIP), id="listener-starts-talking"),
        pytest.param(BroadcastSent(author=MOD, text="hi", at=AT), id="broadcast"),
    ],
)
def test_an_unchanged_conflict_is_not_prompted_again(event: Event) -> None:
    prompts = [
        entry for entry in shown(logged(running(), event)) if isinstance(entry[0], SwitchToPhone)
    ]

    assert prompts == []


def test_a_conflict_that_ends_prompts_nobody() -> None:
    event = AudioChanged(user_id=CAT, audio=PHONE)

    assert shown(logged(running(), event)) == [(event, None, None)]


def test_a_conflict_in_another_room_is_prompted_again() -> None:
    state = running({ANN: RED, BEN: BLUE, CAT: BLUE, EVE: GREEN, DAN: GREEN})
    event = move((CAT, GREEN))

    assert shown(logged(state, event)) == [
        (event, None, None),
        (assigned(CAT, GREEN), to(CAT), None),
        (switch(CAT, GREEN, EVE), to(CAT), None),
    ]


# Removing rooms, ending, closing, help


def test_removing_a_running_room_sends_its_people_back() -> None:
    event = RoomRemoved(room_id=BLUE)

    assert shown(logged(running(), event)) == [(event, None, None), back(BEN), back(CAT)]


def test_removing_a_room_before_the_session_tells_nobody() -> None:
    event = RoomRemoved(room_id=BLUE)

    assert shown(logged(configured(), event)) == [(event, None, None)]


@pytest.mark.parametrize("state", [running(), closing()], ids=["running", "closing"])
def test_ending_sends_everyone_in_a_room_back(state: Conversation) -> None:
    event = SessionEnded(at=AT)

    assert shown(logged(state, event)) == [
        (event, None, None),
        said(ENDED, everywhere=True),
        back(ANN),
        back(BEN),
        back(CAT),
        back(DAN),
    ]


def test_closing_tells_everyone_the_countdown() -> None:
    event = ClosingStarted(closing_at=AT + 60)

    assert shown(logged(running(), event)) == [
        (event, None, None),
        said("Breakout rooms close in 1 minute.", everywhere=True),
        (ClosingSoon(closing_at=AT + 60, seconds=60), None, None),
    ]


@pytest.mark.parametrize("state", [running(), closing()], ids=["running", "closing"])
def test_a_help_request_is_for_the_moderators(state: Conversation) -> None:
    event = HelpRequested(user_id=CAT, room_id=BLUE, at=AT)

    assert shown(logged(state, event)) == [
        (event, None, None),
        (HelpNeeded(user_id=CAT, room_id=BLUE, room_name="Blue"), MODERATORS, None),
    ]


def test_consequences_of_a_plain_event_are_none() -> None:
    before = running()
    event = ConversationRenamed(title="Later")

    assert consequences(before, evolve(before, event), event, AT) == []


def test_a_countdown_started_late_tells_the_time_really_left() -> None:
    """After downtime the clock writes the countdown when it is partly over."""
    closing_at = AT + 15
    entries = logged(running(), ClosingStarted(closing_at=closing_at))

    assert shown(entries)[1:] == [
        said("Breakout rooms close in 15 seconds.", everywhere=True),
        (ClosingSoon(closing_at=closing_at, seconds=15), None, None),
    ]


def test_a_promoted_attendee_is_told_they_are_back_in_the_main_room() -> None:
    entries = logged(running(), RoleChanged(user_id=ANN, role=Role.MODERATOR))

    assert shown(entries)[1:] == [(BackInMainRoom(user_id=ANN), frozenset({ANN}), None)]

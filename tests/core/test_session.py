"""The session's state machine, the running session, the clock, batches, replays
and the wire format of commands and events."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec
import pytest
from builders import (
    M1,
    MANUAL,
    OWNER,
    P1,
    P2,
    P3,
    P4,
    PHONE,
    ROOM_1,
    ROOM_2,
    ROOM_3,
    STRANGER,
    T0,
    TIMED,
    VOIP,
    Log,
    conversation_with,
    in_phase,
    new_log,
    refusal,
    room_names,
    run,
    snapshot,
)
from msgspec.structs import replace

from desktop.core import (
    AssignmentMode,
    BreakoutSettings,
    Conversation,
    DistributeOptions,
    ErrorCode,
    Member,
    Phase,
    PhoneBridge,
    Placement,
    PlacementReason,
    Role,
    Room,
    RoomId,
    UserId,
    due_events,
    evolve,
    execute,
    next_due,
    replay,
)
from desktop.core.breakouts import MAX_DURATION
from desktop.core.commands import (
    AddMember,
    AddRoom,
    ApplyBreakouts,
    Batch,
    Broadcast,
    CancelHelp,
    ChangeSettings,
    ClearHelp,
    Command,
    DeleteBreakouts,
    Distribute,
    EndBreakouts,
    ExtendTime,
    JoinRoom,
    Leave,
    LeaveRoom,
    PlaceAttendees,
    PostMessage,
    RemoveMember,
    RemoveRoom,
    RenameConversation,
    RenameRoom,
    RequestHelp,
    SetAudio,
    SetRole,
    SetUpBreakouts,
    StartBreakouts,
    Strategy,
)
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
    MemberRemoved,
    MessagePosted,
    RoleChanged,
    RoomAdded,
    RoomRemoved,
    RoomRenamed,
    SessionEnded,
    SessionStarted,
    SettingsChanged,
    TimeExtended,
)

NOT_CONFIGURED = Phase.NOT_CONFIGURED
CONFIGURED = Phase.CONFIGURED
RUNNING = Phase.RUNNING
CLOSING = Phase.CLOSING
ENDED = Phase.ENDED
ALL_PHASES = frozenset(Phase)
IDLE = frozenset({CONFIGURED, ENDED})
EDITABLE = frozenset({CONFIGURED, RUNNING, ENDED})
LIVE = frozenset({RUNNING, CLOSING})

FREE_CHOICE = AssignmentMode.FREE_CHOICE
UNTIMED = BreakoutSettings()
COUNTDOWN_ONLY = BreakoutSettings(closing_countdown=60)
NO_COUNTDOWN = BreakoutSettings(time_limit=600)

DEADLINE = T0 + 600
"""When a ``TIMED`` session started at ``T0`` reaches its time limit."""


# The state machine, command by command and phase by phase.
#
# ``in_phase`` gives a conversation in each phase: TIMED settings (a time limit and
# a closing countdown), three rooms, p1 in room 1, p2 in room 2, p3 in none.


@dataclass(frozen=True)
class Rule:
    """Who gives ``command`` in which assignment mode, the phases that accept it,
    and the phase each of them leads to (by default the same one)."""

    command: Command
    allowed: frozenset[Phase]
    actor: UserId = OWNER
    mode: AssignmentMode = AssignmentMode.MANUAL
    leads_to: Mapping[Phase, Phase] = field(default_factory=dict)


RULES = {
    "set_up": Rule(
        SetUpBreakouts(room_names=room_names(2)),
        frozenset({NOT_CONFIGURED}),
        leads_to={NOT_CONFIGURED: CONFIGURED},
    ),
    "change_settings": Rule(ChangeSettings(settings=UNTIMED), IDLE),
    "add_room": Rule(AddRoom(name="Extra"), EDITABLE),
    "remove_room": Rule(RemoveRoom(room_id=ROOM_3), EDITABLE),
    "rename_room": Rule(RenameRoom(room_id=ROOM_1, name="Garden"), EDITABLE),
    "place_attendees": Rule(PlaceAttendees(placements=(Placement(P3, ROOM_3),)), EDITABLE),
    "distribute": Rule(Distribute(), IDLE),
    "apply": Rule(
        ApplyBreakouts(placements=(Placement(P1, ROOM_1),)),
        IDLE,
        leads_to={ENDED: CONFIGURED},
    ),
    "apply_and_start": Rule(
        ApplyBreakouts(placements=(Placement(P1, ROOM_1),), start=True),
        IDLE,
        leads_to={CONFIGURED: RUNNING, ENDED: RUNNING},
    ),
    "delete": Rule(
        DeleteBreakouts(),
        IDLE,
        leads_to={CONFIGURED: NOT_CONFIGURED, ENDED: NOT_CONFIGURED},
    ),
    "start": Rule(StartBreakouts(), frozenset({CONFIGURED}), leads_to={CONFIGURED: RUNNING}),
    "broadcast": Rule(Broadcast(text="Five minutes left"), LIVE),
    "join_room": Rule(JoinRoom(room_id=ROOM_2), frozenset({RUNNING}), P1, FREE_CHOICE),
    "leave_room": Rule(LeaveRoom(), frozenset({RUNNING}), P1, FREE_CHOICE),
    "request_help": Rule(RequestHelp(), LIVE, P1),
    "extend_time": Rule(ExtendTime(seconds=60), frozenset({RUNNING})),
    "end": Rule(EndBreakouts(), LIVE, leads_to={RUNNING: CLOSING, CLOSING: ENDED}),
}


def _cases(accepted: bool) -> list[tuple[str, Phase]]:
    return [
        (name, phase)
        for name, rule in RULES.items()
        for phase in Phase
        if (phase in rule.allowed) is accepted
    ]


@pytest.mark.parametrize(("name", "phase"), _cases(accepted=True))
def test_each_command_is_accepted_in_its_phases(name: str, phase: Phase) -> None:
    rule = RULES[name]
    conversation = in_phase(phase, mode=rule.mode)
    after, events = execute(conversation, rule.actor, rule.command, T0 + 30)
    assert events
    assert after.breakouts.phase is rule.leads_to.get(phase, phase)


@pytest.mark.parametrize(("name", "phase"), _cases(accepted=False))
def test_each_command_is_refused_outside_its_phases(name: str, phase: Phase) -> None:
    rule = RULES[name]
    conversation = in_phase(phase, mode=rule.mode)
    code = refusal(conversation, rule.command, actor=rule.actor, now=T0 + 30)
    if name == "set_up":
        assert code is ErrorCode.ALREADY_SET_UP
    elif phase is NOT_CONFIGURED:
        assert code is ErrorCode.NOT_SET_UP
    else:
        assert code is ErrorCode.ILLEGAL_TRANSITION


def test_the_rules_cover_every_phase_changing_command() -> None:
    commands = {type(rule.command) for rule in RULES.values()}
    assert {
        SetUpBreakouts,
        StartBreakouts,
        EndBreakouts,
        ApplyBreakouts,
        DeleteBreakouts,
    } <= commands


@pytest.mark.parametrize(
    ("settings", "phase"), [(TIMED, CLOSING), (NO_COUNTDOWN, ENDED), (UNTIMED, ENDED)]
)
def test_ending_a_running_session_closes_or_ends_it(
    settings: BreakoutSettings, phase: Phase
) -> None:
    conversation = in_phase(RUNNING, settings)
    after = run(conversation, EndBreakouts(), now=T0 + 30)
    assert after.breakouts.phase is phase


@pytest.mark.parametrize(
    ("settings", "start", "phases"),
    [
        (TIMED, RUNNING, [CLOSING, ENDED]),
        (NO_COUNTDOWN, RUNNING, [ENDED]),
        (TIMED, CLOSING, [ENDED]),
        (COUNTDOWN_ONLY, CLOSING, [ENDED]),
    ],
)
def test_the_clock_moves_a_session_on(
    settings: BreakoutSettings, start: Phase, phases: list[Phase]
) -> None:
    conversation = in_phase(start, settings)
    later = T0 + 10 * MAX_DURATION
    reached: list[Phase] = []
    for event in due_events(conversation, later):
        conversation = evolve(conversation, event)
        reached.append(conversation.breakouts.phase)
    assert reached == phases


@pytest.mark.parametrize("phase", [NOT_CONFIGURED, CONFIGURED, ENDED])
def test_the_clock_leaves_idle_rooms_alone(phase: Phase) -> None:
    conversation = in_phase(phase)
    assert due_events(conversation, T0 + 10 * MAX_DURATION) == []


def test_a_session_can_run_again_after_applying() -> None:
    conversation = in_phase(ENDED)
    conversation = run(conversation, ApplyBreakouts(placements=()), now=T0 + 30)
    after = run(conversation, StartBreakouts(), now=T0 + 40)
    assert after.breakouts.phase is RUNNING
    assert after.breakouts.started_at == T0 + 40


@pytest.mark.parametrize(
    "command",
    [StartBreakouts(), EndBreakouts(), ExtendTime(seconds=60), Broadcast(text="hi")],
    ids=lambda command: type(command).__name__,
)
def test_participants_cannot_run_the_session(command: Command) -> None:
    assert refusal(in_phase(RUNNING), command, actor=P1, now=T0 + 30) is ErrorCode.FORBIDDEN


# StartBreakouts


def test_starting_dates_the_session_and_sets_the_deadline_from_the_time_limit() -> None:
    conversation = in_phase(CONFIGURED)
    after, events = execute(conversation, M1, StartBreakouts(), T0 + 5)
    assert events == (SessionStarted(started_at=T0 + 5, deadline=T0 + 605),)
    assert (after.breakouts.started_at, after.breakouts.deadline) == (T0 + 5, T0 + 605)
    assert next_due(after.breakouts) == T0 + 605


def test_a_session_without_a_time_limit_has_no_deadline() -> None:
    conversation = in_phase(CONFIGURED, UNTIMED)
    after, events = execute(conversation, OWNER, StartBreakouts(), T0 + 5)
    assert events == (SessionStarted(started_at=T0 + 5, deadline=None),)
    assert next_due(after.breakouts) is None


def test_starting_sends_everyone_to_their_planned_room() -> None:
    conversation = in_phase(CONFIGURED)
    assert conversation.breakouts.current_room(P1) is None
    after = run(conversation, StartBreakouts())
    current = {user: after.breakouts.current_room(user) for user in (P1, P2, P3, OWNER)}
    assert current == {P1: ROOM_1, P2: ROOM_2, P3: None, OWNER: None}


# Broadcast


@pytest.mark.parametrize("phase", [RUNNING, CLOSING])
def test_moderators_broadcast_a_cleaned_text(phase: Phase) -> None:
    conversation = in_phase(phase)
    after, events = execute(conversation, M1, Broadcast(text="  Back in 5 \n"), T0 + 15)
    assert events == (BroadcastSent(author=M1, text="Back in 5", at=T0 + 15),)
    assert after == conversation


@pytest.mark.parametrize("text", ["", "  ", "b" * 4001])
def test_a_broadcast_needs_one_to_four_thousand_characters(text: str) -> None:
    assert refusal(in_phase(RUNNING), Broadcast(text=text)) is ErrorCode.INVALID_TEXT


# JoinRoom and LeaveRoom


def free_choice(phase: Phase = RUNNING, settings: BreakoutSettings = TIMED) -> Conversation:
    return in_phase(phase, settings, mode=FREE_CHOICE)


def test_a_participant_joins_the_room_they_choose() -> None:
    after, events = execute(free_choice(), P3, JoinRoom(room_id=ROOM_2), T0 + 5)
    chosen = Placement(P3, ROOM_2, reason=PlacementReason.CHOSEN)
    assert events == (AttendeesPlaced(placements=(chosen,)),)
    assert after.breakouts.current_room(P3) == ROOM_2
    assert after.breakouts.plan.reasons[P3] is PlacementReason.CHOSEN


def test_joining_another_room_leaves_the_first_one() -> None:
    after = run(free_choice(), JoinRoom(room_id=ROOM_3), actor=P1)
    assert after.breakouts.current_room(P1) == ROOM_3
    assert after.breakouts.members_of(ROOM_1) == frozenset()
    assert after.breakouts.members_of(ROOM_3) == frozenset({P1})


def test_joining_the_room_one_is_in_changes_nothing() -> None:
    conversation = free_choice()
    after, events = execute(conversation, P1, JoinRoom(room_id=ROOM_1), T0 + 5)
    assert events == ()
    assert after == conversation


@pytest.mark.parametrize("mode", [AssignmentMode.MANUAL, AssignmentMode.AUTOMATIC])
@pytest.mark.parametrize("command", [JoinRoom(room_id=ROOM_3), LeaveRoom()], ids=["join", "leave"])
def test_rooms_are_chosen_only_in_free_choice_mode(mode: AssignmentMode, command: Command) -> None:
    conversation = in_phase(RUNNING, mode=mode)
    assert refusal(conversation, command, actor=P1) is ErrorCode.WRONG_ASSIGNMENT_MODE


@pytest.mark.parametrize("command", [JoinRoom(room_id=ROOM_3), LeaveRoom()], ids=["join", "leave"])
def test_moderators_do_not_choose_rooms(command: Command) -> None:
    assert refusal(free_choice(), command, actor=M1) is ErrorCode.FORBIDDEN


def test_an_unknown_room_cannot_be_joined() -> None:
    code = refusal(free_choice(), JoinRoom(room_id=RoomId(99)), actor=P3)
    assert code is ErrorCode.UNKNOWN_ROOM


def phone_free_choice() -> Conversation:
    """Free choice with a phone limit of 2: p1 and p2 on VOIP, p3 on the phone."""
    settings = replace(TIMED, phone_room_limit=2)
    conversation = run(
        in_phase(CONFIGURED, settings, mode=FREE_CHOICE), SetAudio(user_id=P3, audio=PHONE)
    )
    return run(conversation, StartBreakouts())


def test_a_phone_participant_cannot_join_a_room_beyond_the_limit() -> None:
    code = refusal(phone_free_choice(), JoinRoom(room_id=ROOM_3), actor=P3)
    assert code is ErrorCode.PHONE_ROOM_LIMIT


def test_a_phone_participant_joins_a_room_within_the_limit() -> None:
    after = run(phone_free_choice(), JoinRoom(room_id=ROOM_2), actor=P3)
    assert after.breakouts.current_room(P3) == ROOM_2


def test_voip_participants_join_rooms_beyond_the_phone_limit() -> None:
    after = run(phone_free_choice(), JoinRoom(room_id=ROOM_3), actor=P1)
    assert after.breakouts.current_room(P1) == ROOM_3


def test_a_participant_leaves_their_room_for_the_main_room() -> None:
    after, events = execute(free_choice(), P1, LeaveRoom(), T0 + 5)
    assert events == (AttendeesPlaced(placements=(Placement(P1, None),)),)
    assert after.breakouts.current_room(P1) is None
    assert P1 not in after.breakouts.plan.rooms_of


def test_only_someone_in_a_room_can_leave_it() -> None:
    assert refusal(free_choice(), LeaveRoom(), actor=P3) is ErrorCode.NOT_IN_ROOM


def test_changing_rooms_drops_a_help_request() -> None:
    conversation = run(free_choice(), RequestHelp(), actor=P1, now=T0 + 1)
    after = run(conversation, JoinRoom(room_id=ROOM_2), actor=P1, now=T0 + 2)
    assert after.breakouts.help_requests == {}


# RequestHelp, CancelHelp and ClearHelp


@pytest.mark.parametrize("phase", [RUNNING, CLOSING])
def test_a_participant_in_a_room_asks_for_help(phase: Phase) -> None:
    after, events = execute(in_phase(phase), P2, RequestHelp(), T0 + 15)
    assert events == (HelpRequested(user_id=P2, room_id=ROOM_2, at=T0 + 15),)
    assert after.breakouts.help_requests == {P2: T0 + 15}


def test_asking_for_help_again_keeps_the_first_request() -> None:
    conversation = run(in_phase(RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    after, events = execute(conversation, P1, RequestHelp(), T0 + 2)
    assert events == ()
    assert after.breakouts.help_requests == {P1: T0 + 1}


def test_help_is_asked_for_from_a_room() -> None:
    assert refusal(in_phase(RUNNING), RequestHelp(), actor=P3) is ErrorCode.NOT_IN_ROOM


@pytest.mark.parametrize("actor", [OWNER, M1])
def test_moderators_cannot_ask_for_help(actor: UserId) -> None:
    assert refusal(in_phase(RUNNING), RequestHelp(), actor=actor) is ErrorCode.FORBIDDEN


def test_a_participant_cancels_their_help_request() -> None:
    conversation = run(in_phase(RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    after, events = execute(conversation, P1, CancelHelp(), T0 + 2)
    assert events == (HelpCleared(user_id=P1, by=P1),)
    assert after.breakouts.help_requests == {}


@pytest.mark.parametrize("phase", list(Phase))
def test_cancelling_without_a_request_is_refused(phase: Phase) -> None:
    assert refusal(in_phase(phase), CancelHelp(), actor=P1) is ErrorCode.NO_HELP_REQUEST


def test_cancelling_leaves_other_requests_open() -> None:
    conversation = run(in_phase(RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    conversation = run(conversation, RequestHelp(), actor=P2, now=T0 + 2)
    after = run(conversation, CancelHelp(), actor=P1)
    assert after.breakouts.help_requests == {P2: T0 + 2}


def test_a_moderator_clears_a_help_request() -> None:
    conversation = run(in_phase(CLOSING), RequestHelp(), actor=P1, now=T0 + 11)
    after, events = execute(conversation, M1, ClearHelp(user_id=P1), T0 + 12)
    assert events == (HelpCleared(user_id=P1, by=M1),)
    assert after.breakouts.help_requests == {}


def test_participants_cannot_clear_help_requests() -> None:
    conversation = run(in_phase(RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    assert refusal(conversation, ClearHelp(user_id=P1), actor=P2) is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("user", "code"), [(P2, ErrorCode.NO_HELP_REQUEST), (STRANGER, ErrorCode.NOT_A_MEMBER)]
)
def test_only_open_requests_of_members_can_be_cleared(user: UserId, code: ErrorCode) -> None:
    conversation = run(in_phase(RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    assert refusal(conversation, ClearHelp(user_id=user)) is code


@pytest.mark.parametrize("settings", [TIMED, UNTIMED])
def test_help_requests_end_with_the_session(settings: BreakoutSettings) -> None:
    conversation = run(in_phase(RUNNING, settings), RequestHelp(), actor=P1, now=T0 + 1)
    while conversation.breakouts.phase is not ENDED:
        conversation = run(conversation, EndBreakouts(), now=T0 + 2)
    assert conversation.breakouts.help_requests == {}


# ExtendTime


def test_extending_moves_the_deadline_on() -> None:
    conversation = in_phase(RUNNING)
    after, events = execute(conversation, M1, ExtendTime(seconds=300), T0 + 30)
    assert events == (TimeExtended(deadline=DEADLINE + 300),)
    assert after.breakouts.deadline == DEADLINE + 300
    assert next_due(after.breakouts) == DEADLINE + 300


def test_extensions_add_up() -> None:
    conversation = run(in_phase(RUNNING), ExtendTime(seconds=60))
    after = run(conversation, ExtendTime(seconds=120))
    assert after.breakouts.deadline == DEADLINE + 180


def test_an_extended_deadline_is_no_longer_due() -> None:
    after = run(in_phase(RUNNING), ExtendTime(seconds=60))
    assert due_events(after, DEADLINE) == []
    assert due_events(after, DEADLINE + 60) == [ClosingStarted(closing_at=DEADLINE + 120)]


@pytest.mark.parametrize("settings", [UNTIMED, COUNTDOWN_ONLY])
def test_a_session_without_a_time_limit_cannot_be_extended(settings: BreakoutSettings) -> None:
    code = refusal(in_phase(RUNNING, settings), ExtendTime(seconds=60))
    assert code is ErrorCode.NO_TIME_LIMIT


@pytest.mark.parametrize("seconds", [0, -1, -600, MAX_DURATION + 1])
def test_extensions_are_one_second_to_a_day(seconds: int) -> None:
    code = refusal(in_phase(RUNNING), ExtendTime(seconds=seconds))
    assert code is ErrorCode.INVALID_SETTING


@pytest.mark.parametrize("seconds", [1, MAX_DURATION])
def test_extensions_at_the_bounds_are_accepted(seconds: int) -> None:
    after = run(in_phase(RUNNING), ExtendTime(seconds=seconds))
    assert after.breakouts.deadline == DEADLINE + seconds


# EndBreakouts


def test_ending_with_a_countdown_starts_it() -> None:
    conversation = in_phase(RUNNING)
    after, events = execute(conversation, M1, EndBreakouts(), T0 + 30)
    assert events == (ClosingStarted(closing_at=T0 + 90),)
    assert after.breakouts.closing_at == T0 + 90
    assert next_due(after.breakouts) == T0 + 90


def test_people_stay_in_their_rooms_during_the_countdown() -> None:
    after = run(in_phase(RUNNING), EndBreakouts(), now=T0 + 30)
    assert after.breakouts.current_room(P1) == ROOM_1
    assert after.breakouts.current_room(P2) == ROOM_2


@pytest.mark.parametrize("settings", [UNTIMED, NO_COUNTDOWN])
def test_ending_without_a_countdown_ends_at_once(settings: BreakoutSettings) -> None:
    conversation = in_phase(RUNNING, settings)
    after, events = execute(conversation, OWNER, EndBreakouts(), T0 + 30)
    assert events == (SessionEnded(at=T0 + 30),)
    assert after.breakouts.phase is ENDED


def test_ending_during_the_countdown_ends_at_once() -> None:
    conversation = in_phase(CLOSING)  # the countdown runs until T0 + 70
    after, events = execute(conversation, OWNER, EndBreakouts(), T0 + 20)
    assert events == (SessionEnded(at=T0 + 20),)
    assert after.breakouts.phase is ENDED


@pytest.mark.parametrize("settings", [TIMED, UNTIMED])
def test_after_the_end_everyone_is_back_in_the_main_room(settings: BreakoutSettings) -> None:
    conversation = in_phase(RUNNING, settings)
    while conversation.breakouts.phase is not ENDED:
        conversation = run(conversation, EndBreakouts(), now=T0 + 30)
    for user in conversation.members:
        assert conversation.breakouts.current_room(user) is None


def test_the_end_clears_the_session_times_and_keeps_the_plan() -> None:
    conversation = in_phase(RUNNING)
    after = run(run(conversation, EndBreakouts(), now=T0 + 30), EndBreakouts(), now=T0 + 40)
    breakouts = after.breakouts
    assert (breakouts.started_at, breakouts.deadline, breakouts.closing_at) == (None, None, None)
    assert breakouts.plan == conversation.breakouts.plan
    assert breakouts.rooms == conversation.breakouts.rooms


# The clock: due_events and next_due


@pytest.mark.parametrize("phase", [NOT_CONFIGURED, CONFIGURED, ENDED])
def test_nothing_is_due_outside_a_session(phase: Phase) -> None:
    assert next_due(in_phase(phase).breakouts) is None


def test_a_running_session_is_due_at_its_deadline() -> None:
    assert next_due(in_phase(RUNNING).breakouts) == DEADLINE


def test_a_closing_session_is_due_when_the_countdown_ends() -> None:
    assert next_due(in_phase(CLOSING).breakouts) == T0 + 70


def test_a_session_without_a_time_limit_is_never_due_while_running() -> None:
    conversation = in_phase(RUNNING, UNTIMED)
    assert next_due(conversation.breakouts) is None
    assert due_events(conversation, T0 + 10 * MAX_DURATION) == []


def test_nothing_happens_before_the_deadline() -> None:
    assert due_events(in_phase(RUNNING), DEADLINE - 0.001) == []


def test_the_deadline_starts_the_closing_countdown() -> None:
    assert due_events(in_phase(RUNNING), DEADLINE) == [ClosingStarted(closing_at=DEADLINE + 60)]


def test_the_deadline_ends_a_session_without_countdown() -> None:
    conversation = in_phase(RUNNING, NO_COUNTDOWN)
    assert due_events(conversation, DEADLINE) == [SessionEnded(at=DEADLINE)]


def test_the_end_of_the_countdown_ends_the_session() -> None:
    conversation = in_phase(CLOSING)
    assert due_events(conversation, T0 + 69.9) == []
    assert due_events(conversation, T0 + 70) == [SessionEnded(at=T0 + 70)]


def test_long_after_the_deadline_both_events_are_dated_when_due() -> None:
    events = due_events(in_phase(RUNNING), DEADLINE + 5 * MAX_DURATION)
    assert events == [ClosingStarted(closing_at=DEADLINE + 60), SessionEnded(at=DEADLINE + 60)]


def test_asking_the_clock_changes_nothing() -> None:
    conversation = in_phase(RUNNING)
    before = snapshot(conversation)
    due_events(conversation, DEADLINE + 1_000)
    assert snapshot(conversation) == before


def test_applying_due_events_brings_everyone_back() -> None:
    conversation = in_phase(RUNNING)
    for event in due_events(conversation, DEADLINE + 1_000):
        conversation = evolve(conversation, event)
    assert conversation.breakouts.phase is ENDED
    assert conversation.breakouts.current_room(P1) is None
    assert due_events(conversation, DEADLINE + 2_000) == []


# Batch


def test_a_batch_applies_its_commands_in_order() -> None:
    conversation = in_phase(CONFIGURED)
    commands = (AddRoom(name="Extra"), PlaceAttendees(placements=(Placement(P3, RoomId(4)),)))
    after, events = execute(conversation, OWNER, Batch(commands=commands), T0)
    assert events == (
        RoomAdded(room=Room(RoomId(4), "Extra")),
        AttendeesPlaced(placements=(Placement(P3, RoomId(4)),)),
    )
    assert after == run(run(conversation, commands[0]), commands[1])


def test_a_batch_can_set_up_and_start_in_one_go() -> None:
    batch = Batch(
        commands=(
            SetUpBreakouts(room_names=room_names(2), settings=TIMED),
            ApplyBreakouts(placements=(Placement(P1, ROOM_1),), start=True),
        )
    )
    after = run(conversation_with(VOIP), batch, now=T0 + 5)
    assert after.breakouts.phase is RUNNING
    assert after.breakouts.current_room(P1) == ROOM_1


@pytest.mark.parametrize(
    ("failing", "code"),
    [
        (RemoveRoom(room_id=RoomId(99)), ErrorCode.UNKNOWN_ROOM),
        (StartBreakouts(), ErrorCode.ILLEGAL_TRANSITION),
        (
            PlaceAttendees(placements=(Placement(OWNER, ROOM_1),)),
            ErrorCode.MODERATOR_NOT_ASSIGNABLE,
        ),
        (Batch(commands=()), ErrorCode.EMPTY_BATCH),
    ],
    ids=["unknown_room", "illegal_transition", "moderator", "empty_batch"],
)
def test_a_batch_with_a_failing_command_changes_nothing(failing: Command, code: ErrorCode) -> None:
    conversation = in_phase(RUNNING)
    batch = Batch(
        commands=(
            AddRoom(name="Extra"),
            RenameRoom(room_id=ROOM_1, name="Garden"),
            failing,
            Broadcast(text="hi"),
        )
    )
    assert refusal(conversation, batch, now=T0 + 5) is code


def test_an_empty_batch_is_refused() -> None:
    assert refusal(in_phase(CONFIGURED), Batch(commands=())) is ErrorCode.EMPTY_BATCH


def test_a_batch_is_refused_when_its_actor_leaves_half_way() -> None:
    batch = Batch(commands=(Leave(), PostMessage(text="bye")))
    assert refusal(conversation_with(VOIP), batch, actor=P1) is ErrorCode.NOT_A_MEMBER


def test_batches_nest() -> None:
    inner = Batch(commands=(AddRoom(name="A"), AddRoom(name="B")))
    after = run(in_phase(CONFIGURED), Batch(commands=(inner, AddRoom(name="C"))))
    assert [room.name for room in after.breakouts.rooms][-3:] == ["A", "B", "C"]


# replay


def story() -> Log:
    """Everything a conversation can go through, as one log."""
    log = new_log(VOIP, VOIP, PHONE, VOIP, moderators=1)
    log.do(RenameConversation(title="Kick-off"))
    log.do(SetAudio(user_id=P1, audio=PHONE), actor=P1)
    log.do(AddMember(user_id=UserId("late"), display_name="Late Comer"))
    log.do(SetUpBreakouts(room_names=room_names(3), settings=replace(TIMED, phone_room_limit=2)))
    log.do(Distribute(strategy=Strategy.SMART, options=DistributeOptions(seed=4)))
    log.do(AddRoom(name="Overflow"))
    log.do(RenameRoom(room_id=ROOM_2, name="Lab"))
    log.do(PlaceAttendees(placements=(Placement(P4, RoomId(4), pinned=True),)))
    log.do(RemoveRoom(room_id=ROOM_3))
    log.do(ApplyBreakouts(placements=(Placement(P1, ROOM_1), Placement(P2, ROOM_2))))
    log.do(ChangeSettings(settings=replace(TIMED, mode=FREE_CHOICE, phone_room_limit=2)))
    log.do(StartBreakouts(), now=T0 + 100)
    log.do(JoinRoom(room_id=RoomId(4)), actor=P4, now=T0 + 110)
    log.do(RequestHelp(), actor=P2, now=T0 + 120)
    log.do(RequestHelp(), actor=P4, now=T0 + 121)
    log.do(ClearHelp(user_id=P2), actor=M1, now=T0 + 130)
    log.do(Broadcast(text="Halfway"), now=T0 + 140)
    log.do(PostMessage(text="hello room", room_id=ROOM_1), actor=P1, now=T0 + 150)
    log.do(ExtendTime(seconds=120), now=T0 + 160)
    log.do(SetRole(user_id=P2, role=Role.MODERATOR), now=T0 + 170)
    log.do(RemoveMember(user_id=UserId("late")), now=T0 + 180)
    for event in due_events(log.conversation, T0 + 5_000):
        log.conversation = evolve(log.conversation, event)
        log.events.append(event)
    log.do(ApplyBreakouts(placements=(Placement(P3, ROOM_1),)), now=T0 + 6_000)
    log.do(DeleteBreakouts(), now=T0 + 6_010)
    log.do(SetUpBreakouts(room_names=("Again",)), now=T0 + 6_020)
    log.do(Leave(), actor=M1, now=T0 + 6_030)
    return log


def test_replaying_the_log_gives_the_same_conversation() -> None:
    log = story()
    assert replay(log.events) == log.conversation


def test_the_story_visits_every_phase_and_every_kind_of_event() -> None:
    log = story()
    kinds = {type(event) for event in log.events}
    assert kinds == set(typing.get_args(Event))


def test_replaying_every_prefix_gives_the_state_at_that_point() -> None:
    log = new_log(VOIP, VOIP)
    states = [log.conversation]
    counts = [len(log.events)]
    for command in (
        SetUpBreakouts(room_names=room_names(2), settings=TIMED),
        PlaceAttendees(placements=(Placement(P1, ROOM_1), Placement(P2, ROOM_2))),
        StartBreakouts(),
        EndBreakouts(),
        EndBreakouts(),
    ):
        log.do(command)
        states.append(log.conversation)
        counts.append(len(log.events))
    for state, count in zip(states, counts, strict=True):
        assert replay(log.events[:count]) == state


def test_a_log_starts_with_the_creation() -> None:
    with pytest.raises(ValueError, match="starts with ConversationCreated"):
        replay([ConversationRenamed(title="Orphan")])


def test_a_created_conversation_makes_its_owner_a_moderator() -> None:
    owner = Member(user_id=OWNER, display_name="Olivia", role=Role.PARTICIPANT)
    created_event = ConversationCreated(conversation_id="c-9", title="T", owner=owner)
    conversation = replay([created_event])
    assert conversation.members[OWNER].role is Role.MODERATOR
    assert (conversation.id, conversation.title, conversation.owner) == ("c-9", "T", OWNER)


# The wire format


BRIDGE = PhoneBridge("+1 555 0100", ("111", "222"))
SETTINGS = BreakoutSettings(
    mode=AssignmentMode.AUTOMATIC,
    time_limit=900,
    closing_countdown=30,
    phone_room_limit=2,
    bridge=BRIDGE,
)
PLACEMENTS = (
    Placement(P1, ROOM_1, pinned=True, reason=PlacementReason.PINNED),
    Placement(P2, None),
)
MEMBER = Member(user_id=P1, display_name="Ann", audio=PHONE, attributes={"team": "blue"})

EVENTS: list[Event] = [
    ConversationCreated(conversation_id="c-1", title="Workshop", owner=MEMBER),
    ConversationRenamed(title="Retro"),
    MemberAdded(member=MEMBER),
    MemberRemoved(user_id=P1),
    RoleChanged(user_id=P1, role=Role.MODERATOR),
    AudioChanged(user_id=P1, audio=PHONE),
    MessagePosted(author=P1, text="hi", room_id=None, at=T0),
    MessagePosted(author=P1, text="hi", room_id=ROOM_2, at=T0 + 0.25),
    BreakoutsSetUp(rooms=(Room(ROOM_1, "A"), Room(ROOM_2, "B")), settings=SETTINGS),
    SettingsChanged(settings=MANUAL),
    RoomAdded(room=Room(ROOM_3, "C")),
    RoomRemoved(room_id=ROOM_3),
    RoomRenamed(room_id=ROOM_1, name="Aa"),
    AttendeesPlaced(placements=PLACEMENTS),
    BreakoutsApplied(),
    SessionStarted(started_at=T0, deadline=None),
    SessionStarted(started_at=T0, deadline=T0 + 900),
    TimeExtended(deadline=T0 + 960),
    ClosingStarted(closing_at=T0 + 990),
    SessionEnded(at=T0 + 990),
    BreakoutsDeleted(),
    BroadcastSent(author=OWNER, text="Back soon", at=T0),
    HelpRequested(user_id=P1, room_id=ROOM_1, at=T0),
    HelpCleared(user_id=P1, by=OWNER),
]

COMMANDS: list[Command] = [
    RenameConversation(title="Retro"),
    AddMember(user_id=P1, display_name="Ann"),
    AddMember(
        user_id=P2,
        display_name="Bo",
        role=Role.MODERATOR,
        audio=PHONE,
        attributes={"company": "Acme"},
    ),
    RemoveMember(user_id=P1),
    Leave(),
    SetRole(user_id=P1, role=Role.MODERATOR),
    SetAudio(user_id=P1, audio=PHONE),
    PostMessage(text="hi"),
    PostMessage(text="hi", room_id=ROOM_2),
    SetUpBreakouts(room_names=("A", "B")),
    SetUpBreakouts(room_names=("A",), settings=SETTINGS, seed=42),
    ChangeSettings(settings=SETTINGS),
    AddRoom(name="C"),
    RemoveRoom(room_id=ROOM_3),
    RenameRoom(room_id=ROOM_1, name="Aa"),
    PlaceAttendees(placements=PLACEMENTS),
    Distribute(),
    Distribute(
        strategy=Strategy.PLAIN,
        options=DistributeOptions(
            seed=9,
            keep_together=(frozenset({P1, P2}),),
            keep_apart=(frozenset({P2, P3}), frozenset({P1})),
            balance_by="team",
        ),
    ),
    ApplyBreakouts(placements=PLACEMENTS, start=True),
    DeleteBreakouts(),
    StartBreakouts(),
    Broadcast(text="Back soon"),
    JoinRoom(room_id=ROOM_2),
    LeaveRoom(),
    RequestHelp(),
    CancelHelp(),
    ClearHelp(user_id=P1),
    ExtendTime(seconds=60),
    EndBreakouts(),
    Batch(commands=(AddRoom(name="D"), Batch(commands=(EndBreakouts(),)))),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_events_round_trip_through_json(event: Event) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(event), type=Event)
    assert decoded == event
    assert type(decoded) is type(event)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: type(command).__name__)
def test_commands_round_trip_through_json(command: Command) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(command), type=Command)
    assert decoded == command
    assert type(decoded) is type(command)


def test_every_kind_of_event_and_command_is_round_tripped() -> None:
    assert {type(event) for event in EVENTS} == set(typing.get_args(Event))
    assert {type(command) for command in COMMANDS} == set(typing.get_args(Command))


def test_the_wire_names_events_and_commands_by_type() -> None:
    assert msgspec.json.encode(BreakoutsApplied()) == b'{"type":"breakouts_applied"}'
    assert msgspec.json.encode(Leave()) == b'{"type":"leave"}'


def test_a_whole_log_round_trips_and_still_replays() -> None:
    log = story()
    wire = msgspec.json.encode(log.events)
    decoded = msgspec.json.decode(wire, type=list[Event])
    assert decoded == log.events
    assert replay(decoded) == log.conversation

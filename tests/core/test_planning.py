"""Setting breakout rooms up and planning who goes where."""

from __future__ import annotations

import pytest
from builders import (
    LISTENING,
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
    conversation_with,
    in_phase,
    place,
    refusal,
    room_names,
    room_sizes,
    run,
    set_up,
)
from msgspec.structs import replace

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    DistributeOptions,
    ErrorCode,
    Phase,
    PhoneBridge,
    Placement,
    PlacementReason,
    Room,
    RoomId,
    UserId,
    execute,
)
from desktop.core.breakouts import MAX_CLOSING_COUNTDOWN, MAX_DURATION, MAX_ROOMS
from desktop.core.commands import (
    AddRoom,
    ApplyBreakouts,
    ChangeSettings,
    DeleteBreakouts,
    Distribute,
    PlaceAttendees,
    RemoveRoom,
    RenameRoom,
    RequestHelp,
    SetUpBreakouts,
    StartBreakouts,
    Strategy,
)
from desktop.core.events import (
    AttendeesPlaced,
    BreakoutsApplied,
    BreakoutsDeleted,
    BreakoutsSetUp,
    RoomAdded,
    RoomRemoved,
    RoomRenamed,
    SessionStarted,
    SettingsChanged,
)

AUTOMATIC = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)
FREE_CHOICE = BreakoutSettings(mode=AssignmentMode.FREE_CHOICE)
ROOM_4 = RoomId(4)

PINS = ("1001", "1002", "1003")
BRIDGE = PhoneBridge("+1 (555) 010-0199", PINS)


def bridged(bridge: PhoneBridge) -> BreakoutSettings:
    """Settings with three phone rooms and ``bridge``."""
    return BreakoutSettings(phone_room_limit=3, bridge=bridge)


def mix(voip: int = 0, listening: int = 0, phone: int = 0) -> Conversation:
    """A conversation with a second moderator and attendees of the given
    connections, numbered in that order."""
    audio = [VOIP] * voip + [LISTENING] * listening + [PHONE] * phone
    return conversation_with(*audio, moderators=1)


def attendees(conversation: Conversation) -> set[UserId]:
    return {member.user_id for member in conversation.attendees()}


def positions_of(conversation: Conversation, audio: AudioConnection) -> set[int]:
    """The positions of the rooms that members with ``audio`` are in."""
    breakouts = conversation.breakouts
    return {
        breakouts.position(room)
        for user, room in breakouts.plan.rooms_of.items()
        if conversation.members[user].audio is audio
    }


def mixed_rooms(conversation: Conversation) -> set[RoomId]:
    """The rooms where Phone attendees sit with VOIP or Just Listening ones."""
    audio_of: dict[RoomId, set[AudioConnection]] = {}
    for user, room in conversation.breakouts.plan.rooms_of.items():
        audio_of.setdefault(room, set()).add(conversation.members[user].audio)
    return {room for room, audio in audio_of.items() if PHONE in audio and len(audio) > 1}


# SetUpBreakouts


def test_set_up_creates_numbered_rooms_and_keeps_the_settings() -> None:
    command = SetUpBreakouts(room_names=("Red", "Green"), settings=TIMED)
    after, events = execute(conversation_with(VOIP), OWNER, command, T0)
    rooms = (Room(ROOM_1, "Red"), Room(ROOM_2, "Green"))
    assert events == (BreakoutsSetUp(rooms=rooms, settings=TIMED),)
    assert after.breakouts.phase is Phase.CONFIGURED
    assert after.breakouts.rooms == rooms
    assert after.breakouts.settings == TIMED
    assert after.breakouts.plan.rooms_of == {}


@pytest.mark.parametrize("count", [1, 2, 50, MAX_ROOMS])
def test_one_to_two_hundred_rooms_can_be_set_up(count: int) -> None:
    after = set_up(conversation_with(), count)
    assert [room.id for room in after.breakouts.rooms] == list(range(1, count + 1))


@pytest.mark.parametrize("count", [0, MAX_ROOMS + 1, 500])
def test_fewer_than_one_or_more_than_two_hundred_rooms_are_refused(count: int) -> None:
    command = SetUpBreakouts(room_names=room_names(count))
    assert refusal(conversation_with(), command) is ErrorCode.ROOM_LIMIT


def test_participants_cannot_set_up_rooms() -> None:
    command = SetUpBreakouts(room_names=room_names(2))
    assert refusal(conversation_with(VOIP), command, actor=P1) is ErrorCode.FORBIDDEN


def test_room_names_are_cleaned_of_extra_blanks() -> None:
    command = SetUpBreakouts(room_names=("  Blue   room ", "\tAttic\n"))
    after = run(conversation_with(), command)
    assert [room.name for room in after.breakouts.rooms] == ["Blue room", "Attic"]


@pytest.mark.parametrize(
    "names",
    [
        ("Room A", "Room A"),
        ("Room A", "room a"),
        ("Room A", "  ROOM   A "),
        ("Straße", "STRASSE"),
        ("One", "Two", "one"),
    ],
)
def test_room_names_must_differ_ignoring_case(names: tuple[str, ...]) -> None:
    command = SetUpBreakouts(room_names=names)
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_NAME


@pytest.mark.parametrize("bad", ["", "   ", "r" * 81, "bell\x07"])
def test_room_names_must_be_one_to_eighty_printable_characters(bad: str) -> None:
    command = SetUpBreakouts(room_names=("Fine", bad))
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_NAME


@pytest.mark.parametrize(
    "settings",
    [
        BreakoutSettings(time_limit=0),
        BreakoutSettings(time_limit=-60),
        BreakoutSettings(time_limit=MAX_DURATION + 1),
        BreakoutSettings(closing_countdown=0),
        BreakoutSettings(closing_countdown=-1),
        BreakoutSettings(closing_countdown=MAX_CLOSING_COUNTDOWN + 1),
        BreakoutSettings(phone_room_limit=0),
        BreakoutSettings(phone_room_limit=-1),
        BreakoutSettings(phone_room_limit=MAX_ROOMS + 1),
    ],
    ids=repr,
)
def test_durations_and_the_phone_room_limit_must_be_in_range(settings: BreakoutSettings) -> None:
    command = SetUpBreakouts(room_names=room_names(2), settings=settings)
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_SETTING


@pytest.mark.parametrize(
    "settings",
    [
        BreakoutSettings(time_limit=1, closing_countdown=1, phone_room_limit=1),
        BreakoutSettings(
            time_limit=MAX_DURATION,
            closing_countdown=MAX_CLOSING_COUNTDOWN,
            phone_room_limit=MAX_ROOMS,
        ),
        bridged(BRIDGE),
        bridged(PhoneBridge("555 0100", ("000", "123456789012", "42424"))),
    ],
    ids=repr,
)
def test_settings_at_the_limits_are_accepted(settings: BreakoutSettings) -> None:
    after = set_up(conversation_with(), 2, settings)
    assert after.breakouts.settings == settings


@pytest.mark.parametrize(
    "number",
    ["", "12", "+1-2", "555-0100 ext 2", "555.010.0199", "(555) x", "\uff15\uff15\uff15 0100"],
)
def test_the_dial_in_number_needs_three_ascii_digits_and_no_letters(number: str) -> None:
    command = SetUpBreakouts(room_names=room_names(3), settings=bridged(PhoneBridge(number, PINS)))
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_SETTING


@pytest.mark.parametrize("pins", [(), ("1001", "1002"), ("1001", "1002", "1003", "1004")])
def test_the_bridge_needs_one_pin_per_phone_room(pins: tuple[str, ...]) -> None:
    command = SetUpBreakouts(
        room_names=room_names(3), settings=bridged(PhoneBridge("555 0100", pins))
    )
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_SETTING


@pytest.mark.parametrize(
    "pin", ["", "12", "1" * 13, "12a4", "12 34", "-123", "\u0661\u0662\u0663", "\uff11\uff12\uff13"]
)
def test_pins_are_three_to_twelve_ascii_digits(pin: str) -> None:
    bridge = PhoneBridge("555 0100", ("1001", pin, "1003"))
    command = SetUpBreakouts(room_names=room_names(3), settings=bridged(bridge))
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_SETTING


def test_every_phone_room_needs_a_pin_of_its_own() -> None:
    bridge = PhoneBridge("555 0100", ("1001", "1002", "1001"))
    command = SetUpBreakouts(room_names=room_names(3), settings=bridged(bridge))
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_SETTING


def test_rooms_cannot_be_set_up_twice() -> None:
    conversation = set_up(conversation_with())
    command = SetUpBreakouts(room_names=room_names(2))
    assert refusal(conversation, command) is ErrorCode.ALREADY_SET_UP


def test_manual_set_up_places_nobody() -> None:
    after, events = execute(
        mix(voip=3), OWNER, SetUpBreakouts(room_names=room_names(2), settings=MANUAL), T0
    )
    assert [type(event) for event in events] == [BreakoutsSetUp]
    assert after.breakouts.plan.rooms_of == {}


def test_automatic_set_up_distributes_every_attendee_at_once() -> None:
    conversation = mix(voip=5, listening=2, phone=2)
    command = SetUpBreakouts(room_names=room_names(3), settings=AUTOMATIC)
    after, events = execute(conversation, OWNER, command, T0)
    assert [type(event) for event in events] == [BreakoutsSetUp, AttendeesPlaced]
    assert set(after.breakouts.plan.rooms_of) == attendees(conversation)
    assert not mixed_rooms(after)


def test_automatic_set_up_fills_the_rooms_evenly() -> None:
    after = set_up(mix(voip=7, listening=3), 3, AUTOMATIC)
    assert sorted(room_sizes(after).values()) == [3, 3, 4]


def test_automatic_set_up_never_places_moderators() -> None:
    after = set_up(mix(voip=4), 2, AUTOMATIC)
    assert OWNER not in after.breakouts.plan.rooms_of
    assert M1 not in after.breakouts.plan.rooms_of


def test_automatic_set_up_keeps_phones_within_the_phone_room_limit() -> None:
    settings = replace(AUTOMATIC, phone_room_limit=2)
    after = set_up(mix(voip=6, phone=4), 5, settings)
    assert positions_of(after, PHONE) <= {1, 2}


def test_automatic_set_up_with_nobody_to_place_only_sets_up() -> None:
    command = SetUpBreakouts(room_names=room_names(3), settings=AUTOMATIC)
    _, events = execute(conversation_with(moderators=1), OWNER, command, T0)
    assert [type(event) for event in events] == [BreakoutsSetUp]


def test_automatic_set_up_is_repeatable_for_a_seed() -> None:
    command = SetUpBreakouts(room_names=room_names(4), settings=AUTOMATIC, seed=7)
    conversation = mix(voip=9, listening=3)
    assert execute(conversation, OWNER, command, T0) == execute(conversation, OWNER, command, T0)


# ChangeSettings


@pytest.mark.parametrize("phase", [Phase.CONFIGURED, Phase.ENDED])
def test_moderators_change_the_settings_between_sessions(phase: Phase) -> None:
    conversation = in_phase(phase)
    settings = BreakoutSettings(mode=AssignmentMode.FREE_CHOICE, time_limit=90)
    after, events = execute(conversation, OWNER, ChangeSettings(settings=settings), T0 + 30)
    assert events == (SettingsChanged(settings=settings),)
    assert after.breakouts.settings == settings
    assert after.breakouts.plan == conversation.breakouts.plan
    assert after.breakouts.phase is phase


def test_changing_to_automatic_mode_does_not_redistribute() -> None:
    conversation = in_phase(Phase.CONFIGURED)
    after = run(conversation, ChangeSettings(settings=AUTOMATIC))
    assert after.breakouts.plan == conversation.breakouts.plan


def test_participants_cannot_change_the_settings() -> None:
    command = ChangeSettings(settings=TIMED)
    assert refusal(in_phase(Phase.CONFIGURED), command, actor=P1) is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    "settings",
    [
        BreakoutSettings(time_limit=0),
        BreakoutSettings(closing_countdown=MAX_CLOSING_COUNTDOWN + 1),
        BreakoutSettings(phone_room_limit=0),
        bridged(PhoneBridge("555 0100", ("1001", "1002"))),
    ],
    ids=repr,
)
def test_changed_settings_are_validated(settings: BreakoutSettings) -> None:
    command = ChangeSettings(settings=settings)
    assert refusal(in_phase(Phase.CONFIGURED), command) is ErrorCode.INVALID_SETTING


def test_settings_cannot_change_before_set_up() -> None:
    command = ChangeSettings(settings=TIMED)
    assert refusal(conversation_with(), command) is ErrorCode.NOT_SET_UP


@pytest.mark.parametrize("phase", [Phase.RUNNING, Phase.CLOSING])
def test_settings_cannot_change_while_rooms_run(phase: Phase) -> None:
    command = ChangeSettings(settings=MANUAL)
    assert refusal(in_phase(phase), command) is ErrorCode.ILLEGAL_TRANSITION


# AddRoom


def test_an_added_room_comes_last_with_the_next_id() -> None:
    conversation = set_up(conversation_with())
    after, events = execute(conversation, OWNER, AddRoom(name="  Extra  room "), T0)
    assert events == (RoomAdded(room=Room(ROOM_4, "Extra room")),)
    assert after.breakouts.rooms[-1] == Room(ROOM_4, "Extra room")
    assert after.breakouts.next_room_id == RoomId(5)


def test_an_added_room_never_reuses_the_id_of_a_removed_one() -> None:
    conversation = run(set_up(conversation_with()), RemoveRoom(room_id=ROOM_3))
    after = run(conversation, AddRoom(name="Room 3"))
    assert [room.id for room in after.breakouts.rooms] == [ROOM_1, ROOM_2, ROOM_4]


@pytest.mark.parametrize("name", ["Room 1", "ROOM 2", "  room   3 "])
def test_an_added_room_needs_a_name_of_its_own(name: str) -> None:
    conversation = set_up(conversation_with())
    assert refusal(conversation, AddRoom(name=name)) is ErrorCode.INVALID_NAME


@pytest.mark.parametrize("name", ["", "   ", "r" * 81])
def test_an_added_room_needs_a_usable_name(name: str) -> None:
    conversation = set_up(conversation_with())
    assert refusal(conversation, AddRoom(name=name)) is ErrorCode.INVALID_NAME


def test_no_room_can_be_added_beyond_two_hundred() -> None:
    conversation = set_up(conversation_with(), MAX_ROOMS)
    assert refusal(conversation, AddRoom(name="One too many")) is ErrorCode.ROOM_LIMIT


def test_the_two_hundredth_room_can_be_added() -> None:
    after = run(set_up(conversation_with(), MAX_ROOMS - 1), AddRoom(name="Last"))
    assert len(after.breakouts.rooms) == MAX_ROOMS


def test_participants_cannot_add_rooms() -> None:
    conversation = set_up(conversation_with(VOIP))
    assert refusal(conversation, AddRoom(name="Mine"), actor=P1) is ErrorCode.FORBIDDEN


def test_rooms_can_be_added_while_they_run() -> None:
    after = run(in_phase(Phase.RUNNING), AddRoom(name="Overflow"), now=T0 + 5)
    assert after.breakouts.rooms[-1] == Room(ROOM_4, "Overflow")
    assert after.breakouts.phase is Phase.RUNNING


# RemoveRoom


def test_removing_a_room_sends_its_people_back_to_the_main_room() -> None:
    conversation = place(set_up(mix(voip=3)), {P1: ROOM_1, P2: ROOM_1, P3: ROOM_2})
    after, events = execute(conversation, OWNER, RemoveRoom(room_id=ROOM_1), T0)
    assert events == (RoomRemoved(room_id=ROOM_1),)
    assert [room.id for room in after.breakouts.rooms] == [ROOM_2, ROOM_3]
    assert after.breakouts.plan.rooms_of == {P3: ROOM_2}


def test_removing_a_room_forgets_its_pins() -> None:
    placement = Placement(P1, ROOM_1, pinned=True)
    conversation = run(set_up(mix(voip=1)), PlaceAttendees(placements=(placement,)))
    after = run(conversation, RemoveRoom(room_id=ROOM_1))
    assert after.breakouts.plan.pinned == frozenset()
    assert after.breakouts.plan.reasons == {}


def test_removing_a_running_room_clears_its_people_s_help_requests() -> None:
    conversation = in_phase(Phase.RUNNING)
    conversation = run(conversation, RequestHelp(), actor=P1, now=T0 + 1)
    conversation = run(conversation, RequestHelp(), actor=P2, now=T0 + 2)
    after = run(conversation, RemoveRoom(room_id=ROOM_1), now=T0 + 3)
    assert after.breakouts.help_requests == {P2: T0 + 2}
    assert after.breakouts.current_room(P1) is None
    assert after.breakouts.current_room(P2) == ROOM_2


def test_the_last_room_cannot_be_removed() -> None:
    conversation = set_up(conversation_with(), 1)
    assert refusal(conversation, RemoveRoom(room_id=ROOM_1)) is ErrorCode.ROOM_LIMIT


def test_the_second_to_last_room_can_be_removed() -> None:
    after = run(set_up(conversation_with(), 2), RemoveRoom(room_id=ROOM_1))
    assert after.breakouts.rooms == (Room(ROOM_2, "Room 2"),)


def test_an_unknown_room_cannot_be_removed() -> None:
    conversation = set_up(conversation_with())
    assert refusal(conversation, RemoveRoom(room_id=RoomId(99))) is ErrorCode.UNKNOWN_ROOM


def test_participants_cannot_remove_rooms() -> None:
    conversation = set_up(conversation_with(VOIP))
    assert refusal(conversation, RemoveRoom(room_id=ROOM_1), actor=P1) is ErrorCode.FORBIDDEN


# RenameRoom


def test_moderators_rename_rooms_with_a_cleaned_name() -> None:
    conversation = set_up(conversation_with())
    after, events = execute(conversation, OWNER, RenameRoom(room_id=ROOM_2, name=" Lab  B "), T0)
    assert events == (RoomRenamed(room_id=ROOM_2, name="Lab B"),)
    assert after.breakouts.rooms[1] == Room(ROOM_2, "Lab B")


@pytest.mark.parametrize("name", ["Room 2", "  Room   2 "])
def test_renaming_a_room_to_its_own_name_changes_nothing(name: str) -> None:
    conversation = set_up(conversation_with())
    after, events = execute(conversation, OWNER, RenameRoom(room_id=ROOM_2, name=name), T0)
    assert events == ()
    assert after == conversation


def test_a_room_can_change_the_case_of_its_own_name() -> None:
    conversation = set_up(conversation_with())
    after = run(conversation, RenameRoom(room_id=ROOM_2, name="ROOM 2"))
    assert after.breakouts.rooms[1].name == "ROOM 2"


@pytest.mark.parametrize("name", ["Room 1", "room 3", "", "  ", "r" * 81])
def test_a_room_cannot_take_another_room_s_name_or_a_blank_one(name: str) -> None:
    conversation = set_up(conversation_with())
    command = RenameRoom(room_id=ROOM_2, name=name)
    assert refusal(conversation, command) is ErrorCode.INVALID_NAME


def test_an_unknown_room_cannot_be_renamed() -> None:
    command = RenameRoom(room_id=RoomId(99), name="Nowhere")
    assert refusal(set_up(conversation_with()), command) is ErrorCode.UNKNOWN_ROOM


def test_participants_cannot_rename_rooms() -> None:
    command = RenameRoom(room_id=ROOM_1, name="Mine")
    assert refusal(set_up(conversation_with(VOIP)), command, actor=P1) is ErrorCode.FORBIDDEN


# PlaceAttendees


def test_placing_assigns_moves_and_unassigns_by_hand() -> None:
    conversation = place(set_up(mix(voip=3)), {P1: ROOM_1, P2: ROOM_1})
    placements = (
        Placement(P1, ROOM_2),
        Placement(P2, None),
        Placement(P3, ROOM_3, pinned=True),
    )
    after, events = execute(conversation, OWNER, PlaceAttendees(placements=placements), T0)
    assert events == (AttendeesPlaced(placements=placements),)
    assert after.breakouts.plan.rooms_of == {P1: ROOM_2, P3: ROOM_3}
    assert after.breakouts.plan.pinned == frozenset({P3})


def test_hand_placements_always_give_the_manual_reason() -> None:
    placement = Placement(P1, ROOM_1, reason=PlacementReason.BALANCED)
    command = PlaceAttendees(placements=(placement,))
    after, events = execute(set_up(mix(voip=1)), OWNER, command, T0)
    manual = Placement(P1, ROOM_1, reason=PlacementReason.MANUAL)
    assert events == (AttendeesPlaced(placements=(manual,)),)
    assert after.breakouts.plan.reasons == {P1: PlacementReason.MANUAL}


def test_placing_nobody_changes_nothing() -> None:
    conversation = set_up(mix(voip=1))
    after, events = execute(conversation, OWNER, PlaceAttendees(placements=()), T0)
    assert events == ()
    assert after == conversation


def test_participants_cannot_place_attendees() -> None:
    command = PlaceAttendees(placements=(Placement(P1, ROOM_1),))
    assert refusal(set_up(mix(voip=1)), command, actor=P1) is ErrorCode.FORBIDDEN


@pytest.mark.parametrize("user", [OWNER, M1])
@pytest.mark.parametrize("room", [ROOM_1, None])
def test_moderators_cannot_be_placed(user: UserId, room: RoomId | None) -> None:
    command = PlaceAttendees(placements=(Placement(user, room),))
    assert refusal(set_up(mix(voip=1)), command) is ErrorCode.MODERATOR_NOT_ASSIGNABLE


def test_nobody_can_be_placed_in_an_unknown_room() -> None:
    command = PlaceAttendees(placements=(Placement(P1, RoomId(99)),))
    assert refusal(set_up(mix(voip=1)), command) is ErrorCode.UNKNOWN_ROOM


def test_strangers_cannot_be_placed() -> None:
    command = PlaceAttendees(placements=(Placement(STRANGER, ROOM_1),))
    assert refusal(set_up(mix(voip=1)), command) is ErrorCode.NOT_A_MEMBER


def test_a_phone_attendee_beyond_the_phone_room_limit_is_refused() -> None:
    conversation = set_up(mix(phone=1), 3, BreakoutSettings(phone_room_limit=2))
    command = PlaceAttendees(placements=(Placement(P1, ROOM_3),))
    assert refusal(conversation, command) is ErrorCode.PHONE_ROOM_LIMIT


def test_the_phone_room_limit_counts_positions_not_ids() -> None:
    # After room 1 goes, room 3 is the second room: within a limit of 2.
    conversation = set_up(mix(phone=1), 3, BreakoutSettings(phone_room_limit=2))
    conversation = run(conversation, RemoveRoom(room_id=ROOM_1))
    after = place(conversation, {P1: ROOM_3})
    assert after.breakouts.plan.rooms_of == {P1: ROOM_3}


@pytest.mark.parametrize(("audio", "room"), [(PHONE, ROOM_2), (VOIP, ROOM_3), (LISTENING, ROOM_3)])
def test_the_phone_room_limit_holds_only_phones_back(audio: AudioConnection, room: RoomId) -> None:
    conversation = set_up(conversation_with(audio), 3, BreakoutSettings(phone_room_limit=2))
    after = place(conversation, {P1: room})
    assert after.breakouts.plan.rooms_of == {P1: room}


def test_one_refused_placement_refuses_them_all() -> None:
    placements = (Placement(P1, ROOM_1), Placement(P2, RoomId(99)), Placement(P3, ROOM_2))
    command = PlaceAttendees(placements=placements)
    assert refusal(set_up(mix(voip=3)), command) is ErrorCode.UNKNOWN_ROOM


def test_placing_someone_while_rooms_run_moves_them_at_once() -> None:
    after = place(in_phase(Phase.RUNNING), {P1: ROOM_3, P3: ROOM_1})
    assert after.breakouts.current_room(P1) == ROOM_3
    assert after.breakouts.current_room(P3) == ROOM_1


def test_moving_someone_clears_their_help_request() -> None:
    conversation = run(in_phase(Phase.RUNNING), RequestHelp(), actor=P1, now=T0 + 1)
    after = place(conversation, {P1: ROOM_3})
    assert after.breakouts.help_requests == {}


# Distribute


@pytest.mark.parametrize("strategy", list(Strategy))
def test_distributing_places_every_attendee_and_no_moderator(strategy: Strategy) -> None:
    conversation = set_up(mix(voip=5, listening=2, phone=2))
    after, events = execute(conversation, OWNER, Distribute(strategy=strategy), T0)
    assert [type(event) for event in events] == [AttendeesPlaced]
    assert set(after.breakouts.plan.rooms_of) == attendees(conversation)


@pytest.mark.parametrize("strategy", list(Strategy))
def test_distributing_fills_the_rooms_evenly(strategy: Strategy) -> None:
    after = run(set_up(mix(voip=6, listening=3)), Distribute(strategy=strategy))
    assert sorted(room_sizes(after).values()) == [3, 3, 3]


def test_smart_distribution_keeps_phones_apart_from_voices() -> None:
    after = run(set_up(mix(voip=5, listening=2, phone=2)), Distribute(strategy=Strategy.SMART))
    assert not mixed_rooms(after)


def test_smart_distribution_gives_reasons_and_respects_the_phone_limit() -> None:
    conversation = set_up(mix(voip=6, phone=3), 4, BreakoutSettings(phone_room_limit=1))
    after = run(conversation, Distribute(strategy=Strategy.SMART))
    assert positions_of(after, PHONE) == {1}
    assert PlacementReason.MANUAL not in set(after.breakouts.plan.reasons.values())


@pytest.mark.parametrize("strategy", list(Strategy))
def test_distributing_keeps_pinned_attendees_where_they_are(strategy: Strategy) -> None:
    conversation = set_up(mix(voip=6))
    pins = (Placement(P1, ROOM_3, pinned=True), Placement(P2, ROOM_3, pinned=True))
    conversation = run(conversation, PlaceAttendees(placements=pins))
    after = run(conversation, Distribute(strategy=strategy))
    plan = after.breakouts.plan
    assert (plan.rooms_of[P1], plan.rooms_of[P2]) == (ROOM_3, ROOM_3)
    assert plan.pinned == frozenset({P1, P2})
    assert sorted(room_sizes(after).values()) == [2, 2, 2]


@pytest.mark.parametrize("strategy", list(Strategy))
def test_distributing_replaces_unpinned_hand_placements(strategy: Strategy) -> None:
    conversation = place(set_up(mix(voip=6)), {P1: ROOM_1, P2: ROOM_1, P3: ROOM_1, P4: ROOM_1})
    after = run(conversation, Distribute(strategy=strategy))
    assert sorted(room_sizes(after).values()) == [2, 2, 2]


@pytest.mark.parametrize("strategy", list(Strategy))
def test_distributing_again_with_the_same_seed_changes_nothing(strategy: Strategy) -> None:
    command = Distribute(strategy=strategy, options=DistributeOptions(seed=3))
    conversation = run(set_up(mix(voip=7, listening=2)), command)
    after, events = execute(conversation, OWNER, command, T0)
    assert events == ()
    assert after == conversation


def test_distributing_with_nobody_to_place_changes_nothing() -> None:
    _, events = execute(set_up(conversation_with(moderators=1)), OWNER, Distribute(), T0)
    assert events == ()


@pytest.mark.parametrize("mode", [AssignmentMode.MANUAL, AssignmentMode.AUTOMATIC])
def test_moderator_assigned_modes_can_distribute(mode: AssignmentMode) -> None:
    conversation = set_up(mix(voip=2), 2, BreakoutSettings(mode=mode))
    after = run(conversation, Distribute())
    assert set(after.breakouts.plan.rooms_of) == {P1, P2}


def test_free_choice_rooms_are_not_distributed() -> None:
    conversation = set_up(mix(voip=2), 2, FREE_CHOICE)
    assert refusal(conversation, Distribute()) is ErrorCode.WRONG_ASSIGNMENT_MODE


@pytest.mark.parametrize("phase", [Phase.RUNNING, Phase.CLOSING])
def test_running_rooms_are_not_redistributed(phase: Phase) -> None:
    assert refusal(in_phase(phase), Distribute()) is ErrorCode.ILLEGAL_TRANSITION


def test_ended_rooms_can_be_redistributed_for_the_next_session() -> None:
    after = run(in_phase(Phase.ENDED), Distribute(), now=T0 + 30)
    assert set(after.breakouts.plan.rooms_of) == {P1, P2, P3}


def test_participants_cannot_distribute() -> None:
    assert refusal(set_up(mix(voip=2)), Distribute(), actor=P1) is ErrorCode.FORBIDDEN


def test_nothing_is_distributed_before_set_up() -> None:
    assert refusal(mix(voip=2), Distribute()) is ErrorCode.NOT_SET_UP


# ApplyBreakouts


def test_applying_saves_the_plan_as_one_diff() -> None:
    conversation = set_up(mix(voip=3))
    placements = (Placement(P1, ROOM_1), Placement(P2, ROOM_2, True, PlacementReason.BALANCED))
    after, events = execute(conversation, OWNER, ApplyBreakouts(placements=placements), T0)
    assert events == (AttendeesPlaced(placements=placements), BreakoutsApplied())
    assert after.breakouts.plan.rooms_of == {P1: ROOM_1, P2: ROOM_2}
    assert after.breakouts.plan.pinned == frozenset({P2})
    assert after.breakouts.plan.reasons[P2] is PlacementReason.BALANCED
    assert after.breakouts.phase is Phase.CONFIGURED


def test_applying_reports_only_what_changed() -> None:
    conversation = place(set_up(mix(voip=3)), {P1: ROOM_1, P2: ROOM_2})
    placements = (Placement(P1, ROOM_1), Placement(P2, ROOM_3), Placement(P3, ROOM_1))
    _, events = execute(conversation, OWNER, ApplyBreakouts(placements=placements), T0)
    assert events == (
        AttendeesPlaced(placements=(Placement(P2, ROOM_3), Placement(P3, ROOM_1))),
        BreakoutsApplied(),
    )


def test_applying_the_current_plan_only_saves_it() -> None:
    conversation = place(set_up(mix(voip=2)), {P1: ROOM_1, P2: ROOM_2})
    plan = conversation.breakouts.plan
    placements = tuple(
        Placement(user, room, user in plan.pinned, plan.reasons[user])
        for user, room in plan.rooms_of.items()
    )
    command = ApplyBreakouts(placements=placements)
    after, events = execute(conversation, OWNER, command, T0)
    assert events == (BreakoutsApplied(),)
    assert after == conversation


def test_applying_reports_a_changed_pin_or_reason() -> None:
    conversation = place(set_up(mix(voip=2)), {P1: ROOM_1, P2: ROOM_2})
    placements = (
        Placement(P1, ROOM_1, pinned=True),
        Placement(P2, ROOM_2, reason=PlacementReason.BALANCED),
    )
    command = ApplyBreakouts(placements=placements)
    _, events = execute(conversation, OWNER, command, T0)
    assert events[0] == AttendeesPlaced(placements=placements)


def test_attendees_missing_from_an_applied_plan_go_back_to_the_main_room() -> None:
    conversation = place(set_up(mix(voip=3)), {P1: ROOM_1, P2: ROOM_2, P3: ROOM_3})
    placements = (Placement(P1, ROOM_1), Placement(P3, None))
    after, events = execute(conversation, OWNER, ApplyBreakouts(placements=placements), T0)
    assert events == (
        AttendeesPlaced(placements=(Placement(P2, None), Placement(P3, None))),
        BreakoutsApplied(),
    )
    assert after.breakouts.plan.rooms_of == {P1: ROOM_1}


def test_applying_an_empty_plan_unassigns_everyone() -> None:
    conversation = place(set_up(mix(voip=2)), {P1: ROOM_1, P2: ROOM_2})
    after = run(conversation, ApplyBreakouts(placements=()))
    assert after.breakouts.plan.rooms_of == {}


def test_applying_with_start_starts_the_session() -> None:
    conversation = set_up(mix(voip=2), 2, TIMED)
    command = ApplyBreakouts(placements=(Placement(P1, ROOM_1),), start=True)
    after, events = execute(conversation, OWNER, command, T0 + 5)
    assert events[-2:] == (BreakoutsApplied(), SessionStarted(started_at=T0 + 5, deadline=T0 + 605))
    assert after.breakouts.phase is Phase.RUNNING
    assert after.breakouts.current_room(P1) == ROOM_1


def test_applying_after_a_session_readies_the_next_one() -> None:
    conversation = in_phase(Phase.ENDED)
    after = run(conversation, ApplyBreakouts(placements=(Placement(P3, ROOM_3),)), now=T0 + 30)
    assert after.breakouts.phase is Phase.CONFIGURED
    assert after.breakouts.plan.rooms_of == {P3: ROOM_3}


@pytest.mark.parametrize(
    ("placement", "code"),
    [
        (Placement(M1, ROOM_1), ErrorCode.MODERATOR_NOT_ASSIGNABLE),
        (Placement(OWNER, None), ErrorCode.MODERATOR_NOT_ASSIGNABLE),
        (Placement(P1, RoomId(99)), ErrorCode.UNKNOWN_ROOM),
        (Placement(STRANGER, ROOM_1), ErrorCode.NOT_A_MEMBER),
        (Placement(P4, ROOM_3), ErrorCode.PHONE_ROOM_LIMIT),
    ],
)
def test_applied_plans_are_checked_like_hand_placements(
    placement: Placement, code: ErrorCode
) -> None:
    # p4 is on the phone, and only rooms 1 and 2 reach the bridge.
    conversation = set_up(mix(voip=3, phone=1), 3, BreakoutSettings(phone_room_limit=2))
    command = ApplyBreakouts(placements=(Placement(P2, ROOM_2), placement), start=True)
    assert refusal(conversation, command) is code


def test_participants_cannot_apply_a_plan() -> None:
    command = ApplyBreakouts(placements=())
    assert refusal(set_up(mix(voip=1)), command, actor=P1) is ErrorCode.FORBIDDEN


# DeleteBreakouts


@pytest.mark.parametrize("phase", [Phase.CONFIGURED, Phase.ENDED])
def test_deleting_removes_rooms_plan_and_settings(phase: Phase) -> None:
    conversation = in_phase(phase)
    after, events = execute(conversation, OWNER, DeleteBreakouts(), T0 + 30)
    assert events == (BreakoutsDeleted(),)
    breakouts = after.breakouts
    assert breakouts.phase is Phase.NOT_CONFIGURED
    assert breakouts.rooms == ()
    assert breakouts.plan.rooms_of == {}
    assert breakouts.settings == MANUAL


def test_deleting_leaves_the_main_conversation_as_it_is() -> None:
    conversation = in_phase(Phase.ENDED)
    after = run(conversation, DeleteBreakouts(), now=T0 + 30)
    assert (after.id, after.title, after.owner) == (
        conversation.id,
        conversation.title,
        conversation.owner,
    )
    assert after.members == conversation.members


def test_room_ids_are_never_reused_after_setting_up_again() -> None:
    conversation = run(set_up(conversation_with()), AddRoom(name="Extra"))
    conversation = run(conversation, DeleteBreakouts())
    after = set_up(conversation, 2)
    assert [room.id for room in after.breakouts.rooms] == [RoomId(5), RoomId(6)]


def test_participants_cannot_delete_rooms() -> None:
    conversation = set_up(mix(voip=1))
    assert refusal(conversation, DeleteBreakouts(), actor=P1) is ErrorCode.FORBIDDEN


def test_nothing_is_deleted_before_set_up() -> None:
    assert refusal(conversation_with(), DeleteBreakouts()) is ErrorCode.NOT_SET_UP


@pytest.mark.parametrize("phase", [Phase.RUNNING, Phase.CLOSING])
def test_running_rooms_cannot_be_deleted(phase: Phase) -> None:
    assert refusal(in_phase(phase), DeleteBreakouts()) is ErrorCode.ILLEGAL_TRANSITION


def test_a_deleted_set_up_can_start_again_from_scratch() -> None:
    conversation = run(in_phase(Phase.ENDED), DeleteBreakouts(), now=T0 + 30)
    after = run(set_up(conversation, 2, TIMED), StartBreakouts(), now=T0 + 40)
    assert after.breakouts.phase is Phase.RUNNING
    assert after.breakouts.plan.rooms_of == {}

"""The main conversation: its title, members, roles, audio connections and chat."""

from __future__ import annotations

import pytest
from builders import (
    LISTENING,
    M1,
    OWNER,
    P1,
    P2,
    P3,
    PHONE,
    ROOM_1,
    ROOM_2,
    ROOM_3,
    STRANGER,
    T0,
    VOIP,
    conversation_with,
    in_phase,
    refusal,
    room_sizes,
    run,
    set_up,
    snapshot,
)
from msgspec.structs import replace

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    ErrorCode,
    Member,
    Phase,
    Placement,
    PlacementReason,
    Role,
    RoomId,
    UserId,
    execute,
)
from desktop.core.commands import (
    AddMember,
    AddRoom,
    Batch,
    Command,
    JoinRoom,
    Leave,
    PostMessage,
    RemoveMember,
    RenameConversation,
    RequestHelp,
    SetAudio,
    SetRole,
)
from desktop.core.events import (
    AttendeesPlaced,
    AudioChanged,
    ConversationRenamed,
    MemberAdded,
    MemberRemoved,
    MessagePosted,
    RoleChanged,
)

NEWCOMER = UserId("newcomer")
AUTOMATIC = BreakoutSettings(mode=AssignmentMode.AUTOMATIC)


def join(audio: AudioConnection = VOIP, role: Role = Role.PARTICIPANT) -> AddMember:
    return AddMember(user_id=NEWCOMER, display_name="New Comer", role=role, audio=audio)


# Unknown actors


@pytest.mark.parametrize(
    "command",
    [
        RenameConversation(title="Hello"),
        AddMember(user_id=UserId("x"), display_name="X"),
        RemoveMember(user_id=P1),
        Leave(),
        SetRole(user_id=P1, role=Role.MODERATOR),
        SetAudio(user_id=STRANGER, audio=PHONE),
        PostMessage(text="hi"),
        AddRoom(name="Extra"),
        JoinRoom(room_id=ROOM_1),
        RequestHelp(),
        Batch(commands=(PostMessage(text="hi"),)),
        Batch(commands=()),
    ],
    ids=lambda command: type(command).__name__,
)
def test_commands_of_strangers_are_refused_as_not_a_member(command: Command) -> None:
    conversation = in_phase(Phase.RUNNING)
    assert refusal(conversation, command, actor=STRANGER) is ErrorCode.NOT_A_MEMBER


def test_a_removed_member_can_no_longer_act() -> None:
    conversation = run(conversation_with(VOIP), RemoveMember(user_id=P1))
    assert refusal(conversation, PostMessage(text="still here?"), actor=P1) is (
        ErrorCode.NOT_A_MEMBER
    )


# The conversation's creation and title


def test_a_new_conversation_has_only_its_owner_as_moderator() -> None:
    conversation = conversation_with()
    assert conversation.owner == OWNER
    assert list(conversation.members) == [OWNER]
    assert conversation.members[OWNER].role is Role.MODERATOR
    assert conversation.breakouts.phase is Phase.NOT_CONFIGURED


def test_moderators_rename_the_conversation_with_a_cleaned_title() -> None:
    conversation = conversation_with(VOIP, moderators=1)
    after, events = execute(conversation, M1, RenameConversation(title="  Q3   planning "), T0)
    assert events == (ConversationRenamed(title="Q3 planning"),)
    assert after.title == "Q3 planning"


def test_participants_cannot_rename_the_conversation() -> None:
    conversation = conversation_with(VOIP)
    assert refusal(conversation, RenameConversation(title="Mine"), actor=P1) is (
        ErrorCode.FORBIDDEN
    )


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "x" * 81])
def test_a_conversation_title_must_be_one_to_eighty_characters(title: str) -> None:
    code = refusal(conversation_with(), RenameConversation(title=title))
    assert code is ErrorCode.INVALID_NAME


def test_a_title_of_eighty_characters_fits() -> None:
    after = run(conversation_with(), RenameConversation(title="x" * 80))
    assert after.title == "x" * 80


# AddMember


def test_moderators_add_members_with_role_audio_and_attributes() -> None:
    command = AddMember(
        user_id=NEWCOMER,
        display_name="  New   Comer ",
        audio=PHONE,
        attributes={"company": "Acme"},
    )
    after, events = execute(conversation_with(), OWNER, command, T0)
    member = Member(
        user_id=NEWCOMER, display_name="New Comer", audio=PHONE, attributes={"company": "Acme"}
    )
    assert events == (MemberAdded(member=member),)
    assert after.members[NEWCOMER] == member


def test_moderators_can_add_moderators() -> None:
    after = run(conversation_with(), join(role=Role.MODERATOR))
    assert after.members[NEWCOMER].is_moderator


def test_participants_cannot_add_members() -> None:
    assert refusal(conversation_with(VOIP), join(), actor=P1) is ErrorCode.FORBIDDEN


@pytest.mark.parametrize("user", [OWNER, P1])
def test_a_member_cannot_be_added_twice(user: UserId) -> None:
    command = AddMember(user_id=user, display_name="Again")
    assert refusal(conversation_with(VOIP), command) is ErrorCode.ALREADY_A_MEMBER


@pytest.mark.parametrize("user", ["", "x" * 65, "line\nbreak", "tab\there", "\x00"])
def test_user_ids_must_be_one_to_sixty_four_printable_characters(user: str) -> None:
    command = AddMember(user_id=UserId(user), display_name="Someone")
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_NAME


def test_a_user_id_of_sixty_four_characters_is_accepted() -> None:
    user = UserId("u" * 64)
    after = run(conversation_with(), AddMember(user_id=user, display_name="Long Id"))
    assert user in after.members


@pytest.mark.parametrize("name", ["", "  ", "n" * 81, "a\x00b", "\x1b[31mRed"])
def test_display_names_must_be_one_to_eighty_printable_characters(name: str) -> None:
    command = AddMember(user_id=NEWCOMER, display_name=name)
    assert refusal(conversation_with(), command) is ErrorCode.INVALID_NAME


@pytest.mark.parametrize(
    "phase", [Phase.NOT_CONFIGURED, Phase.CONFIGURED, Phase.RUNNING, Phase.CLOSING, Phase.ENDED]
)
def test_without_automatic_mode_a_new_participant_gets_no_room(phase: Phase) -> None:
    conversation = in_phase(phase)
    after, events = execute(conversation, OWNER, join(), T0 + 30)
    assert [type(event) for event in events] == [MemberAdded]
    assert NEWCOMER not in after.breakouts.plan.rooms_of


@pytest.mark.parametrize("mode", [AssignmentMode.MANUAL, AssignmentMode.FREE_CHOICE])
def test_only_automatic_mode_places_a_late_joiner(mode: AssignmentMode) -> None:
    conversation = in_phase(Phase.RUNNING, mode=mode)
    after = run(conversation, join(), now=T0 + 30)
    assert after.breakouts.current_room(NEWCOMER) is None


@pytest.mark.parametrize("phase", [Phase.CONFIGURED, Phase.RUNNING])
def test_in_automatic_mode_a_late_joiner_gets_the_smallest_room(phase: Phase) -> None:
    conversation = in_phase(phase, mode=AssignmentMode.AUTOMATIC)
    # p1 is in room 1, p2 in room 2: room 3 is the empty one.
    after, events = execute(conversation, OWNER, join(), T0 + 30)
    placement = Placement(NEWCOMER, RoomId(3), reason=PlacementReason.LATE_JOINER)
    assert events[1:] == (AttendeesPlaced(placements=(placement,)),)
    assert after.breakouts.plan.rooms_of[NEWCOMER] == RoomId(3)


def test_a_late_joiner_moves_nobody_else() -> None:
    conversation = in_phase(Phase.RUNNING, mode=AssignmentMode.AUTOMATIC)
    after = run(conversation, join(), now=T0 + 30)
    before = dict(conversation.breakouts.plan.rooms_of)
    assert dict(after.breakouts.plan.rooms_of) == {**before, NEWCOMER: RoomId(3)}


def test_a_late_joiner_in_a_running_session_is_in_the_room_at_once() -> None:
    conversation = in_phase(Phase.RUNNING, mode=AssignmentMode.AUTOMATIC)
    after = run(conversation, join(), now=T0 + 30)
    assert after.breakouts.current_room(NEWCOMER) == RoomId(3)


def test_after_automatic_set_up_a_late_joiner_gets_a_smallest_room() -> None:
    conversation = set_up(conversation_with(VOIP, VOIP, VOIP, VOIP, VOIP), 3, AUTOMATIC)
    sizes = room_sizes(conversation)
    assert sorted(sizes.values()) == [1, 2, 2]
    after = run(conversation, join())
    assert sizes[after.breakouts.plan.rooms_of[NEWCOMER]] == 1


def test_a_late_phone_joiner_only_gets_a_room_the_bridge_reaches() -> None:
    settings = replace(AUTOMATIC, phone_room_limit=1)
    conversation = set_up(conversation_with(VOIP, VOIP), 3, settings)
    after = run(conversation, join(PHONE))
    assert after.breakouts.position(after.breakouts.plan.rooms_of[NEWCOMER]) == 1


@pytest.mark.parametrize("phase", [Phase.CLOSING, Phase.ENDED])
def test_no_late_joiner_placement_once_the_session_closes(phase: Phase) -> None:
    conversation = in_phase(phase, mode=AssignmentMode.AUTOMATIC)
    after, events = execute(conversation, OWNER, join(), T0 + 30)
    assert [type(event) for event in events] == [MemberAdded]
    assert NEWCOMER not in after.breakouts.plan.rooms_of


def test_a_new_moderator_is_never_placed_in_automatic_mode() -> None:
    conversation = in_phase(Phase.RUNNING, mode=AssignmentMode.AUTOMATIC)
    after, events = execute(conversation, OWNER, join(role=Role.MODERATOR), T0 + 30)
    assert [type(event) for event in events] == [MemberAdded]
    assert NEWCOMER not in after.breakouts.plan.rooms_of


# RemoveMember and Leave


def test_moderators_remove_members() -> None:
    conversation = conversation_with(VOIP, VOIP)
    after, events = execute(conversation, OWNER, RemoveMember(user_id=P1), T0)
    assert events == (MemberRemoved(user_id=P1),)
    assert list(after.members) == [OWNER, P2]


def test_a_removed_member_leaves_their_room_and_help_request() -> None:
    conversation = run(in_phase(Phase.RUNNING), RequestHelp(), actor=P1, now=T0 + 5)
    after = run(conversation, RemoveMember(user_id=P1), now=T0 + 6)
    assert P1 not in after.breakouts.plan.rooms_of
    assert P1 not in after.breakouts.help_requests
    assert after.breakouts.current_room(P2) == ROOM_2


def test_participants_cannot_remove_members() -> None:
    code = refusal(conversation_with(VOIP, VOIP), RemoveMember(user_id=P2), actor=P1)
    assert code is ErrorCode.FORBIDDEN


def test_removing_a_stranger_is_refused() -> None:
    code = refusal(conversation_with(VOIP), RemoveMember(user_id=STRANGER))
    assert code is ErrorCode.NOT_A_MEMBER


@pytest.mark.parametrize("actor", [OWNER, M1])
def test_nobody_can_remove_the_owner(actor: UserId) -> None:
    code = refusal(conversation_with(moderators=1), RemoveMember(user_id=OWNER), actor=actor)
    assert code is ErrorCode.OWNER_PROTECTED


def test_moderators_can_remove_other_moderators() -> None:
    after = run(conversation_with(moderators=1), RemoveMember(user_id=M1))
    assert M1 not in after.members


@pytest.mark.parametrize("actor", [P1, M1])
def test_members_can_leave(actor: UserId) -> None:
    conversation = conversation_with(VOIP, moderators=1)
    after, events = execute(conversation, actor, Leave(), T0)
    assert events == (MemberRemoved(user_id=actor),)
    assert actor not in after.members


def test_a_member_who_leaves_also_leaves_their_room() -> None:
    after = run(in_phase(Phase.RUNNING), Leave(), actor=P1, now=T0 + 5)
    assert P1 not in after.breakouts.plan.rooms_of
    assert after.breakouts.members_of(ROOM_1) == frozenset()


def test_the_owner_cannot_leave() -> None:
    assert refusal(conversation_with(VOIP), Leave()) is ErrorCode.OWNER_PROTECTED


# SetRole


def test_moderators_promote_participants() -> None:
    conversation = conversation_with(VOIP)
    after, events = execute(conversation, OWNER, SetRole(user_id=P1, role=Role.MODERATOR), T0)
    assert events == (RoleChanged(user_id=P1, role=Role.MODERATOR),)
    assert after.members[P1].role is Role.MODERATOR


def test_moderators_demote_other_moderators() -> None:
    conversation = conversation_with(moderators=1)
    after = run(conversation, SetRole(user_id=M1, role=Role.PARTICIPANT))
    assert after.members[M1].role is Role.PARTICIPANT


@pytest.mark.parametrize("phase", [Phase.CONFIGURED, Phase.RUNNING])
def test_promotion_takes_the_member_out_of_their_room(phase: Phase) -> None:
    conversation = in_phase(phase)
    after = run(conversation, SetRole(user_id=P1, role=Role.MODERATOR), now=T0 + 5)
    assert P1 not in after.breakouts.plan.rooms_of
    assert after.breakouts.current_room(P1) is None
    assert after.breakouts.plan.rooms_of[P2] == ROOM_2


def test_promotion_drops_the_member_s_help_request() -> None:
    conversation = run(in_phase(Phase.RUNNING), RequestHelp(), actor=P1, now=T0 + 5)
    after = run(conversation, SetRole(user_id=P1, role=Role.MODERATOR), now=T0 + 6)
    assert after.breakouts.help_requests == {}


def test_demotion_outside_automatic_mode_puts_nobody_in_a_room() -> None:
    conversation = in_phase(Phase.RUNNING)
    after = run(conversation, SetRole(user_id=M1, role=Role.PARTICIPANT), now=T0 + 5)
    assert M1 not in after.breakouts.plan.rooms_of


def test_in_automatic_mode_a_demoted_moderator_joins_the_smallest_room() -> None:
    conversation = in_phase(Phase.RUNNING, mode=AssignmentMode.AUTOMATIC)
    after = run(conversation, SetRole(user_id=M1, role=Role.PARTICIPANT), now=T0 + 5)
    assert after.breakouts.current_room(M1) == ROOM_3


@pytest.mark.parametrize(("user", "role"), [(P1, Role.PARTICIPANT), (M1, Role.MODERATOR)])
def test_setting_the_role_someone_has_changes_nothing(user: UserId, role: Role) -> None:
    conversation = conversation_with(VOIP, moderators=1)
    after, events = execute(conversation, OWNER, SetRole(user_id=user, role=role), T0)
    assert events == ()
    assert after == conversation


def test_the_owner_cannot_be_demoted() -> None:
    conversation = conversation_with(moderators=1)
    command = SetRole(user_id=OWNER, role=Role.PARTICIPANT)
    assert refusal(conversation, command, actor=M1) is ErrorCode.OWNER_PROTECTED


def test_participants_cannot_change_roles() -> None:
    command = SetRole(user_id=P1, role=Role.MODERATOR)
    assert refusal(conversation_with(VOIP), command, actor=P1) is ErrorCode.FORBIDDEN


def test_the_role_of_a_stranger_cannot_be_set() -> None:
    command = SetRole(user_id=STRANGER, role=Role.MODERATOR)
    assert refusal(conversation_with(), command) is ErrorCode.NOT_A_MEMBER


# SetAudio


@pytest.mark.parametrize("audio", [PHONE, LISTENING])
def test_members_change_their_own_audio(audio: AudioConnection) -> None:
    conversation = conversation_with(VOIP)
    after, events = execute(conversation, P1, SetAudio(user_id=P1, audio=audio), T0)
    assert events == (AudioChanged(user_id=P1, audio=audio),)
    assert after.members[P1].audio is audio


def test_moderators_change_anyone_s_audio() -> None:
    conversation = conversation_with(VOIP, moderators=1)
    after = run(conversation, SetAudio(user_id=P1, audio=PHONE), actor=M1)
    assert after.members[P1].audio is PHONE


def test_participants_cannot_change_someone_else_s_audio() -> None:
    command = SetAudio(user_id=P2, audio=PHONE)
    assert refusal(conversation_with(VOIP, VOIP), command, actor=P1) is ErrorCode.FORBIDDEN


def test_setting_the_audio_someone_has_changes_nothing() -> None:
    conversation = conversation_with(PHONE)
    after, events = execute(conversation, P1, SetAudio(user_id=P1, audio=PHONE), T0)
    assert events == ()
    assert after == conversation


def test_the_audio_of_a_stranger_cannot_be_set() -> None:
    command = SetAudio(user_id=STRANGER, audio=PHONE)
    assert refusal(conversation_with(), command) is ErrorCode.NOT_A_MEMBER


def test_changing_audio_keeps_the_member_in_their_room() -> None:
    conversation = in_phase(Phase.RUNNING)
    after = run(conversation, SetAudio(user_id=P1, audio=LISTENING), actor=P1, now=T0 + 5)
    assert after.breakouts.current_room(P1) == ROOM_1


# PostMessage


@pytest.mark.parametrize("author", [OWNER, P1])
def test_every_member_posts_to_the_main_chat(author: UserId) -> None:
    conversation = conversation_with(VOIP)
    after, events = execute(conversation, author, PostMessage(text="  Hello all \n"), T0 + 1)
    assert events == (MessagePosted(author=author, text="Hello all", room_id=None, at=T0 + 1),)
    assert after == conversation


def test_a_message_keeps_its_inner_blanks_and_line_breaks() -> None:
    _, events = execute(conversation_with(), OWNER, PostMessage(text="a  b\nc"), T0)
    assert events == (MessagePosted(author=OWNER, text="a  b\nc", room_id=None, at=T0),)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "m" * 4001])
def test_messages_must_be_one_to_four_thousand_characters(text: str) -> None:
    assert refusal(conversation_with(), PostMessage(text=text)) is ErrorCode.INVALID_TEXT


def test_a_message_of_four_thousand_characters_fits() -> None:
    _, events = execute(conversation_with(), OWNER, PostMessage(text="m" * 4000), T0)
    assert len(events) == 1


@pytest.mark.parametrize("phase", [Phase.RUNNING, Phase.CLOSING])
def test_people_in_a_room_write_in_its_chat(phase: Phase) -> None:
    conversation = in_phase(phase)
    _, events = execute(conversation, P1, PostMessage(text="hi", room_id=ROOM_1), T0 + 15)
    assert events == (MessagePosted(author=P1, text="hi", room_id=ROOM_1, at=T0 + 15),)


@pytest.mark.parametrize("author", [P2, P3])
def test_people_outside_a_room_cannot_write_in_its_chat(author: UserId) -> None:
    # p2 sits in room 2, p3 in no room at all.
    conversation = in_phase(Phase.RUNNING)
    command = PostMessage(text="hi", room_id=ROOM_1)
    assert refusal(conversation, command, actor=author) is ErrorCode.NOT_IN_ROOM


@pytest.mark.parametrize("phase", [Phase.CONFIGURED, Phase.ENDED])
def test_assigned_people_cannot_write_in_a_room_chat_while_rooms_do_not_run(
    phase: Phase,
) -> None:
    command = PostMessage(text="hi", room_id=ROOM_1)
    assert refusal(in_phase(phase), command, actor=P1) is ErrorCode.NOT_IN_ROOM


@pytest.mark.parametrize("author", [OWNER, M1])
@pytest.mark.parametrize("phase", [Phase.RUNNING, Phase.CLOSING])
def test_moderators_write_in_every_room_chat(author: UserId, phase: Phase) -> None:
    conversation = in_phase(phase)
    _, events = execute(conversation, author, PostMessage(text="hi", room_id=ROOM_2), T0 + 15)
    assert events == (MessagePosted(author=author, text="hi", room_id=ROOM_2, at=T0 + 15),)


@pytest.mark.parametrize("phase", [Phase.NOT_CONFIGURED, Phase.RUNNING])
def test_there_is_no_chat_for_an_unknown_room(phase: Phase) -> None:
    command = PostMessage(text="hi", room_id=RoomId(99))
    assert refusal(in_phase(phase), command) is ErrorCode.UNKNOWN_ROOM


def test_a_room_chat_follows_the_writer_to_a_new_room() -> None:
    conversation = in_phase(Phase.RUNNING, mode=AssignmentMode.FREE_CHOICE)
    conversation = run(conversation, JoinRoom(room_id=ROOM_2), actor=P1)
    assert refusal(conversation, PostMessage(text="hi", room_id=ROOM_1), actor=P1) is (
        ErrorCode.NOT_IN_ROOM
    )
    _, events = execute(conversation, P1, PostMessage(text="hi", room_id=ROOM_2), T0)
    assert len(events) == 1


def test_posting_never_changes_the_conversation() -> None:
    conversation = in_phase(Phase.RUNNING)
    before = snapshot(conversation)
    run(conversation, PostMessage(text="hi", room_id=ROOM_1), actor=P1)
    after = run(conversation, PostMessage(text="hi"), actor=P1)
    assert snapshot(after) == before

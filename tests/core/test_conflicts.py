"""Audio conflicts and phone-rule violations, as the panel paints them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop.core import AudioConnection, Member, RoomId, UserId, analyze

PHONE = AudioConnection.PHONE
VOIP = AudioConnection.VOIP
LISTENING = AudioConnection.JUST_LISTENING


def member(user: str, audio: AudioConnection) -> Member:
    return Member(user_id=UserId(user), display_name=user.title(), audio=audio)


MEMBERS = {
    m.user_id: m
    for m in [
        member("pat", PHONE),
        member("vic", VOIP),
        member("lin", LISTENING),
        member("phil", PHONE),
        member("val", VOIP),
    ]
}
POSITIONS = {RoomId(1): 1, RoomId(2): 2, RoomId(3): 3}


def rooms_of(**placed: int) -> dict[UserId, RoomId]:
    return {UserId(user): RoomId(room) for user, room in placed.items()}


def test_a_room_of_one_kind_is_clean() -> None:
    report = analyze(MEMBERS, rooms_of(pat=1, phil=1, vic=2, lin=2, val=3), POSITIONS, 7)
    assert report.is_clean
    assert report.affected == frozenset()


def test_voip_and_listeners_sharing_with_a_phone_are_affected() -> None:
    report = analyze(MEMBERS, rooms_of(pat=1, vic=1, lin=1, phil=2, val=3), POSITIONS, 7)
    assert set(report.rooms) == {RoomId(1)}
    conflict = report.rooms[RoomId(1)]
    assert conflict.affected == {UserId("vic"), UserId("lin")}
    assert conflict.phone_attendees == {UserId("pat")}
    assert report.affected == {UserId("vic"), UserId("lin")}
    assert not report.is_clean


def test_a_phone_beyond_the_limit_is_a_violation() -> None:
    report = analyze(MEMBERS, rooms_of(pat=3, phil=1), POSITIONS, 2)
    assert [(v.user_id, v.room_id, v.position) for v in report.phone_violations] == [
        (UserId("pat"), RoomId(3), 3)
    ]
    assert not report.is_clean
    assert report.rooms == {}


def test_unassigned_members_are_not_analysed() -> None:
    assert analyze(MEMBERS, {}, POSITIONS, 7).is_clean


@given(
    st.lists(st.sampled_from(list(AudioConnection)), max_size=30),
    st.lists(st.integers(1, 4), max_size=30),
    st.integers(1, 4),
)
def test_affected_are_exactly_the_voices_sharing_with_a_phone(
    audios: list[AudioConnection], picks: list[int], limit: int
) -> None:
    members = {m.user_id: m for m in (member(f"u{n}", a) for n, a in enumerate(audios))}
    placed = {UserId(f"u{n}"): RoomId(room) for n, room in enumerate(picks[: len(audios)])}
    positions = {RoomId(n): n for n in range(1, 5)}
    report = analyze(members, placed, positions, limit)
    phone_rooms = {room for user, room in placed.items() if members[user].audio is PHONE}
    expected = {
        user
        for user, room in placed.items()
        if room in phone_rooms and members[user].audio is not PHONE
    }
    assert report.affected == expected
    assert {v.user_id for v in report.phone_violations} == {
        user for user, room in placed.items() if members[user].audio is PHONE and room > limit
    }

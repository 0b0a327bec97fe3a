"""The invented crowd: varied names, valid usernames, the audio mix and teams,
all the same for the same seed."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from desktop.core import AudioConnection
from desktop.demo.order import MAX_ATTENDEES
from desktop.demo.people import CULTURES, audio_mix, invent_people, unique_username, username_for

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
"""What the server accepts as a username."""


def test_the_same_seed_gives_the_same_crowd() -> None:
    assert invent_people(40, random.Random(5)) == invent_people(40, random.Random(5))
    assert invent_people(40, random.Random(5)) != invent_people(40, random.Random(6))


@pytest.mark.parametrize("seed", range(5))
def test_names_and_usernames_are_distinct_and_valid_up_to_the_limit(seed: int) -> None:
    people = invent_people(MAX_ATTENDEES, random.Random(seed))
    assert len({person.display_name for person in people}) == MAX_ATTENDEES
    assert len({person.username for person in people}) == MAX_ATTENDEES
    assert all(USERNAME.fullmatch(person.username) for person in people)


def test_forty_people_come_from_every_culture() -> None:
    people = invent_people(40, random.Random(0))
    family_names = {person.display_name.split()[-1] for person in people}
    for _, lasts in CULTURES:
        assert family_names & set(lasts)


@pytest.mark.parametrize(
    ("count", "phones", "listeners"), [(1, 0, 0), (3, 1, 1), (12, 2, 2), (40, 8, 8), (41, 8, 8)]
)
def test_a_fifth_phone_a_fifth_listening_the_rest_voip(
    count: int, phones: int, listeners: int
) -> None:
    mix = Counter(audio_mix(count, random.Random(1)))
    assert mix[AudioConnection.PHONE] == phones
    assert mix[AudioConnection.JUST_LISTENING] == listeners
    assert mix[AudioConnection.VOIP] == count - phones - listeners


def test_teams_are_even() -> None:
    teams = Counter(person.team for person in invent_people(42, random.Random(2)))
    assert max(teams.values()) - min(teams.values()) <= 1


@pytest.mark.parametrize(
    ("name", "username"),
    [
        ("Amara Okafor", "amara.okafor"),
        ("Ayşe Yılmaz", "ayse.yilmaz"),  # noqa: RUF001 - the Turkish dotless i, on purpose
        ("Lucía Hernández", "lucia.hernandez"),
        ("Cian O'Brien", "cian.obrien"),
        ("Min-jun Kim", "min-jun.kim"),
        ("Hina D. Nakamura", "hina.d.nakamura"),
        ("Li", "guestli"),
        ("王伟", "guest"),
    ],
)
def test_usernames_are_the_name_in_plain_letters(name: str, username: str) -> None:
    assert username_for(name) == username


def test_a_taken_username_gets_a_number() -> None:
    assert unique_username("Lena Fischer", {"lena.fischer"}) == "lena.fischer-2"
    assert unique_username("Lena Fischer", {"lena.fischer", "lena.fischer-2"}) == "lena.fischer-3"
    long = "Maximilian " + "Schneider" * 4
    made = unique_username(long, {username_for(long)})
    assert USERNAME.fullmatch(made)
    assert made.endswith("-2")

"""The people the demo invents: names from many places, usernames, audio, teams.

A seed gives the same crowd every time. Audio connections follow what a real
workshop looks like — about a fifth on the phone, a fifth just listening, the
rest on VOIP — so Smart Distribute and the audio-conflict rules have work to do.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from desktop.core import AudioConnection

# First names and family names that belong together, one tuple per culture.
CULTURES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("Amara", "Chinedu", "Ngozi", "Tunde", "Folake", "Emeka", "Adaeze", "Oluwaseun"),
        ("Okafor", "Adeyemi", "Eze", "Balogun", "Nwosu", "Okonkwo", "Adebayo", "Obi"),
    ),
    (
        ("Lena", "Jonas", "Anna", "Lukas", "Mia", "Felix", "Sophie", "Maximilian"),
        ("Fischer", "Müller", "Schneider", "Wagner", "Becker", "Hoffmann", "Schulz", "Weber"),
    ),
    (
        ("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Daiki", "Sakura"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    (
        ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Meera", "Aditya"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Menon", "Singh"),
    ),
    (
        ("Lucas", "Beatriz", "Gabriel", "Mariana", "Rafael", "Larissa", "Thiago", "Juliana"),
        ("Oliveira", "Santos", "Souza", "Costa", "Pereira", "Almeida", "Ribeiro", "Carvalho"),
    ),
    (
        ("Wei", "Mei", "Jun", "Xiaoling", "Hao", "Yan", "Jing", "Zhiwei"),
        ("Zhang", "Wang", "Li", "Chen", "Liu", "Huang", "Zhao", "Wu"),
    ),
    (
        ("Layla", "Omar", "Yasmin", "Karim", "Nour", "Samir", "Amira", "Tariq"),
        ("Haddad", "Mansour", "Khalil", "Nasser", "Saleh", "Aziz", "Farouk", "Hamdan"),
    ),
    (
        ("Sofía", "Mateo", "Valentina", "Diego", "Camila", "Alejandro", "Lucía", "Javier"),
        ("García", "Hernández", "López", "Martínez", "Ramírez", "Torres", "Flores", "Morales"),
    ),
    (
        ("Astrid", "Erik", "Ingrid", "Lars", "Freja", "Nils", "Sigrid", "Oskar"),
        ("Lindqvist", "Johansson", "Andersson", "Nilsson", "Berg", "Lund", "Holm", "Ekström"),
    ),
    (
        ("Zofia", "Jakub", "Maja", "Kacper", "Julia", "Szymon", "Hanna", "Wojciech"),
        ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek"),
    ),
    (
        ("Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Soo-ah", "Ye-jun", "Ji-woo"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
    ),
    (
        ("Linh", "Minh", "Thao", "Duc", "Lan", "Huy", "Trang", "Quang"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui"),
    ),
    (
        ("Elif", "Emre", "Zeynep", "Mehmet", "Ayşe", "Can", "Defne", "Burak"),
        # The Turkish dotless i (U+0131) is meant, not a look-alike.
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"),  # noqa: RUF001
    ),
    (
        ("Aoife", "Cian", "Saoirse", "Darragh", "Niamh", "Oisín", "Ciara", "Eoin"),
        ("Murphy", "O'Brien", "Kelly", "Byrne", "Walsh", "Ryan", "O'Connor", "Doyle"),
    ),
    (
        ("Kwame", "Akosua", "Kofi", "Ama", "Yaw", "Efua", "Kwabena", "Abena"),
        ("Mensah", "Asante", "Boateng", "Owusu", "Appiah", "Osei", "Agyeman", "Darko"),
    ),
    (
        ("Dariush", "Shirin", "Reza", "Parisa", "Kian", "Leila", "Arash", "Nasrin"),
        ("Ahmadi", "Hosseini", "Karimi", "Rahimi", "Tehrani", "Moradi", "Jafari", "Rostami"),
    ),
)

TEAMS = ("Research", "Design", "Engineering", "Marketing", "Support")

PHONE_SHARE = 0.2
LISTENING_SHARE = 0.2

# Letters that have no ASCII decomposition, spelled as people would type them.
_SPELLED = str.maketrans({"\u0131": "i", "ø": "o", "ß": "ss", "æ": "ae", "ł": "l", "đ": "d"})
_NOT_IN_USERNAMES = re.compile(r"[^a-z0-9.-]")
_SEPARATORS = re.compile(r"\.{2,}")
_USERNAME_LENGTH = 32


@dataclass(frozen=True)
class Person:
    display_name: str
    username: str
    audio: AudioConnection
    team: str


def invent_people(count: int, rng: random.Random) -> list[Person]:
    """``count`` people with distinct names and usernames, a realistic audio
    mix and teams of even size."""
    names = _distinct_names(count, rng)
    audio = audio_mix(count, rng)
    teams = [TEAMS[index % len(TEAMS)] for index in range(count)]
    rng.shuffle(teams)
    usernames: set[str] = set()
    people = []
    for name, connection, team in zip(names, audio, teams, strict=True):
        username = unique_username(name, usernames)
        usernames.add(username)
        people.append(Person(name, username, connection, team))
    return people


def audio_mix(count: int, rng: random.Random) -> list[AudioConnection]:
    """About 20 % phone, 20 % just listening and the rest VOIP, shuffled."""
    phones = round(count * PHONE_SHARE)
    listeners = round(count * LISTENING_SHARE)
    mix = (
        [AudioConnection.PHONE] * phones
        + [AudioConnection.JUST_LISTENING] * listeners
        + [AudioConnection.VOIP] * (count - phones - listeners)
    )
    rng.shuffle(mix)
    return mix


def _distinct_names(count: int, rng: random.Random) -> list[str]:
    """Names taken from the cultures in turn (in a shuffled order), each
    culture's first and family names shuffled too: a crowd of forty has two or
    three people from each place and no two share a name (up to 64 per culture,
    far beyond :data:`~desktop.demo.order.MAX_ATTENDEES`)."""
    order = rng.sample(range(len(CULTURES)), len(CULTURES))
    shuffled = [
        (rng.sample(firsts, len(firsts)), rng.sample(lasts, len(lasts)))
        for firsts, lasts in CULTURES
    ]
    names = []
    for index in range(count):
        turn, place = divmod(index, len(CULTURES))
        firsts, lasts = shuffled[order[place]]
        # Each pass over the first names pairs them with the family names shifted once more.
        last = lasts[(turn + turn // len(firsts)) % len(lasts)]
        names.append(f"{firsts[turn % len(firsts)]} {last}")
    return names


def unique_username(display_name: str, taken: set[str]) -> str:
    """``Amara Okafor`` → ``amara.okafor``; a number is added if that is taken."""
    base = username_for(display_name)
    username, number = base, 1
    while username in taken:
        number += 1
        suffix = f"-{number}"
        username = base[: _USERNAME_LENGTH - len(suffix)] + suffix
    return username


def username_for(display_name: str) -> str:
    """The name in the letters a username allows (lowercase ASCII, digits, ``.-``)."""
    folded = unicodedata.normalize("NFKD", display_name.lower().translate(_SPELLED))
    ascii_only = folded.encode("ascii", "ignore").decode()
    dotted = _SEPARATORS.sub(".", _NOT_IN_USERNAMES.sub("", ".".join(ascii_only.split())))
    cleaned = dotted.strip(".-")[:_USERNAME_LENGTH].strip(".-")
    return cleaned if len(cleaned) >= 3 else f"guest{cleaned}"

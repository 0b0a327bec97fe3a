"""Who takes part in a conversation: roles and audio connections."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NewType

import msgspec

UserId = NewType("UserId", str)


class Role(StrEnum):
    MODERATOR = "moderator"
    PARTICIPANT = "participant"


class AudioConnection(StrEnum):
    """How an attendee hears and speaks.

    Phone attendees are on the conference's telephone bridge; they cannot hear
    VOIP or Just Listening attendees, which is what an audio conflict is.
    """

    VOIP = "voip"
    JUST_LISTENING = "just_listening"
    PHONE = "phone"


class Member(msgspec.Struct, frozen=True, kw_only=True):
    """A member of a conversation.

    ``attributes`` are free-form labels such as ``{"company": "Acme"}`` that Smart
    Distribute can balance rooms by.
    """

    user_id: UserId
    display_name: str
    role: Role = Role.PARTICIPANT
    audio: AudioConnection = AudioConnection.VOIP
    attributes: Mapping[str, str] = msgspec.field(default_factory=dict)

    @property
    def is_moderator(self) -> bool:
        return self.role is Role.MODERATOR

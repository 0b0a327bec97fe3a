"""How each audio connection shows in the UI: its icon and its name.

Every list, the icon keys and the dialogs use these, so Phone, VOIP and Just
Listening look and read the same everywhere.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication

from desktop.core import AudioConnection

AUDIO_ICONS: Final = {
    AudioConnection.PHONE: "phone",
    AudioConnection.VOIP: "voip",
    AudioConnection.JUST_LISTENING: "listening",
}
"""The icon name (``resources/icons/<name>.svg``) of each audio connection; the
order is the icon keys' order."""


def audio_label(audio: AudioConnection) -> str:
    match audio:
        case AudioConnection.PHONE:
            return QCoreApplication.translate("Audio", "Phone")
        case AudioConnection.VOIP:
            return QCoreApplication.translate("Audio", "VOIP")
        case AudioConnection.JUST_LISTENING:
            return QCoreApplication.translate("Audio", "Just Listening")

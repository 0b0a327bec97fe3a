"""The app's dialogs. Each takes plain data from ``desktop.core`` (and notices from
``desktop.protocol``) and produces domain commands; none of them talks to the
network: the app sends what they produce and feeds them the new state."""

from .connect_dialog import ConnectDialog, normalise_server_url
from .settings_dialog import ConversationSettingsDialog, Section
from .setup_dialog import SetUpDialog
from .switch_phone_dialog import SwitchPhoneDialog

__all__ = [
    "ConnectDialog",
    "ConversationSettingsDialog",
    "Section",
    "SetUpDialog",
    "SwitchPhoneDialog",
    "normalise_server_url",
]

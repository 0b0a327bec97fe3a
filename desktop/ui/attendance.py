"""A participant's way into a breakout room and back.

When the session starts or they are moved, they get a native notification
with "Join" and an in-app banner; either joins (or it happens by itself with
"Join my room automatically"). In the room they chat there and can ask for
help; when the session ends they are back in the main room and told so. A
VOIP or Just Listening attendee sharing a room with phone attendees is asked to
switch to phone audio.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from desktop.core import AudioConnection, RoomId
from desktop.core.commands import CancelHelp, RequestHelp
from desktop.protocol import Record
from desktop.protocol.notices import Assigned, BackInMainRoom, ClosingSoon, SwitchToPhone

from .dialogs.switch_phone_dialog import SwitchPhoneDialog
from .notifications import Notifier
from .workspace import Workspace


class Attendance(QObject):
    def __init__(self, workspace: Workspace, notifier: Notifier) -> None:
        super().__init__(workspace)
        self.workspace = workspace
        self.session = workspace.session
        self.view = workspace.view
        self.notifier = notifier
        self.auto_join = False
        self.offered: tuple[str, RoomId] | None = None
        self.switch_dialog: SwitchPhoneDialog | None = None
        self.session.record_arrived.connect(self.on_session_record_arrived)
        self.session.conversation_changed.connect(self.on_session_conversation_changed)
        self.view.help_toggled.connect(self.on_view_help_toggled)
        self.view.banner.action_triggered.connect(self.on_banner_action_triggered)

    def on_session_record_arrived(self, cid: str, record: Record) -> None:
        body = record.body
        if isinstance(body, ClosingSoon):  # for everyone, so it names nobody
            self.view.banner.show_message(
                self.tr("Breakout rooms close in {0} seconds.").format(body.seconds),
                kind="warning",
            )
        if getattr(body, "user_id", None) != self.session.me:
            return
        match body:
            case Assigned():
                self.offer(cid, body)
            case BackInMainRoom():
                self._back_in_main_room(cid)
            case SwitchToPhone():
                self._ask_to_switch(cid, body)

    def offer(self, cid: str, assigned: Assigned) -> None:
        """Tell the participant where to go; join at once if they chose so."""
        self.offered = (cid, assigned.room_id)
        if self.auto_join:
            self.join()
            return
        text = self.tr("You have been assigned to {0}").format(assigned.room_name)
        if assigned.pin is not None:
            text += self.tr(" — dial {0}, PIN {1}").format(assigned.dial_in_number, assigned.pin)
        self.view.banner.show_message(text, action=self.tr("Join"))
        self.session.run(self.notifier.assigned(assigned.room_name, self.join), "notify")

    def join(self) -> None:
        """Go into the offered room: its chat, and its call for VOIP attendees."""
        if self.offered is None:
            return
        cid, room = self.offered
        self.offered = None
        self.workspace.open(cid)
        self.workspace.show_room(room)
        self.view.banner.hide()
        # Joined from the banner, the popup would stay and offer the room again.
        self.session.run(self.notifier.withdraw_assignment(), "withdraw")
        audio = self._audio(cid)
        if audio is not AudioConnection.PHONE:  # phone attendees talk through the bridge
            muted = audio is AudioConnection.JUST_LISTENING
            self.session.run(self.session.client.join_call(cid, room, muted=muted), "join_call")

    def on_banner_action_triggered(self) -> None:
        if self.offered is not None:
            self.join()

    def _back_in_main_room(self, cid: str) -> None:
        self.offered = None
        self.session.run(self.notifier.withdraw_assignment(), "withdraw")  # its Join is void
        if cid == self.workspace.current:
            self.workspace.show_room(None)
        self.view.show_help_requested(False)
        self.view.banner.show_message(
            self.tr("The breakout session has ended: you are back in the main room."),
            kind="success",
        )
        self.session.run(
            self.notifier.notify(self.tr("Back in the main room"), self.tr("Breakouts ended."))
        )

    def _ask_to_switch(self, cid: str, notice: SwitchToPhone) -> None:
        conversation = self.workspace.conversation(cid)
        members = conversation.members.values() if conversation else ()
        names = {member.user_id: member.display_name for member in members}
        dialog = SwitchPhoneDialog(notice, names, self.view)
        dialog.accepted.connect(lambda: self.session.execute(cid, dialog.command()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.switch_dialog = dialog
        dialog.open()

    def on_view_help_toggled(self, asked: bool) -> None:
        if self.workspace.current is not None:
            command = RequestHelp() if asked else CancelHelp()
            self.session.execute(self.workspace.current, command)

    def on_session_conversation_changed(self, cid: str) -> None:
        conversation = self.workspace.conversation(cid)
        if conversation is None or cid != self.workspace.current:
            return
        asked = self.session.me in conversation.breakouts.help_requests
        self.view.show_help_requested(asked)

    def _audio(self, cid: str) -> AudioConnection | None:
        conversation = self.workspace.conversation(cid)
        me = conversation.members.get(self.session.me) if conversation else None
        return None if me is None else me.audio

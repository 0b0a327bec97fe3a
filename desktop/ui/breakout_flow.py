"""What a moderator does with breakout rooms: set them up, distribute in the
panel, apply, run the session from the rooms overview, answer help requests.

Dialogs and panels produce domain commands; this module sends them through
the session and decides which breakouts page the assistant panel shows.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from desktop.core import Breakouts, Conversation, Placement, RoomId, UserId
from desktop.core.commands import (
    Broadcast,
    ClearHelp,
    Command,
    EndBreakouts,
    ExtendTime,
    PlaceAttendees,
)
from desktop.protocol import Record
from desktop.protocol.notices import HelpNeeded

from .breakout_panel import ApplyRequest
from .dialogs.settings_dialog import ConversationSettingsDialog
from .dialogs.setup_dialog import SetUpDialog
from .notifications import Notifier
from .workspace import Workspace


class BreakoutFlow(QObject):
    def __init__(self, workspace: Workspace, notifier: Notifier) -> None:
        super().__init__(workspace)
        self.workspace = workspace
        self.session = workspace.session
        self.notifier = notifier
        self.view = workspace.view
        self.panel = self.view.panel
        self.overview = self.view.overview
        self._shown: Breakouts | None = None
        self.help_offered: tuple[str, RoomId] | None = None
        """The room of the help request the banner offers to join."""
        self.settings_dialog: ConversationSettingsDialog | None = None
        self._connect()

    def _connect(self) -> None:
        view, panel, overview = self.view, self.panel, self.overview
        view.set_up_requested.connect(self.open_set_up)
        view.settings_requested.connect(self.open_settings)
        view.tabs.currentChanged.connect(self.on_tabs_current_changed)
        panel.apply_requested.connect(self.on_panel_apply_requested)
        panel.closed.connect(self.on_panel_closed)
        overview.broadcast_requested.connect(lambda text: self._send(Broadcast(text=text)))
        overview.extend_requested.connect(lambda seconds: self._send(ExtendTime(seconds=seconds)))
        overview.end_requested.connect(lambda: self._send(EndBreakouts()))
        overview.move_requested.connect(self.on_overview_move_requested)
        overview.clear_help_requested.connect(lambda user: self._send(ClearHelp(user_id=user)))
        overview.join_requested.connect(self.visit)
        self.session.conversation_changed.connect(self.on_session_conversation_changed)
        self.view.banner.action_triggered.connect(self.on_banner_action_triggered)
        self.view.banner.dismissed.connect(lambda: setattr(self, "help_offered", None))
        self.session.record_arrived.connect(self.on_session_record_arrived)
        self.workspace.room_shown.connect(lambda cid, room: self.refresh())

    def _send(self, *commands: Command) -> None:
        if self.workspace.current is not None:
            self.session.execute(self.workspace.current, *commands)

    # Dialogs

    def open_set_up(self) -> None:
        conversation = self.workspace.conversation()
        if conversation is None:
            return
        dialog = SetUpDialog(self.view, attendee_count=sum(1 for _ in conversation.attendees()))
        dialog.accepted.connect(lambda: self._set_up(dialog))
        dialog.open()

    def _set_up(self, dialog: SetUpDialog) -> None:
        self._send(dialog.command())
        self.view.open_breakouts_tab()

    def open_settings(self) -> None:
        conversation = self.workspace.conversation()
        if conversation is None:
            return
        dialog = ConversationSettingsDialog(conversation, self.session.me, self.view)
        dialog.command_requested.connect(self._send)
        dialog.set_up_requested.connect(self.open_set_up)
        dialog.finished.connect(lambda _: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()

    # Pages

    def refresh(self) -> None:
        conversation = self.workspace.conversation()
        if conversation is None or not self.workspace.is_moderator():
            return
        breakouts = conversation.breakouts
        if self.settings_dialog is not None:
            self.settings_dialog.update_conversation(conversation, self.session.me)
        if breakouts.is_live:
            self.view.show_breakouts_page("overview")
            self.overview.show_conversation(conversation)
        elif breakouts.is_set_up:
            self.view.show_breakouts_page("panel")
            self._reload_panel(conversation)
        else:
            self.view.show_breakouts_page("empty")
        self._shown = breakouts

    def _reload_panel(self, conversation: Conversation) -> None:
        """Show the saved plan, unless the moderator is editing and nothing new was saved."""
        changed = self._shown is None or not _same_plan(self._shown, conversation.breakouts)
        if self.panel.model is None or (changed and not self.panel.dirty):
            self.panel.open_conversation(conversation, self.session.me)

    def on_session_conversation_changed(self, cid: str) -> None:
        if cid == self.workspace.current:
            self.refresh()

    def on_tabs_current_changed(self, index: int) -> None:
        """Reopening the Breakouts tab shows what was saved (unless being edited)."""
        conversation = self.workspace.conversation()
        if self.view.tabs.widget(index) is not self.view.breakouts or conversation is None:
            return
        breakouts = conversation.breakouts
        if breakouts.is_set_up and not breakouts.is_live and not self.panel.dirty:
            self.panel.open_conversation(conversation, self.session.me)

    def on_panel_apply_requested(self, request: ApplyRequest) -> None:
        self.session.apply(request)
        self.panel.dirty = False
        if not request.start:
            self.view.tabs.setCurrentWidget(self.view.participants)
            self.view.banner.show_message(self.tr("Breakout rooms saved."), kind="success")

    def on_panel_closed(self) -> None:
        conversation = self.workspace.conversation()
        if conversation is not None:
            self.panel.open_conversation(conversation, self.session.me)
        self.view.tabs.setCurrentWidget(self.view.participants)

    def on_overview_move_requested(self, users: list[UserId], room: RoomId | None) -> None:
        placements = tuple(Placement(user, room, pinned=room is not None) for user in users)
        self._send(PlaceAttendees(placements=placements))

    def visit(self, room: RoomId) -> None:
        """Go into a room as a moderator: its chat (and, with calls, its call)."""
        self.workspace.show_room(room, visiting=True)

    # Help requests

    def on_session_record_arrived(self, cid: str, record: Record) -> None:
        body = record.body
        if isinstance(body, HelpNeeded) and self._is_for_me(cid):
            name = self.workspace.name_of(body.user_id)
            title = self.tr("{0} asks for help").format(name)
            text = self.tr("In {0}. Click to join the room.").format(body.room_name)
            self.session.run(
                self.notifier.notify(title, text, lambda: self._answer(cid, body.room_id))
            )
            self.view.banner.show_message(f"{title} — {body.room_name}", action=self.tr("Join"))
            self.help_offered = (cid, body.room_id)

    def on_banner_action_triggered(self) -> None:
        if self.help_offered is not None:
            self._answer(*self.help_offered)
        self.help_offered = None

    def _is_for_me(self, cid: str) -> bool:
        mirror = self.session.conversation(cid)
        if mirror is None:
            return False
        me = mirror.conversation.members.get(self.session.me)
        return me is not None and me.is_moderator

    def _answer(self, cid: str, room: RoomId) -> None:
        self.workspace.open(cid)
        self.visit(room)


def _same_plan(shown: Breakouts, saved: Breakouts) -> bool:
    return shown.rooms == saved.rooms and shown.plan == saved.plan and shown.phase == saved.phase

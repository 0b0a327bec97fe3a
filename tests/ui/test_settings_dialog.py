"""Conversation Settings: General and Breakout Rooms, for moderators and participants.

Conversations are built through the domain, as the server builds them. Dialogs
stay unshown: the offscreen platform warns when a shown window's size
constraints change, and nothing tested here needs a window on screen.
Confirmations open without a nested event loop; tests click their buttons.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.core import (
    AssignmentMode,
    AudioConnection,
    BreakoutSettings,
    Conversation,
    Member,
    PhoneBridge,
    Room,
    RoomId,
    UserId,
    created,
    execute,
)
from desktop.core.commands import (
    AddMember,
    AddRoom,
    ChangeSettings,
    Command,
    DeleteBreakouts,
    RemoveRoom,
    RenameConversation,
    RenameRoom,
    SetAudio,
    SetUpBreakouts,
    StartBreakouts,
)
from desktop.core.events import ConversationCreated
from desktop.ui.dialogs import ConversationSettingsDialog, Section
from desktop.ui.dialogs.room_lists import RoomRole, RoomsModel

OWNER = UserId("olivia")
PAT = UserId("pat")
ROOMS = ("Team Alpha", "Team Beta", "Team Gamma")
TIMED = BreakoutSettings(mode=AssignmentMode.AUTOMATIC, time_limit=600, closing_countdown=30)


def conversation(*commands: Command) -> Conversation:
    state = created(
        ConversationCreated(
            conversation_id="c1",
            title="Planning",
            owner=Member(user_id=OWNER, display_name="Olivia"),
        )
    )
    for command in (AddMember(user_id=PAT, display_name="Pat"), *commands):
        state, _ = execute(state, OWNER, command, 1_000.0)
    return state


def with_rooms(settings: BreakoutSettings = TIMED, *more: Command) -> Conversation:
    return conversation(SetUpBreakouts(room_names=ROOMS, settings=settings), *more)


class Opened:
    """A settings dialog and every command it asked for."""

    def __init__(self, qtbot: QtBot, state: Conversation, me: UserId = OWNER) -> None:
        self.dialog = ConversationSettingsDialog(state, me)
        qtbot.addWidget(self.dialog)
        self.commands: list[object] = []
        self.dialog.command_requested.connect(self.commands.append)
        self.general = self.dialog.general
        self.page = self.dialog.breakout_rooms
        self.rooms = self.page.rooms
        self.editor = self.page.editor


def confirmation(opened: Opened) -> QMessageBox:
    boxes = [box for box in opened.dialog.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def click(box: QMessageBox, role: QMessageBox.ButtonRole) -> None:
    (button,) = (each for each in box.buttons() if box.buttonRole(each) == role)
    button.click()


def check(tester: ModelTester, model: QAbstractItemModel, force_py: bool) -> None:
    """Qt's own model tester, or pytest-qt's Python port of it."""
    tester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints


# The rooms model


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "py-tester"])
def test_rooms_model_passes_the_model_tester(
    qapp: QApplication, qtmodeltester: ModelTester, force_py: bool
) -> None:
    model = RoomsModel()
    model.set_rooms([Room(RoomId(1), "A"), Room(RoomId(2), "B")])
    check(qtmodeltester, model, force_py)
    model.set_rooms([Room(RoomId(2), "B2"), Room(RoomId(3), "C"), Room(RoomId(4), "D")])
    model.set_phone_room_limit(1)
    check(qtmodeltester, model, force_py)


def test_rooms_model_changes_rows_instead_of_resetting(qapp: QApplication) -> None:
    model = RoomsModel()
    model.set_rooms([Room(RoomId(1), "A"), Room(RoomId(2), "B"), Room(RoomId(3), "C")])
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(None))
    model.set_rooms([Room(RoomId(1), "A"), Room(RoomId(3), "C!"), Room(RoomId(4), "D")])
    assert texts(model) == ["A", "C!", "D"]
    assert [model.data(model.index(row), RoomRole.ID) for row in range(3)] == [1, 3, 4]
    assert model.data(model.index(2), RoomRole.POSITION) == 3
    assert resets == []


def test_rooms_model_marks_the_rooms_phones_reach(qapp: QApplication) -> None:
    model = RoomsModel()
    model.set_rooms([Room(RoomId(1), "A"), Room(RoomId(2), "B")])
    model.set_phone_room_limit(1)
    tips = [model.data(model.index(row), Qt.ItemDataRole.ToolTipRole) for row in range(2)]
    assert tips == [
        "Breakout 1: phone attendees can join it",
        "Breakout 2: not reachable from the phone bridge",
    ]


def test_rooms_model_reports_edits_and_shows_them_until_the_server_answers(
    qapp: QApplication, qtbot: QtBot
) -> None:
    model = RoomsModel()
    model.set_rooms([Room(RoomId(1), "A")])
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsEditable
    model.set_editable(True)
    assert model.flags(model.index(0)) & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(model.name_edited) as edited:
        assert model.setData(model.index(0), "Alpha")
    assert edited.args == [1, "Alpha"]
    assert texts(model) == ["Alpha"]
    model.set_rooms([Room(RoomId(1), "A")])
    assert texts(model) == ["A"]


# Sections


def test_it_opens_at_general_and_can_open_at_breakout_rooms(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    dialog = opened.dialog
    assert dialog.windowTitle() == "Conversation Settings — Planning"
    assert [dialog.sections.item(row).text() for row in range(2)] == ["General", "Breakout Rooms"]
    assert dialog.current_section() is Section.GENERAL
    assert dialog.pages.currentWidget() is opened.general
    dialog.open_section("breakout_rooms")
    assert dialog.current_section() is Section.BREAKOUT_ROOMS
    assert dialog.pages.currentWidget() is opened.page
    dialog.sections.setCurrentRow(0)
    assert dialog.pages.currentWidget() is opened.general


# General


def test_a_moderator_renames_the_conversation(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    general = opened.general
    assert general.title.text() == "Planning"
    assert not general.rename_button.isEnabled()
    general.title.setText("  Weekly   planning ")
    general.title.textEdited.emit(general.title.text())
    assert general.rename_button.isEnabled()
    general.rename_button.click()
    assert opened.commands == [RenameConversation(title="Weekly planning")]


def test_an_empty_title_is_refused_inline_and_kept(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    general = opened.general
    general.title.setText("   ")
    general.title.returnPressed.emit()
    assert general.message.text() == "The conversation needs a title."
    assert general.title.text() == "   "
    assert opened.commands == []


def test_a_title_being_typed_survives_an_update(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    opened.dialog.update_conversation(conversation(RenameConversation(title="Renamed")), OWNER)
    assert opened.general.title.text() == "Renamed"
    opened.general.title.setText("Mine")
    opened.dialog.update_conversation(conversation(RenameConversation(title="Theirs")), OWNER)
    assert opened.general.title.text() == "Mine"
    assert opened.dialog.windowTitle() == "Conversation Settings — Theirs"


def test_everyone_picks_their_own_audio(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(), PAT)
    general = opened.general
    assert general.audio_button(AudioConnection.VOIP).isChecked()
    general.audio_button(AudioConnection.VOIP).click()
    assert opened.commands == []
    general.audio_button(AudioConnection.PHONE).click()
    general.audio_button(AudioConnection.JUST_LISTENING).click()
    assert opened.commands == [
        SetAudio(user_id=PAT, audio=AudioConnection.PHONE),
        SetAudio(user_id=PAT, audio=AudioConnection.JUST_LISTENING),
    ]


def test_the_audio_choice_follows_the_server(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(), PAT)
    state = conversation(SetAudio(user_id=PAT, audio=AudioConnection.PHONE))
    opened.dialog.update_conversation(state, PAT)
    assert opened.general.audio_button(AudioConnection.PHONE).isChecked()


def test_participants_cannot_rename(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(), PAT)
    general = opened.general
    assert general.title.isReadOnly()
    assert general.rename_button.isHidden()
    assert general.title_hint.text() == "Only moderators can rename the conversation."
    general.title.returnPressed.emit()
    assert opened.commands == []


# Breakout rooms: none yet


def test_without_rooms_a_moderator_is_offered_the_set_up(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    opened.dialog.open_section(Section.BREAKOUT_ROOMS)
    assert opened.page.stack.currentIndex() == 0
    button = opened.page.set_up_button
    assert button.text() == "&Set up breakout rooms for this conversation"
    assert not button.isHidden()
    with qtbot.waitSignal(opened.dialog.set_up_requested):
        button.click()
    assert opened.commands == []


def test_without_rooms_a_participant_is_told_who_sets_them_up(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(), PAT)
    assert opened.page.set_up_button.isHidden()
    assert opened.page.empty_hint.text() == "Moderators set up breakout rooms."


def test_the_page_switches_when_rooms_appear_and_go(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    opened.dialog.update_conversation(with_rooms(), OWNER)
    assert opened.page.stack.currentIndex() == 1
    assert texts(opened.rooms.model) == list(ROOMS)
    assert opened.page.status.text() == "3 rooms · not started yet"
    opened.dialog.update_conversation(with_rooms(TIMED, DeleteBreakouts()), OWNER)
    assert opened.page.stack.currentIndex() == 0


# Breakout rooms: the list


def test_add_room_asks_for_a_room_with_a_free_name(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(SetUpBreakouts(room_names=("Room 1", "room 4", "X"))))
    opened.rooms.add_button.click()
    assert opened.commands == [AddRoom(name="Room 5")]


def test_a_room_is_renamed_in_place(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    view = opened.rooms.view
    view.setCurrentIndex(opened.rooms.model.index(1))
    opened.rooms.rename_button.click()
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    editor.setText(" Team  B ")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits the editor's text through a queued call.
    qtbot.waitUntil(lambda: bool(opened.commands))
    assert opened.commands == [RenameRoom(room_id=RoomId(2), name="Team B")]
    assert texts(opened.rooms.model)[1] == " Team  B "


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "Room 2 needs a name."),
        ("team alpha", "Two rooms are named “team alpha”: give each a name of its own."),
    ],
)
def test_a_bad_room_name_is_explained_and_the_editor_reopened(
    qtbot: QtBot, name: str, problem: str
) -> None:
    opened = Opened(qtbot, with_rooms())
    model = opened.rooms.model
    model.setData(model.index(1), name)
    assert opened.rooms.message.text() == problem
    assert opened.commands == []
    view = opened.rooms.view
    qtbot.waitUntil(lambda: view.state() is QAbstractItemView.State.EditingState)
    editor = view.indexWidget(model.index(1))
    assert isinstance(editor, QLineEdit)
    assert editor.text() == name


def test_an_update_keeps_an_open_rename_editor(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    view = opened.rooms.view
    index = opened.rooms.model.index(2)
    view.setCurrentIndex(index)
    view.edit(index)
    opened.dialog.update_conversation(with_rooms(TIMED, AddRoom(name="Team Delta")), OWNER)
    assert texts(opened.rooms.model) == [*ROOMS, "Team Delta"]
    assert view.state() is QAbstractItemView.State.EditingState
    assert view.indexWidget(opened.rooms.model.index(2)) is not None


def test_removing_a_room_asks_first(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    opened.rooms.view.setCurrentIndex(opened.rooms.model.index(2))
    opened.rooms.remove_button.click()
    box = confirmation(opened)
    assert box.text() == "Remove the room “Team Gamma”?"
    assert "go back to the main room" in box.informativeText()
    assert opened.commands == []
    click(box, QMessageBox.ButtonRole.DestructiveRole)
    assert opened.commands == [RemoveRoom(room_id=RoomId(3))]


def test_cancelling_the_removal_keeps_the_room(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    opened.rooms.remove_button.click()
    box = confirmation(opened)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    click(box, QMessageBox.ButtonRole.RejectRole)
    assert opened.commands == []
    assert not box.isVisible()


def test_the_last_room_cannot_be_removed(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation(SetUpBreakouts(room_names=("Only",))))
    assert not opened.rooms.remove_button.isEnabled()
    assert "delete the breakout rooms instead" in opened.rooms.remove_button.toolTip()


def test_participants_see_the_rooms_read_only(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms(), PAT)
    rooms = opened.rooms
    assert texts(rooms.model) == list(ROOMS)
    assert not rooms.model.flags(rooms.model.index(0)) & Qt.ItemFlag.ItemIsEditable
    for button in (rooms.add_button, rooms.rename_button, rooms.remove_button):
        assert button.isHidden()
    for widget in (opened.page.apply_button, opened.page.delete_box):
        assert widget.isHidden()
    assert all(not box.isEnabled() for box in opened.editor.boxes())
    assert opened.editor.phone.pin_view.isHidden()
    assert opened.page.read_only_note.text() == "Only moderators can change breakout rooms."


# Breakout rooms: settings


def test_the_settings_show_the_servers_values(qtbot: QtBot) -> None:
    bridge = PhoneBridge("555 0100", ("101", "202", "303"))
    settings = BreakoutSettings(
        mode=AssignmentMode.FREE_CHOICE, time_limit=90, phone_room_limit=3, bridge=bridge
    )
    opened = Opened(qtbot, with_rooms(settings))
    editor = opened.editor
    assert editor.assignment.mode() is AssignmentMode.FREE_CHOICE
    assert editor.timing.limit_minutes.value() == 2
    assert not editor.timing.countdown_check.isChecked()
    assert editor.phone.dial_in.text() == "555 0100"
    assert texts(editor.phone.pins) == ["1  Team Alpha", "2  Team Beta", "3  Team Gamma"]
    assert editor.settings() == settings
    assert not opened.page.apply_button.isEnabled()


def test_changed_settings_are_applied_as_one_command(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    editor = opened.editor
    editor.assignment.button(AssignmentMode.MANUAL).click()
    editor.timing.countdown_check.click()
    assert opened.page.apply_button.isEnabled()
    opened.page.apply_button.click()
    expected = BreakoutSettings(mode=AssignmentMode.MANUAL, time_limit=600)
    assert opened.commands == [ChangeSettings(settings=expected)]
    assert not opened.page.apply_button.isEnabled()


def test_bad_settings_are_explained_and_kept(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    phone = opened.editor.phone
    phone.dial_in_check.click()
    phone.dial_in.setText("555 0100")
    opened.page.apply_button.click()
    assert opened.page.settings_message.text() == (
        "Breakout 1 needs a PIN: type one, or use Generate PINs."
    )
    assert opened.commands == []
    assert phone.dial_in_check.isChecked()
    assert phone.dial_in.text() == "555 0100"


def test_settings_being_edited_survive_an_update_with_a_note(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    opened.editor.assignment.button(AssignmentMode.FREE_CHOICE).click()
    theirs = BreakoutSettings(mode=AssignmentMode.MANUAL)
    opened.dialog.update_conversation(with_rooms(TIMED, ChangeSettings(settings=theirs)), OWNER)
    assert opened.editor.assignment.mode() is AssignmentMode.FREE_CHOICE
    assert "Someone else changed these settings" in opened.page.settings_message.text()
    opened.page.revert_button.click()
    assert opened.editor.settings() == theirs
    assert not opened.page.apply_button.isEnabled()


def test_untouched_settings_follow_the_server(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    theirs = BreakoutSettings(mode=AssignmentMode.MANUAL, closing_countdown=45)
    opened.dialog.update_conversation(with_rooms(TIMED, ChangeSettings(settings=theirs)), OWNER)
    assert opened.editor.settings() == theirs
    assert opened.page.settings_message.isHidden()


def test_while_running_rooms_change_but_settings_and_delete_wait(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms(TIMED, StartBreakouts()))
    assert opened.page.status.text() == "3 rooms · running now"
    assert opened.rooms.add_button.isEnabled()
    assert all(not box.isEnabled() for box in opened.editor.boxes())
    assert not opened.page.apply_button.isEnabled()
    assert not opened.page.delete_button.isEnabled()
    assert "the settings can change once it ends" in opened.page.read_only_note.text()


# Breakout rooms: delete


def test_deleting_asks_and_promises_the_main_conversation_stays(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    opened.page.delete_button.click()
    box = confirmation(opened)
    assert box.text() == "Delete all breakout rooms?"
    assert box.informativeText() == (
        "The rooms and their chats are removed for everyone. The main conversation "
        "and its message history stay untouched."
    )
    assert opened.commands == []
    click(box, QMessageBox.ButtonRole.DestructiveRole)
    assert opened.commands == [DeleteBreakouts()]


def test_cancelling_the_deletion_deletes_nothing(qtbot: QtBot) -> None:
    opened = Opened(qtbot, with_rooms())
    opened.page.delete_button.click()
    click(confirmation(opened), QMessageBox.ButtonRole.RejectRole)
    assert opened.commands == []


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_enter_in_the_title_renames_without_closing(qtbot: QtBot) -> None:
    opened = Opened(qtbot, conversation())
    with qtbot.waitExposed(opened.dialog):
        opened.dialog.show()
    opened.general.title.setText("Renamed")
    with qtbot.assertNotEmitted(opened.dialog.finished):
        QTest.keyClick(opened.general.title, Qt.Key.Key_Return)
    assert opened.commands == [RenameConversation(title="Renamed")]
    assert opened.dialog.isVisible()

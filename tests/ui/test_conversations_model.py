"""ConversationListModel and ConversationList: unread counts and choosing a conversation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from qtkit import texts

from desktop.ui.conversation_list import ConversationList, badge_text
from desktop.ui.models.conversations_model import ConversationListModel, ConversationRole

pytestmark = pytest.mark.usefixtures("qapp")

CONVERSATIONS = [("c1", "Weekly planning"), ("c2", "Design review"), ("c3", "Book club")]


def shown(qtbot: QtBot, widget: QWidget, width: int, height: int) -> QWidget:
    """Show ``widget`` inside a bare window, which the caller keeps alive.

    The offscreen platform warns when a top-level window's size constraints
    change; a window without a layout has none, so only the widget is sized.
    """
    host = QWidget()
    qtbot.add_widget(host)
    widget.setParent(host)
    widget.setGeometry(0, 0, width, height)
    host.resize(width, height)
    with qtbot.wait_exposed(host):
        host.show()
    return host


def listed() -> ConversationListModel:
    model = ConversationListModel()
    model.set_conversations(CONVERSATIONS)
    return model


def unread(model: ConversationListModel) -> list[int]:
    return [model.index(row).data(ConversationRole.UnreadRole) for row in range(model.rowCount())]


def test_model_is_consistent_through_every_change(qtmodeltester: ModelTester) -> None:
    model = listed()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt lacks hints
    model.record_arrived("c2", counts_as_unread=True)
    model.set_open("c2")
    model.rename("c1", "Weekly sync")
    model.upsert("c4", "Support")
    model.remove("c3")
    model.set_conversations([("c4", "Support"), ("c5", "New")])
    assert texts(model) == ["Support", "New"]


def test_lines_in_other_conversations_count_as_unread() -> None:
    model = listed()
    model.set_open("c1")
    model.record_arrived("c1", counts_as_unread=True)
    model.record_arrived("c2", counts_as_unread=True)
    model.record_arrived("c2", counts_as_unread=True)
    model.record_arrived("c3", counts_as_unread=False)
    model.record_arrived("gone", counts_as_unread=True)
    assert unread(model) == [0, 2, 0]
    assert model.total_unread() == 2
    assert model.index(1).data(Qt.ItemDataRole.ToolTipRole) == "Design review — 2 unread"


def test_opening_a_conversation_reads_it(qtbot: QtBot) -> None:
    model = listed()
    model.record_arrived("c3", counts_as_unread=True)
    with qtbot.wait_signal(model.dataChanged) as changed:
        model.set_open("c3")
    assert changed.args is not None
    assert changed.args[0].row() == 2
    assert model.unread("c3") == 0
    model.record_arrived("c3", counts_as_unread=True)
    assert model.unread("c3") == 0
    model.set_open(None)
    model.record_arrived("c3", counts_as_unread=True)
    assert model.unread("c3") == 1


def test_a_new_list_keeps_the_counts_of_known_conversations() -> None:
    model = listed()
    model.record_arrived("c2", counts_as_unread=True)
    model.set_conversations([("c2", "Design review"), ("c9", "Fresh")])
    assert unread(model) == [1, 0]
    assert [model.index(row).data(ConversationRole.IdRole) for row in range(2)] == ["c2", "c9"]


def test_rename_and_remove_touch_one_row(qtbot: QtBot) -> None:
    model = listed()
    model.set_open("c2")
    with qtbot.wait_signal(model.dataChanged):
        model.rename("c2", "Design critique")
    with qtbot.assert_not_emitted(model.dataChanged):
        model.rename("c2", "Design critique")
        model.rename("nope", "x")
    with qtbot.wait_signal(model.rowsRemoved):
        model.remove("c2")
    model.remove("c2")
    assert texts(model) == ["Weekly planning", "Book club"]
    assert model.open_id is None
    model.upsert("c1", "Renamed by add")
    assert texts(model)[0] == "Renamed by add"


@pytest.mark.parametrize(("count", "shown"), [(1, "1"), (99, "99"), (100, "99+")])
def test_badges_cap_their_count(count: int, shown: str) -> None:
    assert badge_text(count) == shown


def test_choosing_a_conversation_announces_it(qtbot: QtBot) -> None:
    model = listed()
    view = ConversationList(model)
    host = shown(qtbot, view, 260, 200)
    rect = view.list.visualRect(model.index(1))
    with qtbot.wait_signal(view.conversation_selected) as selected:
        QTest.mouseClick(
            view.list.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            rect.center(),
        )
    assert selected.args == ["c2"]
    host.close()


def test_selecting_from_the_app_stays_quiet(qtbot: QtBot) -> None:
    model = listed()
    model.set_open("c3")
    view = ConversationList(model)
    qtbot.add_widget(view)
    with qtbot.assert_not_emitted(view.conversation_selected):
        view.select("c1")
        model.set_conversations([*CONVERSATIONS, ("c4", "Support")])
    assert view.list.currentIndex().row() == 2


def test_unread_rows_show_a_badge_in_the_accent_colour(qtbot: QtBot) -> None:
    model = listed()
    for _ in range(3):
        model.record_arrived("c2", counts_as_unread=True)
    view = ConversationList(model)
    host = shown(qtbot, view, 260, 200)
    image = view.list.viewport().grab().toImage()
    accent = view.palette().color(QPalette.ColorRole.Highlight)

    def accent_pixels(row: int) -> int:
        rect = view.list.visualRect(model.index(row))
        right = rect.adjusted(rect.width() - 50, 0, 0, 0)
        return sum(
            image.pixelColor(x, y) == accent
            for x in range(right.left(), right.right())
            for y in range(right.top(), right.bottom())
        )

    assert accent_pixels(1) > 50
    assert accent_pixels(0) == 0
    host.close()


def test_a_list_without_a_model_makes_its_own(qtbot: QtBot) -> None:
    view = ConversationList()
    qtbot.add_widget(view)
    view.model.set_conversations(CONVERSATIONS)
    assert view.list.model() is view.model
    assert view.list.model().rowCount() == 3

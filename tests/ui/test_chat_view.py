"""ChatView: the composer, following the conversation, asking for history, and
broadcasts that look unlike messages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import SIGNAL, QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import UserId
from desktop.core.events import BroadcastSent, MessagePosted
from desktop.protocol import Record
from desktop.protocol.notices import SystemMessage
from desktop.ui.chat_view import ACCENT_BAR, MARGIN, ChatColours, ChatView
from desktop.ui.models.chat_model import ChatModel

START = 1_700_000_000.0
NAMES = {UserId("ada"): "Ada Lovelace", UserId("bob"): "Bob Marley"}


def posted(seq: int, author: str = "ada", text: str = "") -> Record:
    at = START + seq
    body = MessagePosted(author=UserId(author), text=text or f"Line {seq}", room_id=None, at=at)
    return Record(seq=seq, at=at, actor=UserId(author), body=body)


def broadcast(seq: int, text: str) -> Record:
    body = BroadcastSent(author=UserId("ada"), text=text, at=START + seq)
    return Record(seq=seq, at=START + seq, actor=UserId("ada"), body=body)


def system(seq: int, text: str) -> Record:
    return Record(seq=seq, at=START + seq, actor=None, body=SystemMessage(text, everywhere=True))


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#3d8ee0"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


class Shown:
    """A chat view in a bare window of a given size, kept alive by the test."""

    def __init__(self, qtbot: QtBot, model: ChatModel, width: int = 360, height: int = 300):
        # The offscreen platform warns when a top-level window's size
        # constraints change; a window without a layout has none.
        self.qtbot = qtbot
        self.host = QWidget()
        qtbot.add_widget(self.host)
        self.view = ChatView(model, self.host)
        self.view.setGeometry(0, 0, width, height)
        self.host.resize(width, height)
        self.bar = self.view.lines.verticalScrollBar()
        self.older_requests = 0
        self.view.older_requested.connect(self.on_view_older_requested)

    def on_view_older_requested(self) -> None:
        self.older_requests += 1

    def show(self) -> Shown:
        with self.qtbot.wait_exposed(self.host):
            self.host.show()
        return self

    def at_bottom(self) -> bool:
        return 0 < self.bar.maximum() == self.bar.value()


@pytest.fixture
def model() -> ChatModel:
    return ChatModel(NAMES.__getitem__, UserId("bob"))


@pytest.fixture
def chat(qtbot: QtBot, model: ChatModel) -> ChatView:
    view = ChatView(model)
    qtbot.add_widget(view)
    return view


def test_enter_sends_the_trimmed_text_and_clears_the_box(qtbot: QtBot, chat: ChatView) -> None:
    QTest.keyClicks(chat.composer.edit, "  Hello, rooms!  ")
    with qtbot.wait_signal(chat.message_submitted) as submitted:
        QTest.keyClick(chat.composer.edit, Qt.Key.Key_Return)
    assert submitted.args == ["Hello, rooms!"]
    assert chat.composer.edit.toPlainText() == ""


def test_shift_enter_starts_a_new_line(qtbot: QtBot, chat: ChatView) -> None:
    edit = chat.composer.edit
    one_line = edit.height()
    QTest.keyClicks(edit, "first")
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(edit, "second")
    assert edit.height() > one_line
    with qtbot.wait_signal(chat.message_submitted) as submitted:
        QTest.keyClick(edit, Qt.Key.Key_Enter)
    assert submitted.args == ["first\nsecond"]
    assert edit.height() == one_line


def test_blank_text_is_not_sent(qtbot: QtBot, chat: ChatView) -> None:
    with qtbot.assert_not_emitted(chat.message_submitted):
        QTest.keyClick(chat.composer.edit, Qt.Key.Key_Return)
        QTest.keyClicks(chat.composer.edit, "   ")
        QTest.keyClick(chat.composer.edit, Qt.Key.Key_Return)
        chat.composer.send.click()
    assert not chat.composer.send.isEnabled()


def test_the_send_button_sends(qtbot: QtBot, chat: ChatView) -> None:
    QTest.keyClicks(chat.composer.edit, "Via the button")
    assert chat.composer.send.isEnabled()
    with qtbot.wait_signal(chat.message_submitted) as submitted:
        QTest.mouseClick(chat.composer.send, Qt.MouseButton.LeftButton)
    assert submitted.args == ["Via the button"]


def test_a_read_only_chat_sends_nothing(qtbot: QtBot, chat: ChatView) -> None:
    chat.composer.edit.setPlainText("Drafted before the room closed")
    chat.set_read_only(True)
    chat.set_placeholder("This room is closed")
    assert chat.composer.edit.placeholderText() == "This room is closed"
    assert not chat.composer.send.isEnabled()
    with qtbot.assert_not_emitted(chat.message_submitted):
        QTest.keyClick(chat.composer.edit, Qt.Key.Key_Return)
    chat.set_read_only(False)
    assert chat.composer.send.isEnabled()


def test_new_lines_keep_a_view_at_the_bottom_there(qtbot: QtBot, model: ChatModel) -> None:
    model.reset([posted(seq) for seq in range(1, 41)])
    shown = Shown(qtbot, model).show()
    qtbot.wait_until(shown.at_bottom)
    before = shown.bar.maximum()
    model.append(posted(41, text="A new line that is long enough to wrap over two lines or so"))
    qtbot.wait_until(lambda: shown.bar.maximum() > before)
    assert shown.bar.value() == shown.bar.maximum()
    assert shown.view.is_at_bottom()


def test_new_lines_leave_a_scrolled_up_view_alone(qtbot: QtBot, model: ChatModel) -> None:
    model.reset([posted(seq) for seq in range(1, 41)])
    shown = Shown(qtbot, model).show()
    qtbot.wait_until(lambda: shown.bar.maximum() > 0)
    shown.bar.setValue(shown.bar.maximum() // 2)
    reading = shown.bar.value()
    before = shown.bar.maximum()
    model.append(posted(41))
    qtbot.wait_until(lambda: shown.bar.maximum() > before)
    assert shown.bar.value() == reading
    assert not shown.view.is_at_bottom()


def test_reaching_the_top_asks_for_older_lines_once(qtbot: QtBot, model: ChatModel) -> None:
    model.reset([posted(seq) for seq in range(100, 140)])
    shown = Shown(qtbot, model).show()
    view = shown.view
    qtbot.wait_until(shown.at_bottom)
    QApplication.processEvents()
    assert shown.older_requests == 0
    with qtbot.wait_signal(view.older_requested):
        shown.bar.setValue(0)
    with qtbot.assert_not_emitted(view.older_requested):
        shown.bar.setValue(50)
        shown.bar.setValue(0)
        QApplication.processEvents()
    first_line = view.lines.visualRect(model.index(0)).top()
    before = shown.bar.maximum()
    model.prepend([posted(seq) for seq in range(99, 80, -1)])
    qtbot.wait_until(lambda: shown.bar.maximum() > before)
    # The line that was at the top stays where the user was reading it.
    assert view.lines.visualRect(model.index(19)).top() == first_line
    with qtbot.wait_signal(view.older_requested):
        shown.bar.setValue(0)


def test_a_chat_too_short_to_scroll_asks_for_older_lines(qtbot: QtBot, model: ChatModel) -> None:
    model.reset([posted(5)])
    shown = Shown(qtbot, model)
    with qtbot.wait_signal(shown.view.older_requested):
        shown.show()
    with qtbot.wait_signal(shown.view.older_requested):
        model.reset([posted(7)])
    QApplication.processEvents()
    assert shown.older_requests == 2


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_broadcasts_are_painted_unlike_messages(qtbot: QtBot, model: ChatModel, dark: bool) -> None:
    model.reset(
        [
            posted(1, "ada", "Hi"),
            broadcast(2, "Wrap up"),
            posted(3, "bob", "Ok"),
            system(4, "Ended"),
        ]
    )
    shown = Shown(qtbot, model, width=400, height=400).show()
    if dark:
        shown.view.setPalette(dark_palette())
    lines = shown.view.lines
    image = lines.viewport().grab().toImage()
    colours = ChatColours.of(lines.palette())
    base = lines.palette().color(QPalette.ColorRole.Base)

    def middle(row: int) -> int:
        return lines.visualRect(model.index(row)).center().y()

    message = image.pixelColor(QPoint(MARGIN + 3, middle(0)))
    card = image.pixelColor(QPoint(MARGIN + ACCENT_BAR + 3, middle(1)))
    edge = image.pixelColor(QPoint(MARGIN + 1, middle(1)))
    own = image.pixelColor(QPoint(image.width() - MARGIN - 3, middle(2)))
    beside_system = image.pixelColor(QPoint(MARGIN + 3, middle(3)))
    assert message == colours.other
    assert card == colours.broadcast
    assert edge == colours.broadcast_edge
    assert own == colours.own
    assert beside_system == base

    # Amber against grey and blue: a different hue, clearly saturated.
    assert card.hsvSaturation() > 60 > message.hsvSaturation()
    assert abs(card.hsvHue() - own.hsvHue()) > 90


def test_a_view_follows_the_model_it_was_given_last(qtbot: QtBot, model: ChatModel) -> None:
    view = ChatView()
    qtbot.add_widget(view)
    old = ChatModel(NAMES.__getitem__, None)
    view.set_model(old)
    view.set_model(model)
    assert view.lines.model() is model
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for signal in ("modelReset()", "rowsInserted(QModelIndex,int,int)"):
        assert old.receivers(SIGNAL(signal)) == 0
        assert model.receivers(SIGNAL(signal)) > 0

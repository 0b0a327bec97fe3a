"""The connect dialog: address normalising, inline checks, progress and retry.

Dialogs stay unshown: the offscreen platform warns when a shown window's size
constraints change, and nothing tested here needs a window on screen.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs import ConnectDialog, normalise_server_url
from desktop.ui.dialogs.parts import InvalidInput


@pytest.fixture
def dialog(qtbot: QtBot) -> ConnectDialog:
    widget = ConnectDialog(url="chat.example.org:9000", username="ann")
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("chat.example.org:9000", "ws://chat.example.org:9000/ws"),
        ("  localhost  ", "ws://localhost:8765/ws"),
        ("127.0.0.1:8765", "ws://127.0.0.1:8765/ws"),
        ("[::1]:8765", "ws://[::1]:8765/ws"),
        ("ws://host:1234", "ws://host:1234/ws"),
        ("ws://host:1234/", "ws://host:1234/ws"),
        ("WSS://Chat.Example.org", "wss://chat.example.org/ws"),
        ("wss://chat.example.org/roomcast/ws", "wss://chat.example.org/roomcast/ws"),
        ("http://host:8080", "ws://host:8080/ws"),
        ("https://host", "wss://host/ws"),
    ],
)
def test_addresses_are_normalised_to_websocket_urls(typed: str, url: str) -> None:
    assert normalise_server_url(typed) == url


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter the server's address."),
        ("ftp://host", "Use a ws:// or wss:// address, or just host:port."),
        ("host:99999", "The port must be a number from 1 to 65535."),
        ("host:port", "The port must be a number from 1 to 65535."),
        ("ws://", "“ws://” is not a server address."),
        ("my host:80", "“my host:80” is not a server address."),
    ],
)
def test_unusable_addresses_are_refused_with_a_sentence(typed: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_server_url(typed)
    assert refused.value.message == problem


def test_it_starts_with_the_given_values_and_a_hidden_password(dialog: ConnectDialog) -> None:
    assert dialog.values() == ("ws://chat.example.org:9000/ws", "ann", "")
    assert dialog.password.echoMode() is QLineEdit.EchoMode.Password
    assert not dialog.busy
    assert dialog.progress.isHidden()
    assert dialog.message.isHidden()
    assert dialog.focusWidget() is dialog.password


def test_connect_asks_for_a_connection_and_shows_progress(
    qtbot: QtBot, dialog: ConnectDialog
) -> None:
    dialog.password.setText("secret words")
    with qtbot.waitSignal(dialog.connect_requested) as requested:
        dialog.connect_button.click()
    assert requested.args == ["ws://chat.example.org:9000/ws", "ann", "secret words"]
    assert dialog.busy
    assert not dialog.progress.isHidden()
    assert dialog.progress_label.text() == "Connecting to chat.example.org:9000…"
    assert not dialog.url.isEnabled()
    assert not dialog.connect_button.isEnabled()
    assert dialog.cancel_button.isEnabled()
    assert dialog.url.text() == "ws://chat.example.org:9000/ws"


@pytest.mark.parametrize(
    ("url", "username", "password", "problem", "culprit"),
    [
        ("host:port", "ann", "pw", "The port must be a number from 1 to 65535.", "url"),
        ("host", "  ", "pw", "Enter your username.", "username"),
        ("host", "ann", "", "Enter your password.", "password"),
    ],
)
def test_bad_input_is_explained_inline_and_kept(
    qtbot: QtBot,
    dialog: ConnectDialog,
    url: str,
    username: str,
    password: str,
    problem: str,
    culprit: str,
) -> None:
    dialog.url.setText(url)
    dialog.username.setText(username)
    dialog.password.setText(password)
    with qtbot.assertNotEmitted(dialog.connect_requested):
        dialog.connect_button.click()
    assert dialog.message.text() == problem
    assert not dialog.message.isHidden()
    assert (dialog.url.text(), dialog.username.text(), dialog.password.text()) == (
        url,
        username,
        password,
    )
    assert not dialog.busy
    assert dialog.focusWidget() is getattr(dialog, culprit)


def test_typing_clears_the_message(dialog: ConnectDialog) -> None:
    dialog.connect_button.click()
    assert dialog.message.text() == "Enter your password."
    dialog.password.textEdited.emit("x")
    assert dialog.message.isHidden()


def test_cancel_during_an_attempt_stops_waiting_but_keeps_the_dialog(
    qtbot: QtBot, dialog: ConnectDialog
) -> None:
    dialog.password.setText("pw")
    dialog.connect_button.click()
    with qtbot.waitSignal(dialog.connecting_cancelled), qtbot.assertNotEmitted(dialog.finished):
        dialog.cancel_button.click()
    assert not dialog.busy
    assert dialog.url.isEnabled()
    assert dialog.values() == ("ws://chat.example.org:9000/ws", "ann", "pw")


def test_cancel_without_an_attempt_closes_the_dialog(qtbot: QtBot, dialog: ConnectDialog) -> None:
    with qtbot.assertNotEmitted(dialog.connecting_cancelled), qtbot.waitSignal(dialog.rejected):
        dialog.cancel_button.click()


def test_an_error_is_shown_with_retry_and_nothing_is_lost(
    qtbot: QtBot, dialog: ConnectDialog
) -> None:
    dialog.password.setText("pw")
    dialog.connect_button.click()
    with qtbot.assertNotEmitted(dialog.finished):
        dialog.show_error("unreachable", "Cannot reach ws://chat.example.org:9000/ws.")
    assert not dialog.busy
    assert dialog.message.text() == "Cannot reach ws://chat.example.org:9000/ws."
    assert dialog.connect_button.text() == "&Retry"
    assert dialog.focusWidget() is dialog.url
    assert dialog.values() == ("ws://chat.example.org:9000/ws", "ann", "pw")
    with qtbot.waitSignal(dialog.connect_requested) as retried:
        dialog.connect_button.click()
    assert retried.args == ["ws://chat.example.org:9000/ws", "ann", "pw"]


def test_wrong_credentials_point_at_the_password(dialog: ConnectDialog) -> None:
    dialog.password.setText("wrong")
    dialog.connect_button.click()
    dialog.show_error("bad_credentials", "Wrong username or password.")
    assert dialog.focusWidget() is dialog.password
    assert dialog.password.selectedText() == "wrong"


def test_the_app_accepts_once_connected(qtbot: QtBot, dialog: ConnectDialog) -> None:
    dialog.password.setText("pw")
    dialog.connect_button.click()
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_enter_connects_once(qtbot: QtBot, dialog: ConnectDialog) -> None:
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.password.setText("pw")
    requests: list[object] = []
    dialog.connect_requested.connect(lambda *values: requests.append(values))
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert requests == [("ws://chat.example.org:9000/ws", "ann", "pw")]

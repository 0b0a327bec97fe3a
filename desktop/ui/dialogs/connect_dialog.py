""" "Connect to server…": the server's address, a username and a password.

The dialog does not connect by itself: it asks for a connection with
:attr:`ConnectDialog.connect_requested` and waits, showing progress, until the
app either accepts it (connected) or reports a failure with
:meth:`ConnectDialog.show_error`. Either way nothing typed is lost.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.protocol.errors import ProtocolCode
from desktop.ui.resources import icon

from .parts import HintLabel, InlineMessage, InvalidInput, heading

DEFAULT_PORT = 8765
"""Where a server listens unless told otherwise; used when only a host is typed."""

WEBSOCKET_PATH = "/ws"

_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}

_USERNAME_CODES = frozenset({ProtocolCode.INVALID_USERNAME, ProtocolCode.UNKNOWN_ACCOUNT})
_PASSWORD_CODES = frozenset(
    {ProtocolCode.BAD_CREDENTIALS, ProtocolCode.INVALID_PASSWORD, ProtocolCode.LOGIN_THROTTLED}
)


def normalise_server_url(text: str) -> str:
    """The websocket URL for what the user typed: ``host``, ``host:port``, or a
    ``ws://``/``wss://`` (or ``http(s)://``) address; the path defaults to ``/ws``.

    Raises :class:`InvalidInput` with a sentence for the user.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(_translate("Enter the server's address."))
    typed_scheme = "://" in text
    parts = urlsplit(text if typed_scheme else f"ws://{text}")
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise InvalidInput(_translate("Use a ws:// or wss:// address, or just host:port."))
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(_translate("The port must be a number from 1 to 65535.")) from None
    host = parts.hostname
    if not host or any(char.isspace() for char in text):
        raise InvalidInput(_translate("“{text}” is not a server address.").format(text=text))
    if port is None and not typed_scheme:
        port = DEFAULT_PORT
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    path = parts.path if parts.path not in ("", "/") else WEBSOCKET_PATH
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def _translate(text: str) -> str:
    return QCoreApplication.translate("ConnectDialog", text)


class ConnectDialog(QDialog):
    """Asks where to connect and as whom.

    Connect (or Retry) checks the input, shows progress and emits
    :attr:`connect_requested`; the app then calls :meth:`accept` once connected,
    or :meth:`show_error`. Cancel during an attempt stops waiting without
    closing; Cancel otherwise closes the dialog.

    Signals:
        connect_requested(str, str, str): URL, username and password to try.
        connecting_cancelled(): the user gave up waiting for the attempt.
    """

    connect_requested = Signal(str, str, str)
    connecting_cancelled = Signal()

    def __init__(self, parent: QWidget | None = None, *, url: str = "", username: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to Server"))
        self.url = self._line(url, self.tr("Server address"))
        self.url.setPlaceholderText(self.tr("host:port or wss://host/ws"))
        self.username = self._line(username, self.tr("Username"))
        self.password = self._line("", self.tr("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self.tr("Connecting"))
        self.progress_label = HintLabel(parent=self)
        self.progress_label.setWordWrap(False)
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = self.buttons.addButton(
            self.tr("C&onnect"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.connect_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self._busy = False
        self._lay_out()
        self.set_busy(False)
        self.connect_button.clicked.connect(self.on_connect_button_clicked)
        self.buttons.rejected.connect(self.reject)
        for line in (self.url, self.username, self.password):
            line.textEdited.connect(self.message.clear)
        self._first_empty().setFocus(Qt.FocusReason.OtherFocusReason)

    def _line(self, text: str, name: str) -> QLineEdit:
        line = QLineEdit(text, self)
        line.setAccessibleName(name)
        line.setMinimumWidth(320)
        return line

    def _lay_out(self) -> None:
        logo = QLabel(self)
        logo.setPixmap(icon("roomcast").pixmap(40, 40))
        title = QVBoxLayout()
        title.setSpacing(2)
        title.addWidget(heading(self.tr("Connect to a Roomcast server"), self))
        title.addWidget(HintLabel(self.tr("Sign in with your account on that server."), self))
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(title, 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Server:"), self.url)
        example = HintLabel(self.tr("e.g. chat.example.org:8765 or wss://chat.example.org/ws"))
        example.setWordWrap(False)
        form.addRow("", example)
        form.addRow(self.tr("&Username:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        progress = QHBoxLayout()
        progress.addWidget(self.progress_label, 1)
        progress.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(14)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addLayout(progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _first_empty(self) -> QLineEdit:
        for line in (self.url, self.username, self.password):
            if not line.text():
                return line
        return self.password

    # What the app reads and calls

    def values(self) -> tuple[str, str, str]:
        """URL, username and password; the URL normalised when it is valid."""
        try:
            url = normalise_server_url(self.url.text())
        except InvalidInput:
            url = self.url.text().strip()
        return url, self.username.text().strip(), self.password.text()

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """Show that a connection attempt runs: fields locked, progress, Cancel."""
        self._busy = busy
        for widget in (self.url, self.username, self.password, self.connect_button):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        if busy:
            self.message.clear()
            url = self.values()[0]
            text = self.tr("Connecting to {server}…").format(server=urlsplit(url).netloc or url)
            self.progress_label.setText(text)
            self.progress_label.setToolTip(url)

    def show_error(self, code: str, message: str) -> None:
        """The attempt failed: say why, offer Retry and point at the field to fix."""
        self.set_busy(False)
        self.message.show_error(message)
        self.connect_button.setText(self.tr("&Retry"))
        if code in _PASSWORD_CODES:
            culprit = self.password
        elif code in _USERNAME_CODES:
            culprit = self.username
        else:
            culprit = self.url
        culprit.setFocus(Qt.FocusReason.OtherFocusReason)
        culprit.selectAll()

    # Slots

    def on_connect_button_clicked(self) -> None:
        if self._busy:
            return
        try:
            url, username, password = self._checked()
        except InvalidInput as problem:
            self.message.show_error(problem.message)
            problem.show_culprit()
            return
        self.url.setText(url)
        self.set_busy(True)
        self.connect_requested.emit(url, username, password)

    def _checked(self) -> tuple[str, str, str]:
        try:
            url = normalise_server_url(self.url.text())
        except InvalidInput as problem:
            problem.focus = self.url.setFocus
            raise
        username, password = self.username.text().strip(), self.password.text()
        if not username:
            raise InvalidInput(self.tr("Enter your username."), self.username.setFocus)
        if not password:
            raise InvalidInput(self.tr("Enter your password."), self.password.setFocus)
        return url, username, password

    def reject(self) -> None:
        """Cancel (or Escape) stops waiting for an attempt; without one it closes."""
        if self._busy:
            self.set_busy(False)
            self.connecting_cancelled.emit()
            return
        super().reject()

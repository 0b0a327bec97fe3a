"""Asks a VOIP or Just Listening attendee who shares a room with phone attendees
to dial in: the phone attendees cannot hear them otherwise.

Built from the server's :class:`~desktop.protocol.notices.SwitchToPhone` notice;
accepting it means "I dial in now", which :meth:`SwitchPhoneDialog.command`
turns into the audio change to send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import AudioConnection, UserId
from desktop.core.commands import SetAudio
from desktop.protocol.notices import SwitchToPhone
from desktop.ui.resources import icon

from .parts import HintLabel, InlineMessage, heading

NAMED_PEOPLE = 3
"""How many phone attendees are named before the rest are counted."""


def name_list(names: Sequence[str]) -> str:
    """ "Ann", "Ann and Bob", "Ann, Bob and Cy", "Ann, Bob, Cy and 2 others"."""
    if len(names) > NAMED_PEOPLE:
        rest = len(names) - NAMED_PEOPLE
        others = _translate("1 other") if rest == 1 else _translate("{count} others")
        names = [*names[:NAMED_PEOPLE], others.format(count=rest)]
    if len(names) <= 1:
        return "".join(names)
    joined = _translate("{first} and {last}")
    return joined.format(first=", ".join(names[:-1]), last=names[-1])


def _translate(text: str) -> str:
    return QCoreApplication.translate("SwitchPhoneDialog", text)


class SwitchPhoneDialog(QDialog):
    """Explains the audio conflict and shows the dial-in number and the room's PIN.

    "Switch to phone audio" accepts, "Not now" rejects.
    """

    def __init__(
        self,
        notice: SwitchToPhone,
        names: Mapping[UserId, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._notice = notice
        self.setWindowTitle(self.tr("Switch to Phone Audio"))
        self.number = self._value(notice.dial_in_number, self.tr("Dial-in number"))
        self.pin = self._value(notice.pin, self.tr("Room PIN"))
        self.copy_number = self._copy_button(self.number, self.tr("Copy the dial-in number"))
        self.copy_pin = self._copy_button(self.pin, self.tr("Copy the PIN"))
        self.explanation = QLabel(self)
        self.missing = InlineMessage(self)
        if notice.dial_in_number is None or notice.pin is None:
            self.missing.show_note(
                self.tr("No dial-in details are set up; ask a moderator for the number and PIN.")
            )
        self.buttons = QDialogButtonBox(self)
        self.switch_button = self.buttons.addButton(
            self.tr("&Switch to Phone Audio"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.switch_button.setDefault(True)
        self.not_now_button = self.buttons.addButton(
            self.tr("&Not Now"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self._lay_out(self._explanation(names))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def command(self) -> SetAudio:
        return SetAudio(user_id=self._notice.user_id, audio=AudioConnection.PHONE)

    def _explanation(self, names: Mapping[UserId, str]) -> str:
        people = [names.get(user, user) for user in self._notice.phone_attendees]
        if len(people) == 1:
            text = self.tr("{people} in {room} is on the phone and cannot hear you.")
        else:
            text = self.tr("{people} in {room} are on the phone and cannot hear you.")
        text += " " + self.tr(
            "Dial in with the room's PIN and switch to phone audio, so everyone in the "
            "room can talk together."
        )
        return text.format(people=name_list(people), room=f"“{self._notice.room_name}”")

    def _value(self, text: str | None, name: str) -> QLabel:
        label = QLabel(text or "—", self)
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        label.setFont(font)
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        label.setAccessibleName(name)
        return label

    def _copy_button(self, value: QLabel, tooltip: str) -> QPushButton:
        button = QPushButton(self.tr("Copy"), self)
        button.setToolTip(tooltip)
        button.setAccessibleName(tooltip)
        button.setAutoDefault(False)
        button.setEnabled(value.text() != "—")
        button.clicked.connect(lambda: self._copy(value.text(), button))
        return button

    def _copy(self, text: str, button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(text)
        for each in (self.copy_number, self.copy_pin):
            each.setText(self.tr("Copied") if each is button else self.tr("Copy"))

    def _lay_out(self, explanation: str) -> None:
        phone = QLabel(self)
        phone.setPixmap(icon("phone").pixmap(44, 44))
        text = QVBoxLayout()
        text.setSpacing(6)
        text.addWidget(heading(self.tr("The phone attendees cannot hear you"), self))
        self.explanation.setText(explanation)
        self.explanation.setWordWrap(True)
        text.addWidget(self.explanation)
        header = QHBoxLayout()
        header.setSpacing(14)
        header.addWidget(phone, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(14)
        layout.addLayout(header)
        self.details = self._details()
        self.details.setVisible(bool(self._notice.dial_in_number or self._notice.pin))
        layout.addWidget(self.details)
        layout.addWidget(self.missing)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def _details(self) -> QFrame:
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setBackgroundRole(QPalette.ColorRole.Base)
        frame.setAutoFillBackground(True)
        grid = QGridLayout(frame)
        grid.setContentsMargins(16, 12, 12, 12)
        grid.setHorizontalSpacing(16)
        grid.setColumnStretch(1, 1)
        rows = (
            (self.tr("Dial-in number"), self.number, self.copy_number),
            (self.tr("Room PIN"), self.pin, self.copy_pin),
        )
        for row, (caption, value, button) in enumerate(rows):
            grid.addWidget(HintLabel(caption, frame), row, 0)
            grid.addWidget(value, row, 1)
            grid.addWidget(button, row, 2)
        return frame

"""The General page of the conversation settings: the conversation's title and
the local user's own audio connection."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.core import AudioConnection, Conversation, DomainError, UserId
from desktop.core.commands import RenameConversation, SetAudio
from desktop.core.validation import MAX_NAME_LENGTH, clean_name
from desktop.ui.audio import AUDIO_ICONS
from desktop.ui.resources import icon

from .parts import HintLabel, InlineMessage, heading


class GeneralPage(QWidget):
    """Renames the conversation (moderators) and picks one's own audio connection.

    A title the user is typing survives updates from the server; the audio
    choice always shows what the server says, since it applies at once.

    Signals:
        command_requested(object): a RenameConversation or SetAudio to send.
    """

    command_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._me = UserId("")
        self._title = ""
        self._audio = AudioConnection.VOIP
        self.title = QLineEdit(self)
        self.title.setMaxLength(MAX_NAME_LENGTH)
        self.title.setAccessibleName(self.tr("Conversation title"))
        self.rename_button = QPushButton(self.tr("&Rename"), self)
        self.rename_button.setAutoDefault(False)
        self.title_hint = HintLabel(parent=self)
        self.audio = QButtonGroup(self)
        self.phone_hint = HintLabel(parent=self)
        self.message = InlineMessage(self)
        self._lay_out()
        self.title.textEdited.connect(self.on_title_text_edited)
        self.title.returnPressed.connect(self.on_rename_button_clicked)
        self.rename_button.clicked.connect(self.on_rename_button_clicked)
        self.audio.idClicked.connect(self.on_audio_id_clicked)

    def _lay_out(self) -> None:
        conversation = QGroupBox(self.tr("Conversation"), self)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.rename_button)
        box = QVBoxLayout(conversation)
        box.addLayout(row)
        box.addWidget(self.title_hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(heading(self.tr("General"), self))
        layout.addWidget(conversation)
        layout.addWidget(self._audio_box())
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _audio_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Your audio connection"), self)
        layout = QVBoxLayout(box)
        layout.setSpacing(2)
        choices = (
            (self.tr("&VOIP"), self.tr("Talk and listen through this computer.")),
            (self.tr("&Just listening"), self.tr("Hear the room; your microphone stays off.")),
            (self.tr("P&hone"), self.tr("Call the phone bridge; use the app for chat.")),
        )
        style = self.style()
        indent = style.pixelMetric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
        indent += style.pixelMetric(QStyle.PixelMetric.PM_RadioButtonLabelSpacing) + 26
        for number, (audio, (text, hint)) in enumerate(zip(AudioConnection, choices, strict=True)):
            button = QRadioButton(text, box)
            button.setIcon(icon(AUDIO_ICONS[audio]))
            button.setIconSize(QSize(20, 20))
            button.setAccessibleName(text.replace("&", ""))
            button.setAccessibleDescription(hint)
            self.audio.addButton(button, number)
            label = HintLabel(hint, box)
            label.setContentsMargins(indent, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(label)
        self.phone_hint.setContentsMargins(indent, 0, 0, 0)
        layout.addWidget(self.phone_hint)
        return box

    def audio_button(self, audio: AudioConnection) -> QRadioButton:
        button = self.audio.button(list(AudioConnection).index(audio))
        assert isinstance(button, QRadioButton)
        return button

    def update_conversation(self, conversation: Conversation, me: UserId) -> None:
        self._me = me
        if self.title.text() == self._title:
            self.title.setText(conversation.title)
        self._title = conversation.title
        member = conversation.members.get(me)
        moderator = member is not None and member.is_moderator
        self.title.setReadOnly(not moderator)
        self.rename_button.setVisible(moderator)
        self.title_hint.setText(
            self.tr("Everyone in the conversation sees this title.")
            if moderator
            else self.tr("Only moderators can rename the conversation.")
        )
        if member is not None:
            self._audio = member.audio
            self.audio_button(member.audio).setChecked(True)
        for button in self.audio.buttons():
            button.setEnabled(member is not None)
        self._show_dial_in(conversation)
        self._refresh()

    def _show_dial_in(self, conversation: Conversation) -> None:
        bridge = conversation.breakouts.settings.bridge
        self.phone_hint.setVisible(bridge is not None)
        if bridge is not None:
            text = self.tr("Dial-in number: {number}. Your room's PIN comes when you join one.")
            self.phone_hint.setText(text.format(number=bridge.dial_in_number))

    def _refresh(self) -> None:
        edited = " ".join(self.title.text().split())
        self.rename_button.setEnabled(bool(edited) and edited != self._title)

    def on_title_text_edited(self) -> None:
        self.message.clear()
        self._refresh()

    def on_rename_button_clicked(self) -> None:
        if self.title.isReadOnly():
            return
        if not self.title.text().strip():
            self.message.show_error(self.tr("The conversation needs a title."))
            self.title.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        try:
            title = clean_name(self.title.text(), "conversation title")
        except DomainError as error:
            self.message.show_error(error.message)
            self.title.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if title != self._title:
            self.command_requested.emit(RenameConversation(title=title))

    def on_audio_id_clicked(self, number: int) -> None:
        audio = list(AudioConnection)[number]
        if audio is not self._audio:
            self.command_requested.emit(SetAudio(user_id=self._me, audio=audio))

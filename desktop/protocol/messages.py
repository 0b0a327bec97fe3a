"""Every message on the websocket: one tagged union per direction.

Messages are JSON objects whose ``type`` names them. Requests carry an ``id``
the client chooses; the answer to a request (``ack``, ``signed_in``,
``conversation_list``, ``history`` or ``error``) repeats it. For ``command``,
``create_conversation`` and ``delete_conversation`` the id is also the
idempotency key: the same id from the same account is applied once, and a repeat
gets the first answer again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from desktop.core import Conversation, RoomId, UserId
from desktop.core.commands import Command

from .notices import Record

PROTOCOL_VERSION = 1

RequestId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ConversationId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Username = Annotated[str, msgspec.Meta(max_length=64)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
Sdp = Annotated[str, msgspec.Meta(max_length=60_000)]
HISTORY_PAGE_MAX = 200


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    pass


class Request(Message, frozen=True, kw_only=True):
    id: RequestId


# Client to server


class Hello(Message, frozen=True, tag="hello"):
    """The first message on every connection.

    ``token`` signs the connection in (a token never travels in a URL);
    ``resume`` maps conversation ids to the last ``seq`` the client has.
    """

    protocol: int
    token: str | None = None
    resume: dict[ConversationId, int] = msgspec.field(default_factory=dict)
    client: Annotated[str, msgspec.Meta(max_length=100)] = ""


class SignUp(Request, frozen=True, tag="sign_up"):
    username: Username
    password: Password
    display_name: str


class LogIn(Request, frozen=True, tag="log_in"):
    username: Username
    password: Password


class LogOut(Request, frozen=True, tag="log_out"):
    """Revoke this connection's token, or every token of the account."""

    everywhere: bool = False


class CreateConversation(Request, frozen=True, tag="create_conversation"):
    title: str


class DeleteConversation(Request, frozen=True, tag="delete_conversation"):
    """Moderators delete a conversation with its breakout rooms and history."""

    conversation_id: ConversationId


class ListConversations(Request, frozen=True, tag="list_conversations"):
    pass


class SendCommand(Request, frozen=True, tag="command"):
    conversation_id: ConversationId
    command: Command


class FetchHistory(Request, frozen=True, tag="fetch_history"):
    """A page of chat: the main room's (``room_id`` null) or a breakout room's,
    newest first, older than ``before`` (a ``seq``) when given."""

    conversation_id: ConversationId
    room_id: RoomId | None = None
    before: int | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=HISTORY_PAGE_MAX)] = 50


class JoinCall(Request, frozen=True, tag="join_call"):
    """Join the call of a breakout room, or of the main room (``room_id`` null).

    Joining another call leaves the current one.
    """

    conversation_id: ConversationId
    room_id: RoomId | None = None
    muted: bool = False


class LeaveCall(Request, frozen=True, tag="leave_call"):
    conversation_id: ConversationId


class SetMuted(Request, frozen=True, tag="set_muted"):
    conversation_id: ConversationId
    muted: bool


class SignalKind(StrEnum):
    OFFER = "offer"
    ANSWER = "answer"
    HANGUP = "hangup"


class SendSignal(Request, frozen=True, tag="signal"):
    """An offer, answer or hang-up for one peer of the same call."""

    conversation_id: ConversationId
    to: UserId
    kind: SignalKind
    sdp: Sdp = ""


ClientMessage = (
    Hello
    | SignUp
    | LogIn
    | LogOut
    | CreateConversation
    | DeleteConversation
    | ListConversations
    | SendCommand
    | FetchHistory
    | JoinCall
    | LeaveCall
    | SetMuted
    | SendSignal
)

# Server to client


class Account(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UserId
    display_name: str
    admin: bool = False


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """What the server enforces, so clients can stay within it."""

    max_frame_bytes: int
    messages_per_second: float
    burst: int
    history_page_max: int = HISTORY_PAGE_MAX


class Welcome(Message, frozen=True, tag="welcome"):
    """The answer to ``hello``; ``account`` is null until someone signs in."""

    protocol: int
    server: str
    account: Account | None
    heartbeat: float
    limits: Limits


class SignedIn(Message, frozen=True, tag="signed_in"):
    """Answers ``sign_up`` and ``log_in``: keep ``token`` for the next ``hello``."""

    id: RequestId
    account: Account
    token: str


class Ack(Message, frozen=True, tag="ack"):
    """A request was carried out; for a command, its events are on disk.

    ``seq`` is the conversation's last ``seq`` after the command (its own last
    record, if it produced any).
    """

    id: RequestId
    conversation_id: str | None = None
    seq: int | None = None


class ConversationSummary(msgspec.Struct, frozen=True, kw_only=True):
    conversation_id: str
    title: str
    members: int
    moderator: bool
    seq: int


class ConversationList(Message, frozen=True, tag="conversation_list"):
    id: RequestId
    conversations: tuple[ConversationSummary, ...]


class History(Message, frozen=True, tag="history"):
    """Chat records newest first; ``more`` says whether older ones exist."""

    id: RequestId
    conversation_id: str
    room_id: RoomId | None
    records: tuple[Record, ...]
    more: bool


class Error(Message, frozen=True, tag="error"):
    """A refused message. ``id`` is the request's, when it could be read."""

    id: str | None
    code: str
    message: str
    retry_after: float | None = None


class CallParticipant(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UserId
    muted: bool


class CallState(Message, frozen=True, tag="call_state"):
    """Who is in the call of one room (``room_id`` null: the main room)."""

    conversation_id: str
    room_id: RoomId | None
    participants: tuple[CallParticipant, ...]


class Snapshot(Message, frozen=True, tag="snapshot"):
    """A conversation's whole state as of ``seq``: sent when the client has no
    copy, or (``resync``) when what it missed is too old to replay."""

    conversation_id: str
    seq: int
    conversation: Conversation
    calls: tuple[CallState, ...] = ()
    resync: bool = False


class Delivery(Message, frozen=True, tag="record"):
    """One log entry the client may see, in ``seq`` order per conversation."""

    conversation_id: str
    record: Record


class Synced(Message, frozen=True, tag="synced"):
    """Everything up to ``seq`` has been sent; live records follow."""

    conversation_id: str
    seq: int


class RemovalReason(StrEnum):
    LEFT = "left"
    REMOVED = "removed"
    DELETED = "deleted"


class Removed(Message, frozen=True, tag="removed"):
    """This account is no longer a member: nothing more comes from there."""

    conversation_id: str
    reason: RemovalReason


class Signal(Message, frozen=True, tag="signal"):
    """An offer, answer or hang-up from ``sender``, stamped by the server."""

    conversation_id: str
    sender: UserId
    kind: SignalKind
    sdp: str


ServerMessage = (
    Welcome
    | SignedIn
    | Ack
    | ConversationList
    | History
    | Error
    | Snapshot
    | Delivery
    | Synced
    | Removed
    | CallState
    | Signal
)

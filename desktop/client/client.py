"""The async client: one websocket to a server, resumed when it drops.

Every request is an awaitable that returns the server's answer or raises
:class:`ServerError`. Requests not yet answered when the connection drops are
sent again, with the same id, once it is back: the server applies each id once,
so nothing is lost and nothing is done twice. The :class:`Mirror` follows every
conversation the account belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import secrets
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import aiohttp

from desktop.core import RoomId, UserId
from desktop.core.commands import Command
from desktop.protocol import (
    PROTOCOL_VERSION,
    CloseCode,
    ProtocolError,
    ServerMessage,
    decode_server,
    encode,
)
from desktop.protocol.messages import (
    Account,
    Ack,
    ConversationList,
    ConversationSummary,
    CreateConversation,
    DeleteConversation,
    Error,
    FetchHistory,
    Hello,
    History,
    JoinCall,
    LeaveCall,
    ListConversations,
    LogIn,
    LogOut,
    Message,
    Request,
    SendCommand,
    SendSignal,
    SetMuted,
    Signal,
    SignalKind,
    SignedIn,
    SignUp,
    Welcome,
)

from .backoff import Backoff
from .errors import ConnectionFailed, ServerError
from .mirror import Mirror

Answer = TypeVar("Answer", bound=ServerMessage)

DEFAULT_BACKOFF = Backoff()

FINAL_CLOSES = {CloseCode.SIGNED_OUT, CloseCode.UNSUPPORTED_VERSION}
"""Close codes after which reconnecting would not help."""


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    CLOSED = "closed"


class Client:
    """A connection to one server for one account (or none, until signed in).

    Listeners: ``mirror.subscribe`` for conversation changes; ``on_signal`` for
    call signaling; ``on_state`` for the connection's state; ``on_error`` for
    errors that answer no request (such as a refused token).
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        name: str = "roomcast-sdk",
    ) -> None:
        self.url = url
        self.token = token
        self.account: Account | None = None
        self.mirror = Mirror()
        self.state = ConnectionState.OFFLINE
        self.on_signal: list[Callable[[Signal], None]] = []
        self.on_state: list[Callable[[ConnectionState], None]] = []
        self.on_error: list[Callable[[ServerError], None]] = []
        self._backoff = backoff
        self._name = name
        self._rng = random.Random()
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[str, tuple[Request, asyncio.Future[ServerMessage]]] = {}
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        self._runner: asyncio.Task[None] | None = None

    # Connecting

    async def connect(self) -> Account | None:
        """Connect and say hello; raises :class:`ConnectionFailed` if the server
        cannot be reached. Afterwards the connection is kept up by itself."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        await self._open()
        self._runner = asyncio.create_task(self._run(), name=f"client-{self._name}")
        return self.account

    async def close(self) -> None:
        self._set_state(ConnectionState.CLOSED)
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        self._fail_pending(ConnectionFailed("The client was closed."))

    async def drop_connection(self) -> None:
        """Close the socket as a network failure would; the client reconnects."""
        if self._socket is not None:
            await self._socket.close(code=CloseCode.GOING_AWAY)

    async def _open(self) -> None:
        self._set_state(ConnectionState.CONNECTING)
        try:
            await self._say_hello()
        except ConnectionFailed:
            self._set_state(ConnectionState.OFFLINE)
            raise
        for request, _ in tuple(self._pending.values()):
            await self._send(request)
        self._set_state(ConnectionState.ONLINE)

    async def _say_hello(self) -> None:
        """Open the socket, say hello (resuming every conversation) and read the welcome."""
        assert self._session is not None
        try:
            self._socket = await self._session.ws_connect(
                self.url, heartbeat=20.0, max_msg_size=64 * 1024 * 1024
            )
        except (aiohttp.ClientError, OSError) as error:
            raise ConnectionFailed(f"Cannot reach {self.url}: {error}.") from error
        hello = Hello(
            protocol=PROTOCOL_VERSION,
            token=self.token,
            resume=self.mirror.resume(),
            client=self._name,
        )
        await self._send(hello)
        message = await self._socket.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionFailed("The server closed the connection.", self._socket.close_code)
        try:
            welcome = decode_server(message.data)
        except ProtocolError as error:
            await self._socket.close()
            raise ConnectionFailed(f"{self.url} is not a Roomcast server: {error}") from None
        self._dispatch(welcome)

    async def _run(self) -> None:
        attempt = 0
        while True:
            assert self._socket is not None
            await self._read(self._socket)
            code = self._socket.close_code
            if code in FINAL_CLOSES:
                self._set_state(ConnectionState.CLOSED)
                self._fail_pending(ConnectionFailed("The server ended the session.", code))
                return
            self._set_state(ConnectionState.OFFLINE)
            while True:
                await asyncio.sleep(self._backoff.delay(attempt, self._rng))
                attempt += 1
                try:
                    await self._open()
                except ConnectionFailed:
                    continue
                attempt = 0
                break

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                decoded = decode_server(message.data)
            except ProtocolError as error:  # a newer server's message: skip it, say so
                for tell_error in tuple(self.on_error):
                    tell_error(ServerError(error.code, error.message))
                continue
            self._dispatch(decoded)

    def _dispatch(self, message: ServerMessage) -> None:
        match message:
            case Welcome(account=account):
                self.account = account
            case (
                Ack(id=request_id)
                | SignedIn(id=request_id)
                | ConversationList(id=request_id)
                | History(id=request_id)
            ) if request_id in self._pending:
                self._resolve(request_id, message)
            case Error(id=request_id) if request_id is not None and request_id in self._pending:
                self._resolve(request_id, message)
            case Error():
                for tell_error in tuple(self.on_error):
                    tell_error(ServerError.of(message))
            case Signal():
                for tell_signal in tuple(self.on_signal):
                    tell_signal(message)
            case _:
                self.mirror.apply(message)

    def _resolve(self, request_id: str, message: ServerMessage) -> None:
        _, future = self._pending.pop(request_id)
        if not future.done():
            future.set_result(message)

    def _fail_pending(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for _, future in pending.values():
            if not future.done():
                future.set_exception(error)

    def _set_state(self, state: ConnectionState) -> None:
        if self.state is ConnectionState.CLOSED or state is self.state:
            return
        self.state = state
        for listener in tuple(self.on_state):
            listener(state)

    async def _send(self, message: Message) -> None:
        if self._socket is None or self._socket.closed:
            return  # sent again after the reconnect
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            await self._socket.send_str(encode(message).decode())

    # Requests

    def new_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    async def request(self, request: Request, answer: type[Answer]) -> Answer:
        """Send ``request`` and wait for its answer; raises :class:`ServerError`."""
        if self.state is ConnectionState.CLOSED:
            raise ConnectionFailed("The client is closed.")
        future: asyncio.Future[ServerMessage] = asyncio.get_running_loop().create_future()
        self._pending[request.id] = (request, future)
        await self._send(request)
        message = await future
        if isinstance(message, Error):
            raise ServerError.of(message)
        assert isinstance(message, answer), message
        return message

    async def sign_up(self, username: str, password: str, display_name: str) -> Account:
        request = SignUp(
            id=self.new_id(), username=username, password=password, display_name=display_name
        )
        return self._signed_in(await self.request(request, SignedIn))

    async def log_in(self, username: str, password: str) -> Account:
        request = LogIn(id=self.new_id(), username=username, password=password)
        return self._signed_in(await self.request(request, SignedIn))

    def _signed_in(self, answer: SignedIn) -> Account:
        self.account, self.token = answer.account, answer.token
        return answer.account

    async def log_out(self, *, everywhere: bool = False) -> None:
        await self.request(LogOut(id=self.new_id(), everywhere=everywhere), Ack)

    async def create_conversation(self, title: str) -> str:
        ack = await self.request(CreateConversation(id=self.new_id(), title=title), Ack)
        assert ack.conversation_id is not None
        return ack.conversation_id

    async def delete_conversation(self, conversation_id: str) -> None:
        await self.request(
            DeleteConversation(id=self.new_id(), conversation_id=conversation_id), Ack
        )

    async def list_conversations(self) -> tuple[ConversationSummary, ...]:
        answer = await self.request(ListConversations(id=self.new_id()), ConversationList)
        return answer.conversations

    async def execute(
        self, conversation_id: str, command: Command, *, request_id: str | None = None
    ) -> int:
        """Carry out a domain command; returns the log's ``seq`` after it."""
        request = SendCommand(
            id=request_id or self.new_id(), conversation_id=conversation_id, command=command
        )
        ack = await self.request(request, Ack)
        assert ack.seq is not None
        return ack.seq

    async def history(
        self,
        conversation_id: str,
        room_id: RoomId | None = None,
        *,
        before: int | None = None,
        limit: int = 50,
    ) -> History:
        request = FetchHistory(
            id=self.new_id(),
            conversation_id=conversation_id,
            room_id=room_id,
            before=before,
            limit=limit,
        )
        return await self.request(request, History)

    # Calls

    async def join_call(
        self, conversation_id: str, room_id: RoomId | None = None, *, muted: bool = False
    ) -> None:
        request = JoinCall(
            id=self.new_id(),
            conversation_id=conversation_id,
            room_id=room_id,
            muted=muted,
        )
        await self.request(request, Ack)

    async def leave_call(self, conversation_id: str) -> None:
        await self.request(LeaveCall(id=self.new_id(), conversation_id=conversation_id), Ack)

    async def set_muted(self, conversation_id: str, muted: bool) -> None:
        request = SetMuted(id=self.new_id(), conversation_id=conversation_id, muted=muted)
        await self.request(request, Ack)

    async def signal(
        self, conversation_id: str, to: UserId, kind: SignalKind, sdp: str = ""
    ) -> None:
        request = SendSignal(
            id=self.new_id(), conversation_id=conversation_id, to=to, kind=kind, sdp=sdp
        )
        await self.request(request, Ack)

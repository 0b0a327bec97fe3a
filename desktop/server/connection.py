"""One client's websocket: hello, sign-in, requests, and everything it is sent.

A connection reads one message at a time and answers it before reading the
next, so a client's requests are carried out in the order it sent them. What
goes out waits in a bounded outbox drained by one writer task: a client that
stops reading is dropped once its outbox is full, instead of growing the
server's memory without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from desktop.core import DomainError, UserId
from desktop.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    CloseCode,
    ProtocolCode,
    ProtocolError,
    ServerMessage,
    decode_client,
    encode,
    request_id_of,
)
from desktop.protocol.messages import (
    Account,
    Ack,
    ClientMessage,
    ConversationList,
    CreateConversation,
    DeleteConversation,
    Delivery,
    Error,
    FetchHistory,
    Hello,
    JoinCall,
    LeaveCall,
    Limits,
    ListConversations,
    LogIn,
    LogOut,
    RemovalReason,
    Removed,
    SendCommand,
    SendSignal,
    SetMuted,
    SignedIn,
    SignUp,
    Synced,
    Welcome,
)

from .accounts import Accounts, token_hash
from .fanout import Envelope, Fanout, Kind
from .hub import Hub, refusal
from .logs import LOGGER, log
from .ratelimit import TokenBucket
from .settings import Settings

SERVER_NAME = "roomcast"
CLOSE_TIMEOUT = 2.0
"""Seconds a closing connection gets to flush; then it is cut off."""


@dataclass
class Feed:
    """Where one conversation's stream to this connection stands.

    While the connection catches up, live envelopes wait in ``backlog``.
    """

    cursor: int = 0
    backlog: list[Envelope] | None = field(default_factory=list)


class Connection:
    def __init__(
        self,
        socket: web.WebSocketResponse,
        request: web.Request,
        hub: Hub,
        accounts: Accounts,
        fanout: Fanout,
        settings: Settings,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.token_hash = ""
        self._socket = socket
        self._request = request
        self._hub = hub
        self._accounts = accounts
        self._fanout = fanout
        self._settings = settings
        self._account: Account | None = None
        self._token: str | None = None
        self._feeds: dict[str, Feed] = {}
        self._outbox: deque[bytes] = deque()
        self._outbox_bytes = 0
        self._ready = asyncio.Event()
        self._drained = asyncio.Event()
        self._closing: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        self._bucket = TokenBucket(settings.messages_per_second, settings.burst, loop.time)

    async def run(self) -> None:
        writer = asyncio.create_task(self._write(), name=f"writer-{self.id}")
        try:
            hello = await self._hello()
            if hello is not None:
                await self._converse(hello)
        finally:
            if self._account is not None:
                self._fanout.remove(self._account.user_id, self)
            await self._hub.connection_closed(self.id)
            if self._closing is not None:
                await self._closing  # flushes the outbox, so the writer is still needed
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    # What the fanout calls

    def deliver(self, envelope: Envelope) -> None:
        feed = self._feeds.get(envelope.conversation_id)
        match envelope.kind:
            case Kind.JOINED if feed is None:
                snapshot = self._hub.snapshot(envelope.conversation_id, self._user)
                self._feeds[envelope.conversation_id] = Feed(cursor=snapshot.seq, backlog=None)
                self.send(snapshot)
            case Kind.LEFT if feed is not None:
                del self._feeds[envelope.conversation_id]
                self._send_frame(envelope.frame)
            case Kind.RECORD | Kind.FRAME if feed is not None:
                if feed.backlog is not None:
                    feed.backlog.append(envelope)
                elif envelope.kind is Kind.FRAME or envelope.seq > feed.cursor:
                    feed.cursor = max(feed.cursor, envelope.seq)
                    self._send_frame(envelope.frame)

    def sign_out(self) -> None:
        self._close(CloseCode.SIGNED_OUT, "signed out")

    def send(self, message: ServerMessage) -> None:
        self._send_frame(encode(message))

    # Reading

    async def _hello(self) -> Hello | None:
        """Wait for a valid hello; answer anything else with an error, and close
        the connection if none arrives in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.hello_timeout
        while True:
            try:
                message = await self._socket.receive(timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                self.send(Error(id=None, code=ProtocolCode.HELLO_EXPECTED, message=_NO_HELLO))
                self._close(CloseCode.HELLO_TIMEOUT, "no hello")
                return None
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                return None
            try:
                hello = decode_client(message.data)
                if not isinstance(hello, Hello):
                    raise ProtocolError(ProtocolCode.HELLO_EXPECTED, _NO_HELLO)
            except ProtocolError as error:
                self.send(refusal(request_id_of(message.data), error))
                continue
            if hello.protocol == PROTOCOL_VERSION:
                return hello
            self.send(
                refusal(
                    None,
                    ProtocolError(
                        ProtocolCode.UNSUPPORTED_VERSION,
                        f"This server speaks protocol {PROTOCOL_VERSION}, not {hello.protocol}.",
                    ),
                )
            )
            self._close(CloseCode.UNSUPPORTED_VERSION, "unsupported protocol version")
            return None

    async def _converse(self, hello: Hello) -> None:
        account = None if hello.token is None else await self._accounts.authenticate(hello.token)
        self.send(
            Welcome(
                protocol=PROTOCOL_VERSION,
                server=SERVER_NAME,
                account=account,
                heartbeat=self._settings.heartbeat,
                limits=Limits(
                    max_frame_bytes=MAX_FRAME_BYTES,
                    messages_per_second=self._settings.messages_per_second,
                    burst=self._settings.burst,
                ),
            )
        )
        if hello.token is not None and account is None:
            self.send(
                Error(
                    id=None,
                    code=ProtocolCode.INVALID_TOKEN,
                    message=("The token is not valid (revoked or unknown); log in again."),
                )
            )
        if account is not None and hello.token is not None:
            await self._sign_in(account, hello.token, hello.resume)
        async for message in self._socket:
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await self._handle(message.data)

    async def _handle(self, data: str | bytes) -> None:
        request_id = None
        try:
            if (wait := self._bucket.take()) > 0:
                raise ProtocolError(
                    ProtocolCode.RATE_LIMITED,
                    "Too many messages; this one was not carried out.",
                    retry_after=wait,
                )
            request = decode_client(data)
            request_id = None if isinstance(request, Hello) else request.id
            answer = await self._answer(request)
            if answer is None:
                return
        except (ProtocolError, DomainError) as error:
            answer = refusal(request_id or request_id_of(data), error)
        except Exception:
            LOGGER.exception("request_failed")
            answer = Error(
                id=request_id,
                code=ProtocolCode.INTERNAL,
                message="The server failed to carry this out; nothing was changed.",
            )
        self.send(answer)

    async def _answer(self, request: ClientMessage) -> ServerMessage | None:
        """Carry out ``request``; the answer, or ``None`` when it was sent already."""
        match request:
            case Hello():
                raise ProtocolError(ProtocolCode.HELLO_REPEATED, "Say hello only once.")
            case SignUp() | LogIn() if self._account is not None:
                raise ProtocolError(ProtocolCode.ALREADY_SIGNED_IN, "You are signed in already.")
            case SignUp(username=username, password=password, display_name=name):
                account, token = await self._accounts.sign_up(username, password, name)
                log("signed_up", user=account.user_id, admin=account.admin)
                reply = SignedIn(id=request.id, account=account, token=token)
                await self._sign_in(account, token, {}, reply)
                return None
            case LogIn(username=username, password=password):
                account, token = await self._accounts.log_in(username, password)
                reply = SignedIn(id=request.id, account=account, token=token)
                await self._sign_in(account, token, {}, reply)
                return None
        user = self._user
        match request:
            case LogOut(everywhere=everywhere):
                await self._accounts.revoke(user, None if everywhere else self._token)
                self.send(Ack(id=request.id))
                self._fanout.sign_out(user, None if everywhere else self.token_hash)
                return None
            case CreateConversation(title=title):
                assert self._account is not None
                return await self._hub.create_conversation(self._account, request.id, title)
            case DeleteConversation(conversation_id=conversation_id):
                return await self._hub.delete_conversation(user, request.id, conversation_id)
            case ListConversations():
                return ConversationList(id=request.id, conversations=self._hub.summaries(user))
            case SendCommand(conversation_id=conversation_id, command=command):
                return await self._hub.command(user, request.id, conversation_id, command)
            case FetchHistory():
                return await self._hub.history(user, request)
            case JoinCall(conversation_id=conversation_id, room_id=room_id, muted=muted):
                await self._hub.join_call(user, self.id, conversation_id, room_id, muted)
            case LeaveCall(conversation_id=conversation_id):
                await self._hub.leave_call(user, conversation_id)
            case SetMuted(conversation_id=conversation_id, muted=muted):
                await self._hub.set_muted(user, conversation_id, muted)
            case SendSignal(conversation_id=conversation_id, to=to, kind=kind, sdp=sdp):
                await self._hub.signal(user, conversation_id, to, kind, sdp)
        return Ack(id=request.id)

    @property
    def _user(self) -> UserId:
        if self._account is None:
            raise ProtocolError(ProtocolCode.NOT_SIGNED_IN, "Sign up or log in first.")
        return self._account.user_id

    # Signing in and catching up

    async def _sign_in(
        self, account: Account, token: str, resume: dict[str, int], reply: SignedIn | None = None
    ) -> None:
        """Sign the connection in (answering with ``reply``, if any) and bring it up
        to date in every conversation of the account."""
        self._account, self._token, self.token_hash = account, token, token_hash(token)
        if reply is not None:
            self.send(reply)
        conversations = self._hub.conversations_of(account.user_id)
        self._feeds = {conversation_id: Feed() for conversation_id in conversations}
        self._fanout.add(account.user_id, self)
        for conversation_id in sorted(resume.keys() - set(conversations)):
            reason = self._why_gone(conversation_id)
            self.send(Removed(conversation_id=conversation_id, reason=reason))
        for conversation_id in conversations:
            await self._catch_up(conversation_id, resume.get(conversation_id))

    def _why_gone(self, conversation_id: str) -> RemovalReason:
        """Why a conversation the client remembers is no longer the account's: it
        was deleted, or the account is no member (who made it leave is forgotten)."""
        if self._hub.exists(conversation_id):
            return RemovalReason.REMOVED
        return RemovalReason.DELETED

    async def _catch_up(self, conversation_id: str, after: int | None) -> None:
        feed = self._feeds[conversation_id]
        user = self._user
        head = self._hub.head(conversation_id)
        if after is not None and 0 <= head - after <= self._settings.max_replay:
            for entry in await self._hub.read(conversation_id, after, head - after):
                if entry.audience is None or user in entry.audience:
                    self.send(Delivery(conversation_id=conversation_id, record=entry.record))
            feed.cursor = head
            self.send(Synced(conversation_id=conversation_id, seq=head))
        else:
            snapshot = self._hub.snapshot(conversation_id, user, resync=after is not None)
            feed.cursor = snapshot.seq
            self.send(snapshot)
        backlog, feed.backlog = feed.backlog or [], None
        for envelope in backlog:
            self.deliver(envelope)

    # Writing

    def _send_frame(self, frame: bytes) -> None:
        if self._closing is not None:
            return
        if self._outbox_bytes + len(frame) > self._settings.outbox_bytes:
            log("client_too_slow", connection=self.id, queued=self._outbox_bytes)
            self._outbox.clear()
            self._close(CloseCode.TOO_SLOW, "not reading")
            return
        self._outbox.append(frame)
        self._outbox_bytes += len(frame)
        self._drained.clear()
        self._ready.set()

    async def _write(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._outbox:
                    frame = self._outbox.popleft()
                    self._outbox_bytes -= len(frame)
                    await self._socket.send_frame(frame, WSMsgType.TEXT)
                self._drained.set()
        except ConnectionError:
            # The peer went away while frames were queued for it: nobody is left to
            # read them. The reader sees the socket close and ends the connection.
            log("client_gone", connection=self.id, dropped=len(self._outbox))
            self._outbox.clear()
            self._outbox_bytes = 0
            self._drained.set()

    def _close(self, code: CloseCode, reason: str) -> None:
        if self._closing is None:
            self._closing = asyncio.create_task(self._close_now(code, reason))

    async def _close_now(self, code: CloseCode, reason: str) -> None:
        """Close after what is queued is sent; a peer that does not read is cut off."""
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                if self._outbox:
                    await self._drained.wait()
                await self._socket.close(code=code, message=reason.encode())
        except TimeoutError:
            transport = self._request.transport
            if transport is not None:
                transport.abort()


_NO_HELLO = "The first message on a connection must be a hello."

"""Each connection's bounded queue of outgoing messages, drained by one writer task.

Nothing that produces messages (group handlers, the matcher's publications) ever waits on a
client: it appends here and returns. The writer sends while the socket takes data, and so
watches the socket's write buffer itself, in the way of the server that runs the connection
(`_server_connection` recognises it):
- daphne: its ASGI `send` never waits (Twisted buffers without limit). The writer registers
  as a Twisted push producer on the connection; Twisted pauses it when the write buffer passes
  its high-water mark (the client stopped reading) and resumes it once drained.
- uvicorn (and any asyncio server whose `send` belongs to the connection's protocol): its
  `send` waits while the transport's write buffer is above its high-water mark, so the writer
  would stop inside it, deaf to the queue. The writer takes the protocol's place on the
  transport (`set_protocol`), passing every call on, and so hears `pause_writing` and
  `resume_writing` as the server does; it only sends while the transport is writable.
While paused, messages pile up here, each as the text it is sent as; past `limit` messages
or `limit_bytes` of text the client is too far behind: it is told (`slow_consumer`, if the
socket still takes it) and disconnected, and it resubscribes. A client that does not answer
the close within `CLOSE_HANDSHAKE_SECONDS` has its connection dropped (by autobahn under
daphne, by the writer's abort of the asyncio transport otherwise).
A connection with nothing to send gets a heartbeat every `heartbeat_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

from exchange import json_codec
from matching.service.protocol import now_ms

from .messages import error

log = logging.getLogger(__name__)

Send = Callable[[dict], Awaitable[None]]
SLOW_CONSUMER_CLOSE_CODE = 4008  # an application code (autobahn takes 1000 or 3000-4999)
YIELD_EVERY = 64  # messages written before the writer lets other connections run
# how long a client cut off has to answer the close (autobahn's closeHandshakeTimeout, daphne)
CLOSE_HANDSHAKE_SECONDS = 1.0


@implementer(IPushProducer)
class _TwistedWatch:
    """Twisted calls this when the connection's write buffer passes its high-water mark
    (pause) and when it has drained (resume). It takes the place of the producer already
    registered on the connection (the HTTP channel the WebSocket was upgraded from) and
    passes every call on to it, so that one behaves as before."""

    def __init__(self, outbox: Outbox, previous: Any | None) -> None:
        self._outbox = outbox
        self._previous = previous

    @classmethod
    def install(cls, outbox: Outbox, protocol: Any, send_buffer_bytes: int) -> bool:
        if send_buffer_bytes > 0:
            try:
                _size_send_buffer(protocol.transport.getHandle(), send_buffer_bytes)
            except AttributeError as exc:  # not a plain TCP socket (TLS, UNIX)
                log.debug("ws: cannot size the send buffer: %r", exc)
        previous = getattr(protocol.transport, "producer", None)
        try:
            if previous is not None:
                protocol.unregisterProducer()
            protocol.registerProducer(cls(outbox, previous), True)
        except (RuntimeError, AttributeError) as exc:  # not a Twisted transport after all
            log.warning("ws: cannot watch the socket: %r", exc)
            return False
        return True

    def pauseProducing(self) -> None:  # noqa: N802 -- Twisted's interface
        self._outbox.set_writable(False)
        if self._previous is not None:
            self._previous.pauseProducing()

    def resumeProducing(self) -> None:  # noqa: N802
        self._outbox.set_writable(True)
        if self._previous is not None:
            self._previous.resumeProducing()

    def stopProducing(self) -> None:  # noqa: N802
        self._outbox.set_writable(True)
        if self._previous is not None:
            self._previous.stopProducing()


class _AsyncioWatch(asyncio.Protocol):
    """Stands in for the server's protocol on an asyncio transport (uvicorn's), passing every
    call on to it, so that it behaves as before; the outbox hears the transport's flow control
    (`pause_writing` when the write buffer passes its high-water mark, `resume_writing` once
    it is below its low-water mark) and the connection's end."""

    def __init__(self, outbox: Outbox, protocol: asyncio.Protocol) -> None:
        self._outbox = outbox
        self._protocol = protocol

    @classmethod
    def install(cls, outbox: Outbox, protocol: Any, send_buffer_bytes: int) -> bool:
        transport = protocol.transport
        if transport.is_closing():
            return False
        if send_buffer_bytes > 0:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                _size_send_buffer(sock, send_buffer_bytes)
        transport.set_protocol(cls(outbox, protocol))
        outbox.drop = transport.abort
        return True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._protocol.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._protocol.data_received(data)

    def eof_received(self) -> bool | None:
        return self._protocol.eof_received()

    def pause_writing(self) -> None:
        self._outbox.set_writable(False)
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._outbox.set_writable(True)
        self._protocol.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._outbox.close()  # nothing more can be sent
        self._protocol.connection_lost(exc)


def _size_send_buffer(sock: Any, send_buffer_bytes: int) -> None:
    """Caps the kernel's send buffer, so that a stalled client is noticed after less data."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)
    except OSError as exc:  # not a plain TCP socket (UNIX)
        log.debug("ws: cannot size the send buffer: %r", exc)


def _server_connection(send: Any) -> tuple[type[_TwistedWatch] | type[_AsyncioWatch], Any] | None:
    """The connection behind an ASGI `send` and the watch that fits its server: daphne passes
    `functools.partial(server.handle_reply, protocol)`, a Twisted protocol; uvicorn passes its
    asyncio protocol's bound `send`. Channels' session middleware wraps either in a method
    keeping it as `real_send`. None under another server (then only the queue bound applies,
    and the writer may wait inside `send`)."""
    for _ in range(8):
        for arg in getattr(send, "args", ()):
            if callable(getattr(arg, "registerProducer", None)) and getattr(arg, "transport", None):
                return _TwistedWatch, arg
        owner = getattr(send, "__self__", None)
        if isinstance(owner, asyncio.Protocol) and getattr(owner, "transport", None) is not None:
            return _AsyncioWatch, owner
        send = getattr(owner, "real_send", None)
        if send is None:
            return None
    return None


def _text(message: dict) -> str:
    return json_codec.dumps_text(message)


class Outbox:
    """A bounded FIFO of messages for one client and the writer that drains it."""

    def __init__(
        self,
        send: Send,
        *,
        limit: int,
        heartbeat_seconds: float,
        on_cut_off: Callable[[], None],
        limit_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self._send = send
        self._limit = max(1, limit)
        self._limit_bytes = max(1, limit_bytes)
        self._bytes = 0  # the length of the queued texts
        self._heartbeat = max(0.05, heartbeat_seconds)
        self._on_cut_off = on_cut_off
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self._writable = True
        self._overflowed = ""  # what the client fell behind by: "N messages" or "N bytes"
        self.closed = False
        self._last_sent = time.monotonic()
        # ends the connection at once, for a server that does not drop a client that leaves
        # the close unanswered (set by the asyncio watch)
        self.drop: Callable[[], None] | None = None

    def watch_socket(self, send: Any, send_buffer_bytes: int = 0) -> bool:
        """Follows the socket's write buffer (see the module docstring); optionally caps the
        kernel's send buffer so a stalled client is noticed after less data. Returns whether
        the socket could be watched."""
        found = _server_connection(send)
        if found is None:
            return False
        watch, connection = found
        return watch.install(self, connection, send_buffer_bytes)

    def set_writable(self, writable: bool) -> None:
        self._writable = writable
        self._wake.set()

    @property
    def pending(self) -> int:
        """Messages queued, not yet written."""
        return len(self._queue)

    def put(self, message: dict) -> bool:
        """Queues `message`; False (and the client is cut off) if the queue is full."""
        return self.put_many((message,))

    def put_many(self, messages: tuple[dict, ...] | list[dict]) -> bool:
        """Queues all of `messages` or, if they do not fit, none: a book snapshot and the
        updates that follow it are never split."""
        if self.closed:
            return False
        texts = [_text(message) for message in messages]
        size = sum(map(len, texts))
        if len(self._queue) + len(texts) > self._limit:
            self._overflowed = f"{self._limit} messages"
        elif self._bytes + size > self._limit_bytes:
            self._overflowed = f"{self._limit_bytes} bytes"
        if self._overflowed:
            self.closed = True
            self._wake.set()
            return False
        self._queue.extend(texts)
        self._bytes += size
        self._wake.set()
        return True

    def close(self) -> None:
        """No more messages; the writer stops."""
        self.closed = True
        self._queue.clear()
        self._bytes = 0
        self._wake.set()

    async def run(self) -> None:
        """The writer: sends queued messages while the socket takes them, a heartbeat when
        idle, and cuts the client off when the queue overflowed."""
        written = 0
        while True:
            if self._overflowed:
                await self._cut_off()
                return
            if self.closed and not self._queue:
                return
            if self._queue and self._writable:
                text = self._queue.popleft()
                self._bytes -= len(text)
                try:
                    await self._write(text)
                except OSError:  # the connection is gone (uvicorn says so): nothing to write to
                    self.close()
                    return
                written += 1
                if written % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                continue
            self._wake.clear()
            idle = None
            if self._writable and not self._queue:
                idle = self._last_sent + self._heartbeat - time.monotonic()
            if idle is not None and idle <= 0:
                heartbeat = _text({"type": "heartbeat", "ts": now_ms()})
                self._queue.append(heartbeat)
                self._bytes += len(heartbeat)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), idle)
            except TimeoutError:
                pass

    async def _write(self, text: str) -> None:
        await self._send({"type": "websocket.send", "text": text})
        self._last_sent = time.monotonic()

    async def _cut_off(self) -> None:
        """Too far behind: a last error (it lands in the socket's buffer, if the client ever
        reads that far), then the close. A client that leaves the close unanswered for
        CLOSE_HANDSHAKE_SECONDS loses the TCP connection: autobahn drops it under daphne;
        otherwise `drop` does, at once if the socket took neither (an asyncio server's `send`
        waits while the socket is full)."""
        self._queue.clear()
        self._bytes = 0
        log.info("ws: a client fell more than %s behind: disconnected", self._overflowed)
        closed = False
        try:
            await asyncio.wait_for(self._say_goodbye(), CLOSE_HANDSHAKE_SECONDS)
            closed = True
        except (TimeoutError, OSError):  # the socket takes nothing more, or it is gone
            pass
        except Exception:
            log.exception("ws: cutting a slow client off failed")
        finally:
            if self.drop is not None:
                delay = CLOSE_HANDSHAKE_SECONDS if closed else 0
                asyncio.get_running_loop().call_later(delay, self.drop)
            self._on_cut_off()

    async def _say_goodbye(self) -> None:
        await self._write(
            _text(
                error(
                    "slow_consumer",
                    f"More than {self._overflowed} waited for this client: disconnected. "
                    "Reconnect and subscribe again for a fresh snapshot.",
                )
            )
        )
        await self._send({"type": "websocket.close", "code": SLOW_CONSUMER_CLOSE_CODE})

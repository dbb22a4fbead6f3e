"""The production web server's HTTP protocol (the Procfile's `uvicorn --http
exchange.uvicorn_http:BoundedHttpToolsProtocol`): uvicorn's httptools protocol, with bounds on
a request's head (request line and headers), in size and in time, as daphne has them.

httptools buffers a request's head for as long as it lasts, so without a bound one client could
fill the process's memory with a single header; daphne (Twisted) refuses a head past 16 KiB.
Here a head over `MAX_HEAD_BYTES` is answered `431` with the API's error envelope
(`headers_too_large`) and the connection closed, whether it is still coming in (what the parser
holds is then at most the bound and one read of the socket) or complete.

uvicorn closes a connection idle between requests after `--timeout-keep-alive` seconds, but
waits for ever for a first request, and for the rest of a head once its first bytes came, so
a client could hold connections open by sending nothing, or a head a byte at a time. Here a
request's head must be complete within `--timeout-keep-alive` seconds of the connection's
start or of the previous answer's end: else the connection is closed, after a `408
request_timeout` if part of a head came.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024  # Twisted's totalHeadersSize, which daphne keeps


def _answer(status: bytes, code: str, message: str) -> bytes:
    """A whole response with the API's error envelope, that closes the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return b"".join(
        [
            b"HTTP/1.1 " + status + b"\r\n",
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


_TOO_LARGE = _answer(
    b"431 Request Header Fields Too Large",
    "headers_too_large",
    f"The request's line and headers are over {MAX_HEAD_BYTES} bytes.",
)
_TOO_SLOW = _answer(
    b"408 Request Timeout", "request_timeout", "The request's line and headers came too slowly."
)


class _HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # the bytes coming in belong to a request's head
        self._head_bytes = 0
        self._head_refused = False
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """A head still incomplete past the bound is refused as it comes: the parser holds
        at most the bound and one read of the socket."""
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse()

    def on_headers_complete(self) -> None:
        """A complete head is measured exactly: its request target and header lines."""
        size = len(self.url) + sum(len(name) + len(value) + 2 for name, value in self.headers)
        if size > MAX_HEAD_BYTES:
            self._head_refused = True
            raise _HeadTooLarge  # the parser stops: uvicorn answers through send_400_response
        self._in_head, self._head_bytes = False, 0
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True  # a next request on the connection starts with its head
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._cancel_head_timer()  # the socket's own protocol takes the connection
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # idle (no request waits): a next head
            self._arm_head_timer()  # has the keep-alive's time to come whole

    def send_400_response(self, msg: str) -> None:
        if self._head_refused:
            return self._refuse()
        return super().send_400_response(msg)

    def _refuse(self) -> None:
        self.logger.warning("A request's head over %s bytes: refused (431).", MAX_HEAD_BYTES)
        self.transport.write(_TOO_LARGE)
        self.transport.close()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes:  # part of a head came
            self.transport.write(_TOO_SLOW)
        self.transport.close()

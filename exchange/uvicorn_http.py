"""The production web server's HTTP protocol (the Procfile's `uvicorn --http
exchange.uvicorn_http:BoundedHttpToolsProtocol`): uvicorn's httptools protocol, with a bound on
a request's head (request line and headers) as daphne has one.

httptools buffers a request's head for as long as it lasts, so without a bound one client could
fill the process's memory with a single header; daphne (Twisted) refuses a head past 16 KiB.
Here a head over `MAX_HEAD_BYTES` is answered `431` with the API's error envelope
(`headers_too_large`) and the connection closed, whether it is still coming in (what the parser
holds is then at most the bound and one read of the socket) or complete.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024  # Twisted's totalHeadersSize, which daphne keeps
_BODY = json.dumps(
    {
        "error": {
            "code": "headers_too_large",
            "message": f"The request's line and headers are over {MAX_HEAD_BYTES} bytes.",
        }
    }
).encode()
_ANSWER = b"".join(
    [
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(_BODY)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
        _BODY,
    ]
)


class _HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # the bytes coming in belong to a request's head
        self._head_bytes = 0
        self._head_refused = False

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
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True  # a next request on the connection starts with its head
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_refused:
            return self._refuse()
        return super().send_400_response(msg)

    def _refuse(self) -> None:
        self.logger.warning("A request's head over %s bytes: refused (431).", MAX_HEAD_BYTES)
        self.transport.write(_ANSWER)
        self.transport.close()

"""Request signing: hex HMAC-SHA256 with the key's secret over `timestamp + METHOD +
path_with_query + body` (API.md). The keyed HMAC state is made once per key and copied for
each request, which skips re-keying (the client shares the machine with the server).

Each signed request is single use (`401 replayed_request` for a signature seen before), so
a key's timestamps strictly increase: two sockets of one key opened in the same millisecond
sign different `auth` messages."""

from __future__ import annotations

import hashlib
import hmac
import time

WS_METHOD, WS_PATH = "GET", "/ws/v1"


def now_ms() -> int:
    """The current time in integer milliseconds, as X-API-TIMESTAMP wants it."""
    return time.time_ns() // 1_000_000


class Signer:
    """Signs requests for one API key."""

    __slots__ = ("key", "_mac", "_last")

    def __init__(self, key: str, secret: str) -> None:
        self.key = key
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)
        self._last = 0

    def timestamp(self) -> int:
        """The clock in ms, strictly increasing for this key."""
        self._last = max(now_ms(), self._last + 1)
        return self._last

    def sign(
        self, timestamp: int | str, method: str, path_with_query: str, body: bytes = b""
    ) -> str:
        """The X-API-SIGNATURE of a request."""
        mac = self._mac.copy()
        mac.update(f"{timestamp}{method}{path_with_query}".encode())
        if body:
            mac.update(body)
        return mac.hexdigest()

    def headers(self, method: str, path_with_query: str, body: bytes = b"") -> dict[str, str]:
        """The headers of a signed REST request (JSON content type included)."""
        timestamp = str(self.timestamp())
        return {
            "X-API-KEY": self.key,
            "X-API-TIMESTAMP": timestamp,
            "X-API-SIGNATURE": self.sign(timestamp, method, path_with_query, body),
            "Content-Type": "application/json",
        }

    def ws_auth(self) -> dict:
        """The WebSocket `auth` message, signed over `timestamp + "GET/ws/v1"`."""
        timestamp = self.timestamp()
        return {
            "op": "auth",
            "key": self.key,
            "timestamp": timestamp,
            "signature": self.sign(timestamp, WS_METHOD, WS_PATH),
        }

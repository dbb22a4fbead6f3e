"""Test clients that speak to the API as programs do: every request signed with an API key."""

from __future__ import annotations

import json
import threading
import time

from django.test import Client

from accounts.api_keys import api_key_create, signature
from accounts.models import ApiKey

_timestamp_lock = threading.Lock()
_previous = [0]


def next_timestamp() -> int:
    """The clock in ms, strictly increasing in this process: each signed request is
    single-use, so two identical requests signed in the same millisecond must differ."""
    with _timestamp_lock:
        _previous[0] = max(time.time_ns() // 1_000_000, _previous[0] + 1)
        return _previous[0]


def signed_headers(key: str, secret: str, method: str, path: str, body: bytes = b"",
                   timestamp: int | None = None) -> dict[str, str]:  # fmt: skip
    timestamp = next_timestamp() if timestamp is None else timestamp
    return {
        "X-API-KEY": key,
        "X-API-TIMESTAMP": str(timestamp),
        "X-API-SIGNATURE": signature(secret, timestamp, method, path, body),
    }


class SignedClient:
    """Django's test client, each request signed over `timestamp + METHOD + path + body`."""

    def __init__(self, key: str, secret: str, user=None) -> None:
        self.key, self.secret, self.user = key, secret, user
        self.client = Client()

    @classmethod
    def for_user(cls, user, permission: str = ApiKey.Permission.TRADE) -> SignedClient:
        api_key, secret = api_key_create(user=user, permission=permission)
        return cls(api_key.key, secret, user)

    def request(self, method: str, path: str, body: object = None, raw: bytes | None = None):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = signed_headers(self.key, self.secret, method, path, data)
        return self.client.generic(
            method, path, data, content_type="application/json", headers=headers
        )

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body: object = None, raw: bytes | None = None):
        return self.request("POST", path, body, raw)

    def delete(self, path: str):
        return self.request("DELETE", path)

    def patch(self, path: str, body: object = None):
        return self.request("PATCH", path, body)

    def place(self, **fields):
        body = {"symbol": "BTC-USDT", "type": "limit", **fields}
        return self.post("/api/v1/orders", body)


def session_client(user, enforce_csrf: bool = True) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client

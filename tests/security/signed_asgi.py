"""Signed requests sent to an ASGI application as raw header bytes: the fast order path
(exchange/api/fast_orders.py) and Django's, with headers a test client would not send
(non-ASCII, huge, repeated as they were)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application

from exchange.api.fast_orders import fast_orders

DJANGO = get_asgi_application()
FAST = fast_orders(DJANGO)


def raw_headers(headers: dict[str, str | bytes]) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs; a str value is sent as UTF-8 (what a client would put on the wire)."""
    pairs = [
        (name.lower().encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in headers.items()
    ]
    return [*pairs, (b"host", b"testserver"), (b"content-type", b"application/json")]


def send(app, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict]:
    """(status, JSON body) of `app`'s answer."""
    communicator = HttpCommunicator(app, method, path, body=body, headers=raw_headers(headers))
    response = async_to_sync(communicator.get_response)(timeout=5)
    return response["status"], json.loads(response["body"] or b"null")


def order_body(**fields) -> bytes:
    order = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "99", "quantity": "1"}
    return json.dumps({**order, **fields}).encode()


@pytest.fixture
def loop_threads_closed() -> Iterator[None]:
    """The fast path reads on the event loop's worker threads, whose connections live with
    them: let them go with the test, so the test database can be dropped."""
    gc.freeze()
    yield
    gc.collect()
    gc.unfreeze()

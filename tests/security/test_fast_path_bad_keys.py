"""The order fast path (exchange/api/fast_orders.py) counts failed authentication against the
client address as Django's path does: a flood of bad keys at `POST /api/v1/orders` from one
address is 429 once over EXCHANGE_RATE_PER_IP, and stays on the fast path."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application

from exchange.api.fast_orders import fast_orders
from tests.api.clients import signed_headers

pytestmark = pytest.mark.django_db(transaction=True)

ORDER = json.dumps(
    {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "99", "quantity": "1"}
).encode()


@pytest.fixture(autouse=True)
def loop_threads_closed() -> Iterator[None]:
    """The fast path reads on the event loop's worker threads: their connections go with the
    test, so the test database can be dropped."""
    gc.freeze()
    yield
    gc.collect()
    gc.unfreeze()


class Spy:
    """Django's ASGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django, self.calls = get_asgi_application(), 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        return await self.django(scope, receive, send)


def bad_key_order(app, peer: str) -> tuple[int, str]:
    headers = signed_headers("f" * 32, "secret", "POST", "/api/v1/orders", ORDER)
    pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    pairs += [(b"host", b"testserver"), (b"content-type", b"application/json")]
    communicator = HttpCommunicator(app, "POST", "/api/v1/orders", body=ORDER, headers=pairs)
    communicator.scope["client"] = [peer, 40000]
    response = async_to_sync(communicator.get_response)(timeout=5)
    return response["status"], json.loads(response["body"])["error"]["code"]


def test_a_flood_of_bad_keys_on_the_fast_path_is_429_over_the_address_limit(settings) -> None:
    settings.EXCHANGE_RATE_PER_IP = 3
    spy = Spy()
    app = fast_orders(spy)

    answers = [bad_key_order(app, "203.0.113.9") for _ in range(5)]

    assert answers == [(401, "invalid_api_key")] * 3 + [(429, "rate_limited")] * 2
    assert bad_key_order(app, "198.51.100.1") == (401, "invalid_api_key")  # another address
    assert spy.calls == 0  # all answered on the fast path

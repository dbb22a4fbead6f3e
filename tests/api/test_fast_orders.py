"""exchange/api/fast_orders.py answers signed order requests at the ASGI edge: the same
status, headers and body as Django and DRF give, for what it answers; everything else goes
to Django untouched. Each request here is sent twice over ASGI, to the application with the
fast path and to Django alone, against a real matcher."""

from __future__ import annotations

import gc
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application

from accounts.models import ApiKey
from exchange.api.fast_orders import fast_orders
from tests.api.clients import SignedClient, signed_headers

pytestmark = [pytest.mark.django_db(transaction=True)]

DJANGO = get_asgi_application()
VARYING = ("order_id", "created_at", "updated_at")  # two placements differ in these only


class Spy:
    """Django's ASGI app, counting the requests that reach it."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        return await DJANGO(scope, receive, send)


def send(app, client: SignedClient, method: str, path: str, body: object = None, **options):
    raw = options.get("raw", b"" if body is None else json.dumps(body).encode())
    headers = signed_headers(client.key, client.secret, method, path, raw)
    if options.get("bad_signature"):
        headers["X-API-SIGNATURE"] = "0" * 64
    pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    pairs += [(b"host", b"testserver"), (b"content-type", b"application/json")]
    pairs += [(name, value) for name, value in options.get("extra", ())]
    communicator = HttpCommunicator(app, method, path, body=raw, headers=pairs)
    response = async_to_sync(communicator.get_response)()
    headers = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    return response["status"], headers, json.loads(response["body"] or b"null")


def both(client, method, path, body=None, **options):
    """(fast path's answer, Django's answer, whether Django was asked on the fast side)."""
    spy = Spy()
    fast = send(fast_orders(spy), client, method, path, body, **options)
    plain = send(DJANGO, client, method, path, body, **options)
    return fast, plain, spy.calls > 0


@pytest.fixture(autouse=True)
def connections_of_finished_threads_closed():
    """Reads on the fast path use the event loop's worker threads, whose connections live
    with them; the test's loops are gone once it ends: let their connections go too, so
    the test database can be dropped."""
    yield
    gc.collect()


@pytest.fixture
def warm(maker_client) -> SignedClient:
    """A key the process has looked up (the fast path takes only keys in its cache)."""
    assert maker_client.get("/api/v1/orders").status_code == 200
    return maker_client


def comparable(answer):
    status, headers, body = answer
    headers.pop("content-length", None)  # the bodies differ in their ids' digits
    return status, headers, {key: value for key, value in body.items() if key not in VARYING}


ORDER = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "99", "quantity": "1"}


def test_a_placement_is_answered_like_djangos(matcher, warm) -> None:
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER)
    assert not django_asked
    assert fast[0] == 201
    assert comparable(fast) == comparable(plain)
    assert set(fast[1]) == {
        "content-type", "allow", "x-frame-options", "x-content-type-options",
        "referrer-policy", "cross-origin-opener-policy",
    }  # fmt: skip
    assert fast[2]["order_id"] != plain[2]["order_id"]


@pytest.mark.parametrize(
    "body",
    [
        {**ORDER, "price": "99.001"},  # tick_size
        {**ORDER, "symbol": "NOPE-USDT"},
        {**ORDER, "quantity": "-1"},
        [1, 2],
    ],
)
def test_a_rejected_placement_is_the_same_error(matcher, warm, body) -> None:
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", body)
    assert not django_asked
    assert fast[0] == 400
    assert fast == plain


def test_a_body_that_is_not_json_is_the_same_error(matcher, warm) -> None:
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", raw=b"{nope")
    assert (not django_asked, fast[0], fast[2]["error"]["code"]) == (True, 400, "invalid_json")
    assert fast == plain


def test_a_repeated_client_order_id_is_the_same_409(matcher, warm) -> None:
    warm.place(side="buy", price="99", quantity="1", client_order_id="twice")
    fast, plain, django_asked = both(
        warm, "POST", "/api/v1/orders", {**ORDER, "client_order_id": "twice"}
    )
    assert not django_asked
    assert fast[0] == 409
    assert fast == plain


def test_cancels_are_answered_like_djangos(matcher, warm) -> None:
    first = warm.place(side="buy", price="98", quantity="1").json()["order_id"]
    second = warm.place(side="buy", price="98", quantity="1").json()["order_id"]
    spy = Spy()
    fast = send(fast_orders(spy), warm, "DELETE", f"/api/v1/orders/{first}")
    plain = send(DJANGO, warm, "DELETE", f"/api/v1/orders/{second}")
    assert spy.calls == 0
    assert fast[0] == plain[0] == 200
    assert fast[2]["status"] == "cancelled"
    assert comparable(fast) == comparable(plain)
    for path in (f"/api/v1/orders/{first}", "/api/v1/orders/12345678", "/api/v1/orders/x1"):
        fast, plain, django_asked = both(warm, "DELETE", path)
        assert not django_asked
        assert fast == plain and fast[0] in (400, 404)


def test_over_the_rate_limit_is_the_same_429(matcher, warm, settings) -> None:
    settings.EXCHANGE_RATE_PER_KEY = 1
    spy = Spy()
    for _ in range(2):
        fast = send(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain = send(DJANGO, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0
    assert fast[0] == 429 and fast[1]["retry-after"] == "1"
    assert fast == plain


@pytest.mark.parametrize(
    "options",
    [
        {"bad_signature": True},
        {"extra": [(b"accept", b"application/json; indent=4")]},
        {"extra": [(b"accept", b"text/html")]},
    ],
)
def test_what_the_fast_path_does_not_take_goes_to_django(matcher, warm, options) -> None:
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER, **options)
    assert django_asked
    assert comparable(fast) == comparable(plain)
    assert fast[0] in (201, 401, 406)


def test_a_key_not_in_the_cache_is_looked_up_on_the_fast_path(matcher, maker_client) -> None:
    spy = Spy()
    fast = send(fast_orders(spy), maker_client, "POST", "/api/v1/orders", ORDER)
    assert (fast[0], spy.calls) == (201, 0)


def test_an_unknown_key_goes_to_django_and_is_refused(matcher, maker_client) -> None:
    stranger = SignedClient("f" * 32, maker_client.secret)
    fast, plain, django_asked = both(stranger, "POST", "/api/v1/orders", ORDER)
    assert django_asked
    assert fast == plain and (fast[0], fast[2]["error"]["code"]) == (401, "invalid_api_key")


def test_a_read_only_key_goes_to_django_and_is_refused(matcher, traders) -> None:
    reader = SignedClient.for_user(traders[0], ApiKey.Permission.READ)
    assert reader.get("/api/v1/orders").status_code == 200  # cached
    fast, plain, django_asked = both(reader, "POST", "/api/v1/orders", ORDER)
    assert django_asked
    assert fast == plain and fast[0] == 403


def test_plain_http_goes_to_django_when_it_must_redirect(matcher, warm, settings) -> None:
    """SecurityMiddleware redirects plain HTTP then (it reads the setting when it is built,
    so Django's answer here is not the redirect; that it is Django's is the point)."""
    settings.SECURE_SSL_REDIRECT = True
    spy = Spy()
    send(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 1

"""exchange/api/fast_orders.py answers signed order requests at the ASGI edge: the same
status, headers and body as Django and DRF give, for every request it takes; everything else
goes to Django untouched. Each request here is sent twice over ASGI, to the application with
the fast path and to Django alone, against a real matcher (the parity test).

tests/api/test_fast_orders_middleware.py checks that the middleware of settings.MIDDLEWARE
runs on the fast path as under Django."""

from __future__ import annotations

import gc
import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application
from django.db import DatabaseError
from django.utils import timezone

from accounts.key_cache import forget_all
from accounts.models import ApiKey
from exchange.api import order_pipeline
from exchange.api.fast_orders import fast_orders
from tests.api.clients import SignedClient, signed_headers

pytestmark = [pytest.mark.django_db(transaction=True)]

DJANGO = get_asgi_application()
VARYING = ("order_id", "created_at", "updated_at")  # two placements differ in these only


class Spy:
    """A Django ASGI app, counting the requests that reach it."""

    def __init__(self, django=DJANGO) -> None:
        self.calls = 0
        self.django = django

    async def __call__(self, scope, receive, send):
        self.calls += 1
        return await self.django(scope, receive, send)


def send(app, client: SignedClient, method: str, path: str, body: object = None, **options):
    """(status, headers, body) of `app`'s answer to the signed request. Options: `raw` body,
    `bad_signature`, `timestamp` to sign with, `drop` (header names), `host`, `extra` headers,
    `root_path`."""
    raw = options.get("raw", b"" if body is None else json.dumps(body).encode())
    headers = signed_headers(
        client.key, client.secret, method, path, raw, timestamp=options.get("timestamp")
    )
    if options.get("bad_signature"):
        headers["X-API-SIGNATURE"] = "0" * 64
    for name in options.get("drop", ()):
        headers.pop(name)
    pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    pairs += [(b"host", options.get("host", b"testserver")), (b"content-type", b"application/json")]
    pairs += [(name, value) for name, value in options.get("extra", ())]
    communicator = HttpCommunicator(app, method, path, body=raw, headers=pairs)
    if "root_path" in options:
        communicator.scope["root_path"] = options["root_path"]
    response = async_to_sync(communicator.get_response)(timeout=5)
    headers = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    return response["status"], headers, json.loads(response["body"] or b"null")


def both(client, method, path, body=None, django=DJANGO, **options):
    """(fast path's answer, Django's answer, whether Django was asked on the fast side)."""
    spy = Spy(django)
    fast = send(fast_orders(spy), client, method, path, body, **options)
    plain = send(django, client, method, path, body, **options)
    return fast, plain, spy.calls > 0


@pytest.fixture(autouse=True)
def connections_of_finished_threads_closed():
    """Reads on the fast path use the event loop's worker threads, whose connections live
    with them; the test's loops are gone once it ends: let their connections go too, so
    the test database can be dropped. Only what the test made is scanned (the rest of the
    process is frozen meanwhile): a full collection of the test process takes long."""
    gc.freeze()
    yield
    gc.collect()
    gc.unfreeze()


@pytest.fixture
def warm(maker_client) -> SignedClient:
    """A key the process has looked up (in the key cache)."""
    assert maker_client.get("/api/v1/orders").status_code == 200
    return maker_client


def comparable(answer):
    status, headers, body = answer
    headers = {name: value for name, value in headers.items() if name != "content-length"}
    if isinstance(body, dict):  # the bodies differ in their ids' digits
        body = {key: value for key, value in body.items() if key not in VARYING}
    return status, headers, body


ORDER = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "99", "quantity": "1"}


def test_a_placement_is_answered_like_djangos(matcher, warm) -> None:
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER)
    assert not django_asked
    assert fast[0] == 201
    assert comparable(fast) == comparable(plain)
    assert set(fast[1]) == {
        "content-type", "content-length", "allow", "x-frame-options", "x-content-type-options",
        "referrer-policy", "cross-origin-opener-policy",
    }  # fmt: skip
    assert fast[1]["content-length"] == str(len(json.dumps(fast[2], separators=(",", ":"))))
    assert fast[2]["order_id"] != plain[2]["order_id"]


@pytest.mark.parametrize(
    "body",
    [
        {**ORDER, "price": "99.001"},  # tick_size
        {**ORDER, "symbol": "NOPE-USDT"},
        {**ORDER, "quantity": "-1"},
        {**ORDER, "colour": "red"},
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
    assert (django_asked, fast[0], fast[2]["error"]["code"]) == (False, 400, "invalid_json")
    assert fast == plain


def test_a_repeated_client_order_id_is_the_same_409(matcher, warm) -> None:
    warm.place(side="buy", price="99", quantity="1", client_order_id="twice")
    fast, plain, django_asked = both(
        warm, "POST", "/api/v1/orders", {**ORDER, "client_order_id": "twice"}
    )
    assert not django_asked
    assert fast[0] == 409
    assert fast == plain


def test_cancels_are_answered_like_djangos(matcher, warm, taker_client) -> None:
    first = warm.place(side="buy", price="98", quantity="1").json()["order_id"]
    second = warm.place(side="buy", price="98", quantity="1").json()["order_id"]
    spy = Spy()
    fast = send(fast_orders(spy), warm, "DELETE", f"/api/v1/orders/{first}")
    plain = send(DJANGO, warm, "DELETE", f"/api/v1/orders/{second}")
    assert spy.calls == 0
    assert fast[0] == plain[0] == 200
    assert fast[2]["status"] == "cancelled"
    assert comparable(fast) == comparable(plain)
    theirs = taker_client.place(side="buy", price="97", quantity="1").json()["order_id"]
    for path in (
        f"/api/v1/orders/{first}",  # no longer open
        f"/api/v1/orders/{theirs}",  # another user's
        "/api/v1/orders/12345678",
        "/api/v1/orders/x1",
        "/api/v1/orders/99999999999999999999",
    ):
        fast, plain, django_asked = both(warm, "DELETE", path)
        assert not django_asked, path
        assert fast == plain and fast[0] in (400, 404), path


def test_over_the_rate_limit_is_the_same_429(matcher, warm, settings) -> None:
    settings.EXCHANGE_RATE_PER_KEY = 1
    spy = Spy()
    for _ in range(2):
        fast = send(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain = send(DJANGO, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0
    assert fast[0] == 429 and fast[1]["retry-after"] == "1"
    assert fast == plain


STALE = 1_000_000_000_000  # 2001, far outside the signature window


@pytest.mark.parametrize(
    ("options", "status", "code"),
    [
        ({"bad_signature": True}, 401, "invalid_signature"),
        ({"timestamp": STALE}, 401, "timestamp_out_of_window"),
        ({"drop": ["X-API-SIGNATURE"]}, 401, "missing_credentials"),
        ({"drop": ["X-API-TIMESTAMP", "X-API-SIGNATURE"]}, 401, "missing_credentials"),
        ({"extra": [(b"accept", b"text/html")]}, 406, "not_acceptable"),
        ({"host": b"evil.example"}, 400, "bad_request"),  # ALLOWED_HOSTS
    ],
)
def test_a_refused_request_is_refused_alike(matcher, warm, options, status, code) -> None:
    """The checks are the view's own on both paths, and so are the refusals."""
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER, **options)
    assert not django_asked
    assert (fast[0], fast[2]["error"]["code"]) == (status, code)
    assert fast == plain


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("POST", "/api/v1/orders", {"extra": [(b"accept", b"application/json; indent=4")]}),
        ("POST", "/api/v1/orders", {"extra": [(b"accept", b"application/*, text/html;q=0.5")]}),
        ("POST", "/api/v1/orders?note=1", {}),
        ("POST", "/api/v1/orders", {"extra": [(b"cookie", b"sessionid=nope; csrftoken=nope")]}),
        ("POST", "/api/v1/orders", {"extra": [(b"x-forwarded-proto", b"https")]}),
    ],
)
def test_a_placement_in_other_forms_is_answered_alike(matcher, warm, method, path, options):
    fast, plain, django_asked = both(warm, method, path, ORDER, **options)
    assert not django_asked
    assert fast[0] == 201
    assert comparable(fast) == comparable(plain)


def test_a_key_not_in_the_cache_is_looked_up_on_the_fast_path(matcher, maker_client) -> None:
    spy = Spy()
    fast = send(fast_orders(spy), maker_client, "POST", "/api/v1/orders", ORDER)
    assert (fast[0], spy.calls) == (201, 0)


def test_an_unknown_key_is_refused_alike(matcher, maker_client) -> None:
    stranger = SignedClient("f" * 32, maker_client.secret)
    fast, plain, django_asked = both(stranger, "POST", "/api/v1/orders", ORDER)
    assert not django_asked
    assert fast == plain and (fast[0], fast[2]["error"]["code"]) == (401, "invalid_api_key")


def test_a_revoked_key_is_refused_alike(matcher, warm) -> None:
    ApiKey.objects.filter(key=warm.key).update(revoked_at=timezone.now())
    forget_all()  # another process would notice within the cache's TTL
    fast, plain, django_asked = both(warm, "DELETE", "/api/v1/orders/1")
    assert not django_asked
    assert fast == plain and (fast[0], fast[2]["error"]["code"]) == (401, "invalid_api_key")


def test_a_read_only_key_is_refused_alike(matcher, traders) -> None:
    reader = SignedClient.for_user(traders[0], ApiKey.Permission.READ)
    assert reader.get("/api/v1/orders").status_code == 200  # cached
    for method, path in (("POST", "/api/v1/orders"), ("DELETE", "/api/v1/orders/1")):
        fast, plain, django_asked = both(reader, method, path, ORDER if method == "POST" else None)
        assert not django_asked
        assert fast == plain and (fast[0], fast[2]["error"]["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("POST", "/api/v1/orders", {"drop": ["X-API-KEY"]}),  # not signed with a key
        ("GET", "/api/v1/orders", {}),
        ("DELETE", "/api/v1/orders", {}),  # cancel all: not a fast method
        ("POST", "/api/v1/orders/1", {}),
        ("POST", "/api/v1/orders/", {}),
        ("DELETE", "/api/v1/nowhere", {}),
        ("POST", "/api/v1/orders", {"root_path": "/exchange"}),
    ],
)
def test_what_the_fast_path_does_not_take_goes_to_django(matcher, warm, method, path, options):
    fast, plain, django_asked = both(warm, method, path, ORDER, **options)
    assert django_asked
    assert comparable(fast) == comparable(plain)


def test_a_forced_script_name_goes_to_django(matcher, warm, settings) -> None:
    settings.FORCE_SCRIPT_NAME = "/exchange"
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER)
    assert django_asked
    assert comparable(fast) == comparable(plain)


def test_a_body_over_the_limit_goes_to_django(matcher, warm, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    fast, plain, django_asked = both(warm, "POST", "/api/v1/orders", ORDER)
    assert django_asked
    assert fast == plain and fast[0] == 413


def test_a_key_the_database_cannot_say_goes_to_django(matcher, maker_client, monkeypatch):
    async def database_down(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(order_pipeline, "db_read", database_down)
    spy = Spy()
    fast = send(fast_orders(spy), maker_client, "POST", "/api/v1/orders", ORDER)
    assert (fast[0], spy.calls) == (201, 1)  # Django's own read worked


def test_plain_http_is_redirected_alike_when_it_must_be(matcher, warm, settings) -> None:
    """SecurityMiddleware redirects plain HTTP then (it reads the setting when it is built:
    Django's application is built afresh to see it, as the fast path's chain is)."""
    settings.SECURE_SSL_REDIRECT = True
    django = get_asgi_application()
    spy = Spy(django)
    fast = send_raw(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain = send_raw(django, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0
    assert fast == plain and fast[0] == 301


def send_raw(app, client, method, path, body):
    """(status, headers, body bytes): for answers that are not JSON."""
    raw = json.dumps(body).encode()
    headers = signed_headers(client.key, client.secret, method, path, raw, time.time_ns() // 10**6)
    pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    pairs.append((b"host", b"testserver"))
    response = async_to_sync(HttpCommunicator(app, method, path, raw, pairs).get_response)()
    return response["status"], sorted(response["headers"]), response["body"]

"""The fast path (exchange/api/fast_orders.py) runs the middleware of settings.MIDDLEWARE as
Django runs it: whatever is added there shows on the fast path's answers, hook by hook, and
whatever is taken out does not. Probes: tests/api/middleware_probes.py."""

from __future__ import annotations

import pytest
from django.core.asgi import get_asgi_application

from exchange.api.fast_orders import fast_orders
from tests.api import middleware_probes
from tests.api.middleware_probes import CALLS
from tests.api.test_fast_orders import (
    ORDER,
    Spy,
    comparable,
    connections_of_finished_threads_closed,
)
from tests.api.test_fast_orders import send as send_signed

pytestmark = [pytest.mark.django_db(transaction=True)]
__all__ = ["connections_of_finished_threads_closed"]  # its autouse fixture applies here too

PROBES = middleware_probes.__name__


@pytest.fixture
def warm(maker_client):
    assert maker_client.get("/api/v1/orders").status_code == 200
    return maker_client


def middleware(settings, first=(), last=(), without=()):
    """settings.MIDDLEWARE with probes first and last and some left out; Django's application
    built afresh for it (it builds its chain once)."""
    kept = [name for name in settings.MIDDLEWARE if name.rsplit(".", 1)[1] not in without]
    settings.MIDDLEWARE = [f"{PROBES}.{p}" for p in first] + kept + [f"{PROBES}.{p}" for p in last]
    return get_asgi_application()


def recorded(app, client, method, path, body=None):
    CALLS.clear()
    answer = send_signed(app, client, method, path, body)
    return answer, list(CALLS)


def test_a_middleware_added_runs_on_the_fast_path_hook_by_hook(matcher, warm, settings) -> None:
    django = middleware(settings, first=["Recording"], last=["sync_only"])
    spy = Spy(django)
    fast, fast_calls = recorded(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain, plain_calls = recorded(django, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0
    assert fast[0] == 201
    marks = ("x-probe", "x-sync-probe", "x-probe-template")
    assert [fast[1].get(name) for name in marks] == ["seen", "seen", "seen"]
    assert fast[1]["set-cookie"].startswith("probe=seen;")
    assert (
        fast_calls
        == plain_calls
        == [
            ("request", "POST", "/api/v1/orders"),
            ("view", "OrdersView", (), {}),
            ("template_response", "Response", 201),
            ("response", 201),
        ]
    )
    assert comparable(fast) == comparable(plain)

    mine, theirs = fast[2]["order_id"], plain[2]["order_id"]
    fast, fast_calls = recorded(fast_orders(spy), warm, "DELETE", f"/api/v1/orders/{mine}")
    plain, plain_calls = recorded(django, warm, "DELETE", f"/api/v1/orders/{theirs}")
    assert spy.calls == 0
    assert fast[0] == plain[0] == 200
    for calls, order_id in ((fast_calls, mine), (plain_calls, theirs)):
        assert calls == [
            ("request", "DELETE", f"/api/v1/orders/{order_id}"),
            ("view", "OrderView", (), {"order_id": str(order_id)}),
            ("template_response", "Response", 200),
            ("response", 200),
        ]
    assert fast[1]["x-probe"] == fast[1]["x-sync-probe"] == "seen"
    assert comparable(fast) == comparable(plain)


def test_a_middleware_taken_out_is_not_run(matcher, warm, settings) -> None:
    django = middleware(settings, without=["XFrameOptions", "Security"])
    spy = Spy(django)
    fast = send_signed(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain = send_signed(django, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0 and fast[0] == 201
    assert not {"x-frame-options", "x-content-type-options", "referrer-policy"} & set(fast[1])
    assert comparable(fast) == comparable(plain)


def test_a_middleware_that_answers_itself_answers_on_the_fast_path(matcher, warm, settings):
    django = middleware(settings, last=["Teapot"])
    spy = Spy(django)
    fast, fast_calls = recorded(fast_orders(spy), warm, "POST", "/api/v1/orders", ORDER)
    plain, plain_calls = recorded(django, warm, "POST", "/api/v1/orders", ORDER)
    assert spy.calls == 0
    assert fast == plain and fast[0] == 418
    assert fast_calls == plain_calls == [("teapot", "/api/v1/orders")]


def test_a_middleware_that_fails_fails_alike(matcher, warm, settings) -> None:
    django = middleware(settings, first=["Failing"])
    spy = Spy(django)
    fast = send_signed(fast_orders(spy), warm, "DELETE", "/api/v1/orders/1")
    plain = send_signed(django, warm, "DELETE", "/api/v1/orders/1")
    assert spy.calls == 0
    assert fast == plain and (fast[0], fast[2]["error"]["code"]) == (500, "internal_error")


def test_the_fast_path_follows_a_change_of_the_setting(matcher, warm, settings) -> None:
    """The application is built once (exchange/asgi.py); the fast path's chain follows
    settings.MIDDLEWARE all the same."""
    spy = Spy()
    app = fast_orders(spy)
    assert "x-probe" not in send_signed(app, warm, "POST", "/api/v1/orders", ORDER)[1]
    middleware(settings, last=["Recording"])
    assert send_signed(app, warm, "POST", "/api/v1/orders", ORDER)[1]["x-probe"] == "seen"
    assert spy.calls == 0

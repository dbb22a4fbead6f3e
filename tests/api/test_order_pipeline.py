"""exchange/api/order_pipeline.py: which requests the fast path takes, that the order views'
checks can run on the event loop, that content negotiation answers as DRF's does, and that
the fast path defines no check of its own (it runs the views')."""

from __future__ import annotations

import inspect

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from exchange.api import fast_orders
from exchange.api.order_pipeline import OrderPipelineView, UsualJsonNegotiation, fast_view
from exchange.api.views.orders import OrdersView, OrderView


@pytest.mark.parametrize(
    ("method", "path", "view"),
    [
        ("POST", "/api/v1/orders", OrdersView),
        ("DELETE", "/api/v1/orders/123", OrderView),
        ("DELETE", "/api/v1/orders/x", OrderView),  # the view says it is no order
        ("GET", "/api/v1/orders", None),
        ("DELETE", "/api/v1/orders", None),
        ("GET", "/api/v1/orders/123", None),
        ("POST", "/api/v1/orders/123", None),
        ("POST", "/api/v1/orders/", None),
        ("POST", "/api/v1/api-keys", None),
        ("POST", "/nowhere", None),
    ],
)
def test_the_fast_path_takes_the_signed_fast_methods_of_order_views(method, path, view) -> None:
    match = fast_view(method, path)
    assert (match and match.func.view_class) == view


def test_the_order_views_checks_run_on_the_event_loop() -> None:
    for view in (OrdersView, OrderView):
        assert issubclass(view, OrderPipelineView) and view.view_is_async
        assert view().checks_run_inline()


def test_the_fast_path_runs_the_views_checks_not_its_own() -> None:
    source = inspect.getsource(fast_orders)
    for name in (
        "authenticate_signed", "ApiKeyAuthentication", "CanTrade", "can_trade", "key_allowed",
        "Throttled", "parse_order_id", "order_place", "order_cancel", "as_api_error",
        "SecurityMiddleware", "XFrameOptionsMiddleware", "Allow",
    ):  # fmt: skip
        assert name not in source, name


ACCEPTS = [
    None, "*/*", "application/json", "application/*", " application/json ",
    "application/json; indent=4", "application/json;q=0.5, */*", "text/html", "text/*",
    "text/html, application/json", "application/xml, */*;q=0.1", "", "*/*; q=0",
]  # fmt: skip


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?x=1"])
@pytest.mark.parametrize("renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]])
def test_negotiation_answers_as_drfs_does(accept, query, renderers) -> None:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().post(f"/api/v1/orders{query}", **headers))

    def answer(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except Exception as exc:  # the same refusal is the point
            return type(exc)
        return type(renderer), media_type

    assert answer(UsualJsonNegotiation()) == answer(DefaultContentNegotiation())

"""The one mapping of domain errors (exchange/errors.py) to API.md's envelope and status
(exchange/api/errors.py `as_api_error`), which REST, the fast order path and the socket all
answer with."""

from __future__ import annotations

import asyncio

import pytest

from exchange.api.errors import ApiError, as_api_error, exception_handler
from exchange.consumers.trading import Identity, order_request
from exchange.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InvalidCursor,
    InvalidParameter,
    MarketChangeRefused,
    MarketNotFound,
    OrderNotFound,
    OrderNotOpen,
    OrderRejected,
    ServiceBusy,
    UnknownSymbol,
)
from matching.service.client import MatcherUnavailable

MATCHER_SILENT = (
    "The matching engine did not answer in time: the outcome is unknown, and the order may "
    "have been placed. Look it up with GET /api/v1/orders?client_order_id=<your id> before "
    "sending it again (with the same client_order_id, a repeat is refused 409)."
)
BUSY = (
    "The exchange takes no new orders for a moment while its database catches up; nothing "
    "was placed. Cancels are still taken. Retry later."
)

CASES = [
    (
        OrderRejected("tick_size", "Off the tick grid.", field="price"),
        400,
        {"code": "tick_size", "message": "Off the tick grid.", "field": "price"},
    ),
    (
        OrderRejected("invalid_field", "The order was refused: malformed."),
        400,
        {"code": "invalid_field", "message": "The order was refused: malformed.", "field": None},
    ),
    (
        DuplicateClientOrderId(17),
        409,
        {
            "code": "duplicate_client_order_id",
            "message": "An order with this client_order_id exists; nothing was placed.",
            "field": "client_order_id",
            "order_id": 17,
        },
    ),
    (
        OrderNotFound(),
        404,
        {"code": "order_not_found", "message": "No such order.", "field": "order_id"},
    ),
    (
        OrderNotOpen("filled"),
        400,
        {
            "code": "order_not_open",
            "message": "The order is filled; only open orders can be cancelled.",
            "field": None,
            "status": "filled",
        },
    ),
    (
        UnknownSymbol("DOGE-XYZ"),
        400,
        {"code": "unknown_symbol", "message": "No market 'DOGE-XYZ'.", "field": "symbol"},
    ),
    (
        UnknownSymbol("X" * 50),
        400,
        {"code": "unknown_symbol", "message": f"No market {'X' * 32!r}.", "field": "symbol"},
    ),
    (
        MarketNotFound("DOGE-XYZ"),
        404,
        {"code": "unknown_symbol", "message": "No market 'DOGE-XYZ'.", "field": "symbol"},
    ),
    (
        MarketNotFound("X" * 50),
        404,
        {"code": "unknown_symbol", "message": f"No market {'X' * 40!r}.", "field": "symbol"},
    ),
    (
        InvalidCursor(),
        400,
        {
            "code": "invalid_cursor",
            "message": "The cursor is not one this API gave.",
            "field": "cursor",
        },
    ),
    (
        InvalidParameter("invalid_limit", "limit must be an integer from 1 to 9.", field="limit"),
        400,
        {
            "code": "invalid_limit",
            "message": "limit must be an integer from 1 to 9.",
            "field": "limit",
        },
    ),
    (
        MatcherUnavailable("the matcher's queue is full"),
        503,
        {"code": "matcher_unavailable", "message": MATCHER_SILENT, "field": None},
    ),
    (ServiceBusy(), 503, {"code": "service_busy", "message": BUSY, "field": None}),
]
# a 503 says when to try again
HEADERS = {"matcher_unavailable": {"Retry-After": "1"}, "service_busy": {"Retry-After": "5"}}


@pytest.mark.parametrize(
    ("error", "status", "body"), CASES, ids=[type(case[0]).__name__ for case in CASES]
)
def test_each_domain_error_has_its_status_and_envelope(error, status, body) -> None:
    mapped = as_api_error(error)

    headers = HEADERS.get(body["code"], {})
    assert (mapped.status, mapped.body(), mapped.headers) == (status, {"error": body}, headers)


@pytest.mark.parametrize(("error", "status", "body"), CASES[:3])
def test_drf_s_exception_handler_answers_the_same(error, status, body) -> None:
    response = exception_handler(error, {})

    assert (response.status_code, response.data) == (status, {"error": body})


def test_domain_errors_carry_no_http_status() -> None:
    for error, _, _ in CASES:
        assert not hasattr(error, "status")


def test_every_domain_error_is_an_exchange_error() -> None:
    for error, _, _ in CASES:
        assert isinstance(error, ExchangeError) or isinstance(error, MatcherUnavailable)
    assert isinstance(DuplicateClientOrderId(1), OrderRejected)  # a rejection, with its own 409
    assert isinstance(MarketChangeRefused("No."), ExchangeError)


def test_an_api_error_is_its_own_mapping() -> None:
    error = ApiError("rate_limited", "Slow down.", status=429, headers={"Retry-After": "1"})

    assert as_api_error(error) is error


def test_the_socket_answers_a_domain_error_as_rest_does() -> None:
    client = {"meta": {"REMOTE_ADDR": "192.0.2.1"}, "headers": {}}
    message = {"op": "order.cancel", "req_id": 5, "order_id": "not-an-id"}

    answer = asyncio.run(order_request("order.cancel", message, Identity(user_id=1), client))

    assert answer == {
        "type": "response",
        "req_id": 5,
        "status": 404,
        "body": {
            "error": {"code": "order_not_found", "message": "No such order.", "field": "order_id"}
        },
    }

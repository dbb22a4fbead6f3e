"""Order entry on the socket (`order.place`, `order.cancel`) is answered with REST's status and
body: 201 and 200 with the order, 4xx with the envelope and the SPEC reason. Against the
embedded exchange, with a real WebSocket client."""

from __future__ import annotations

import pytest

from tests.ws.conftest import key_of

SELL = {"symbol": "BTC-USDT", "side": "sell", "type": "limit", "quantity": "0.001"}


@pytest.fixture
def alice(embedded, connect):
    client = connect(embedded.ws_url)
    assert client.auth(embedded.keys["alice"])["type"] == "authenticated"
    return client


def test_a_placed_order_is_answered_201_with_the_body_rest_serves(embedded, alice) -> None:
    response = alice.request("order.place", **SELL, price="91000.10", client_order_id="ws-place")

    body = response["body"]
    assert (response["status"], body["status"], body["client_order_id"]) == (201, "new", "ws-place")
    assert (body["price"], body["quantity"], body["time_in_force"]) == (
        "91000.10",
        "0.00100",
        "GTC",
    )
    status, rest = embedded.http("GET", f"/api/v1/orders/{body['order_id']}", "alice")
    assert (status, rest) == (200, body)


def test_a_cancelled_order_is_answered_200_with_the_body_rest_serves(embedded, alice) -> None:
    placed = alice.request("order.place", **SELL, price="92000.00")["body"]

    response = alice.request("order.cancel", order_id=placed["order_id"])

    assert (response["status"], response["body"]["status"]) == (200, "cancelled")
    status, rest = embedded.http("GET", f"/api/v1/orders/{placed['order_id']}", "alice")
    assert (status, rest["status"]) == (200, "cancelled")
    assert response["body"] == {**rest, "updated_at": response["body"]["updated_at"]}


def test_a_crossing_order_is_answered_with_its_fills(embedded, alice, connect) -> None:
    bob = connect(embedded.ws_url)
    bob.auth(embedded.keys["bob"])
    alice.request("order.place", **{**SELL, "price": "10.00", "quantity": "0.5"})

    response = bob.request(
        "order.place", symbol="BTC-USDT", side="buy", type="limit", price="10.00", quantity="0.5"
    )

    body = response["body"]
    assert (response["status"], body["status"], body["avg_price"]) == (
        201,
        "filled",
        "10.0000000000",
    )
    assert [(f["price"], f["quantity"], f["liquidity"]) for f in body["fills"]] == [
        ("10.00", "0.50000", "taker")
    ]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"price": "93000.005"}, "tick_size", "price"),
        ({"price": "93000.00", "quantity": "0.000001"}, "lot_size", "quantity"),
        ({"price": "1.00", "quantity": "0.001"}, "min_notional", "quantity"),
        ({"price": 93000.0}, "invalid_field", "price"),
        ({"price": "93000.00", "colour": "red"}, "invalid_field", "colour"),
        ({"symbol": "DOGE-USDT", "price": "1.00"}, "unknown_symbol", "symbol"),
    ],
)
def test_a_rejected_order_is_answered_400_with_the_spec_reason(alice, fields, code, field) -> None:
    response = alice.request("order.place", **{**SELL, **fields})

    assert response["status"] == 400
    assert response["body"]["error"] == {**response["body"]["error"], "code": code, "field": field}


def test_cancelling_an_unknown_or_another_users_order_is_404(embedded, alice, connect) -> None:
    bob = connect(embedded.ws_url)
    bob.auth(embedded.keys["bob"])
    bobs = bob.request("order.place", **SELL, price="94000.00")["body"]

    answers = [
        alice.request("order.cancel", order_id=bobs["order_id"]),
        alice.request("order.cancel", order_id=999_999_999),
        alice.request("order.cancel", order_id="twelve"),
    ]

    assert [(a["status"], a["body"]["error"]["code"]) for a in answers] == [
        (404, "order_not_found")
    ] * 3


def test_order_entry_needs_credentials_and_a_key_that_may_trade(embedded, connect) -> None:
    anonymous = connect(embedded.ws_url)
    reader = connect(embedded.ws_url)
    assert reader.auth(embedded.keys["reader"]) == {**reader.received[-1], "permission": "read"}

    unauthenticated = anonymous.request("order.place", **SELL, price="95000.00")
    read_only = reader.request("order.place", **SELL, price="95000.00")
    cancel = reader.request("order.cancel", order_id=1)

    assert (unauthenticated["status"], unauthenticated["body"]["error"]["code"]) == (
        401,
        "missing_credentials",
    )
    assert (read_only["status"], read_only["body"]["error"]["code"]) == (403, "permission_denied")
    assert cancel["status"] == 403


@pytest.mark.django_db(transaction=True)
def test_order_entry_counts_against_the_keys_rest_rate_limit(start_server, traders, connect):
    server = start_server(EXCHANGE_RATE_PER_KEY=5)
    client = connect(server.ws_url)
    client.auth(key_of(traders[0]))

    sent = [client.send_request("order.place", **SELL, price=f"{100 + i}.00") for i in range(12)]
    answers = [client.response(req_id) for req_id in sent]

    statuses = [answer["status"] for answer in answers]
    assert set(statuses) == {201, 429} and statuses.count(201) <= 6
    limited = next(answer for answer in answers if answer["status"] == 429)
    assert limited["body"]["error"]["code"] == "rate_limited"

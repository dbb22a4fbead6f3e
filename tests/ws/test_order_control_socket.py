"""Order control on the socket (API.md, "Order control"): `order.amend` answers as REST's
PATCH does; a socket that asked for cancel on disconnect (`auth` or `session` with
`cancel_on_disconnect: true`) has the open orders placed through it cancelled when it
closes, reason `cancel_on_disconnect`, and no other order."""

from __future__ import annotations

import time

import pytest

from exchange.models import Order, OrderEvent
from tests.ws.conftest import key_of
from tests.ws.servers import http

pytestmark = [pytest.mark.django_db(transaction=True)]

BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "1.000"}


def test_order_amend_answers_as_rest(start_server, traders, connect) -> None:
    server = start_server()
    trader = connect(server.ws_url)
    trader.auth(key_of(traders[0]))
    placed = trader.request("order.place", **BUY, price="90.00")["body"]

    amended = trader.request("order.amend", order_id=placed["order_id"], quantity="0.5")
    refused = trader.request("order.amend", order_id=placed["order_id"])

    assert amended["status"] == 200
    assert (amended["body"]["quantity"], amended["body"]["amended"]) == ("0.500", True)
    assert (refused["status"], refused["body"]["error"]["code"]) == (400, "invalid_amend")


def test_closing_the_socket_cancels_what_it_placed(start_server, traders, connect) -> None:
    server = start_server()
    key = key_of(traders[0])
    elsewhere = http(server.base, "POST", "/api/v1/orders", key, {**BUY, "price": "80.00"})[1]
    trader = connect(server.ws_url)
    assert trader.auth(key, cancel_on_disconnect=True)["cancel_on_disconnect"] is True
    ids = [trader.request("order.place", **BUY, price=f"9{n}.00")["body"]["order_id"]
           for n in range(2)]  # fmt: skip

    trader.close()
    deadline = time.monotonic() + 5
    while OrderEvent.objects.filter(order_id__in=ids, status="cancelled").count() < 2:
        assert time.monotonic() < deadline, "the socket's orders were not cancelled"
        time.sleep(0.05)

    reasons = set(
        OrderEvent.objects.filter(order_id__in=ids, status="cancelled").values_list(
            "reason", flat=True
        )
    )
    assert reasons == {"cancel_on_disconnect"}
    status, other = http(server.base, "GET", f"/api/v1/orders/{elsewhere['order_id']}", key)
    assert other["status"] == "new"  # placed through REST: untouched


def test_without_asking_nothing_is_cancelled(start_server, traders, connect) -> None:
    server = start_server()
    key = key_of(traders[0])
    trader = connect(server.ws_url)
    trader.auth(key)
    order_id = trader.request("order.place", **BUY, price="90.00")["body"]["order_id"]

    trader.close()
    time.sleep(0.5)

    assert http(server.base, "GET", f"/api/v1/orders/{order_id}", key)[1]["status"] == "new"


def test_the_session_op_needs_a_login(start_server, connect) -> None:
    server = start_server()
    anonymous = connect(server.ws_url)
    anonymous.send({"op": "session", "cancel_on_disconnect": True})

    assert anonymous.of_type("error")["code"] == "unauthenticated"


def test_orders_sent_just_before_the_close_are_cancelled_too(
    start_server, traders, connect
) -> None:
    """The socket closes while its orders' answers are on their way: those the matcher
    places after the close are cancelled with the rest."""
    server = start_server()
    trader = connect(server.ws_url)
    trader.auth(key_of(traders[0]), cancel_on_disconnect=True)
    for n in range(5):
        trader.send_request("order.place", **BUY, price=f"9{n}.00")
    trader.close()

    deadline = time.monotonic() + 10
    placed = Order.objects.filter(user=traders[0])
    while placed.count() < 5 or placed.filter(status="new").exists():
        assert time.monotonic() < deadline, list(placed.values_list("id", "status"))
        time.sleep(0.05)

    assert set(placed.values_list("status", flat=True)) == {"cancelled"}
    reasons = OrderEvent.objects.filter(order__in=placed, status="cancelled")
    assert set(reasons.values_list("reason", flat=True)) == {"cancel_on_disconnect"}

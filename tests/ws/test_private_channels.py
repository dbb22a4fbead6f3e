"""The private channels (`orders`, `balances`) carry the connection's own user's changes and
nothing of anyone else's, whether it logged in by session cookie or by a signed `auth`; an
order's message is its REST body as far as the events allow. Daphne in front of the test's
own real matcher (tests/ws/conftest.py `start_server`)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.exchange.matcher_helpers import fund
from tests.ws.conftest import key_of

pytestmark = [pytest.mark.django_db(transaction=True)]

BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "0.010"}


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_a_user_sees_only_their_own_orders_and_balances(start_server, traders, connect) -> None:
    server = start_server()
    alice, bob = traders
    carol = get_user_model().objects.create_user("carol")
    fund(carol, {"BTC": "10"})
    # alice by her browser session, bob and carol by API keys
    alice_ws = connect(server.ws_url, additional_headers={"Cookie": session_cookie(alice)})
    bob_ws, carol_ws = connect(server.ws_url), connect(server.ws_url)
    bob_ws.auth(key_of(bob))
    carol_ws.auth(key_of(carol))
    for client in (alice_ws, bob_ws):
        assert client.subscribe("orders")["type"] == "subscribed"
        assert client.subscribe("balances")["type"] == "subscribed"

    bobs = bob_ws.request("order.place", **BUY, price="100.00")["body"]
    other = bob_ws.request("order.place", **BUY, price="90.00")["body"]
    sold = carol_ws.request("order.place", **{**BUY, "side": "sell"}, price="100.00")
    bob_ws.request("order.cancel", order_id=other["order_id"])
    alices = alice_ws.request("order.place", **BUY, price="80.00")

    assert (sold["status"], alices["status"]) == (201, 201)
    alices_id = alices["body"]["order_id"]
    alice_ws.next(lambda m: m.get("type") == "order" and m["order"]["order_id"] == alices_id)
    alice_ws.of_type("balance", asset="USDT")  # the hold for her order
    filled = bob_ws.next(lambda m: m.get("type") == "order" and m["order"]["status"] == "filled")
    bob_ws.next(lambda m: m.get("type") == "order" and m["order"]["status"] == "cancelled")
    # alice's events came after bob's and carol's: anything of theirs would be here by now
    alice_saw = [m for m in alice_ws.received if m["type"] in ("order", "balance", "trade")]
    assert {m["order"]["order_id"] for m in alice_saw if m["type"] == "order"} == {alices_id}
    assert {(m["type"], m.get("asset")) for m in alice_saw} == {
        ("order", None),
        ("balance", "USDT"),
    }
    bob_saw = [m for m in bob_ws.received if m["type"] == "order"]
    assert {m["order"]["order_id"] for m in bob_saw} == {bobs["order_id"], other["order_id"]}
    assert filled["order"] == {
        **filled["order"],
        "order_id": bobs["order_id"],
        "type": "limit",
        "time_in_force": "GTC",
        "created_at": bobs["created_at"],
        "filled_quantity": "0.010",
        "remaining_quantity": "0.000",
        "avg_price": "100.0000000000",
    }
    assert [(f["price"], f["quantity"], f["liquidity"]) for f in filled["order"]["fills"]] == [
        ("100.00", "0.010", "maker")
    ]
    assert {m["asset"] for m in bob_ws.received if m["type"] == "balance"} == {"USDT", "BTC"}


def test_the_private_channels_need_a_login(start_server, connect) -> None:
    server = start_server()
    anonymous = connect(server.ws_url, additional_headers={"Cookie": "sessionid=forged"})

    assert anonymous.subscribe("orders")["code"] == "unauthenticated"
    assert anonymous.subscribe("balances")["code"] == "unauthenticated"


def test_each_change_of_an_order_says_its_reason(start_server, traders, connect) -> None:
    """API.md: the private `orders` channel carries the reason of every change, as the
    order's history does."""
    server = start_server()
    bob = traders[1]
    ws = connect(server.ws_url)
    ws.auth(key_of(bob))
    assert ws.subscribe("orders")["type"] == "subscribed"

    def last_change(order_id: int, status: str) -> dict:
        return ws.next(
            lambda m: (
                m.get("type") == "order"
                and m["order"]["order_id"] == order_id
                and m["order"]["status"] == status
            )
        )["order"]

    cancelled = ws.request("order.place", **BUY, price="90.00")["body"]["order_id"]
    ws.request("order.cancel", order_id=cancelled)
    ioc = ws.request("order.place", **BUY, price="80.00", time_in_force="IOC")["body"]
    sell = {**BUY, "side": "sell"}
    resting = ws.request("order.place", **sell, price="95.00")["body"]["order_id"]
    ws.request("order.place", **BUY, price="95.00", stp_mode="cancel_resting")

    assert last_change(cancelled, "cancelled")["reason"] == "user"
    assert last_change(ioc["order_id"], "expired")["reason"] == "expired"
    assert last_change(resting, "cancelled")["reason"] == "stp"

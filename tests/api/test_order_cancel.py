"""Cancelling: one order (200, now cancelled), all of a user's open orders (waiting stops
included), and what happens with orders that are not one's own or not open."""

from __future__ import annotations

import pytest
from django.db.models import F

from exchange.models import MatcherState, Order
from matching.service import client
from tests.exchange.matcher_helpers import status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def persisted() -> None:
    last = status()["last_seq"]
    wait_for(lambda: MatcherState.objects.get(shard="").persisted_seq >= last, "persisted")


def test_a_cancelled_order_is_200_with_status_cancelled(matcher, maker_client) -> None:
    placed = maker_client.place(side="buy", price="99", quantity="1",
                                client_order_id="c1").json()  # fmt: skip

    response = maker_client.delete(f"/api/v1/orders/{placed['order_id']}")

    body = response.json()
    assert response.status_code == 200
    assert (body["order_id"], body["status"], body["client_order_id"]) == (
        placed["order_id"],
        "cancelled",
        "c1",
    )
    assert maker_client.get(f"/api/v1/orders/{placed['order_id']}").json()["status"] == "cancelled"


def test_a_partly_filled_order_keeps_its_fills_when_cancelled(matcher, maker_client, taker_client):
    placed = maker_client.place(side="sell", price="100", quantity="1").json()
    taker_client.place(side="buy", price="100", quantity="0.25")
    persisted()

    body = maker_client.delete(f"/api/v1/orders/{placed['order_id']}").json()

    assert (body["status"], body["filled_quantity"], body["remaining_quantity"]) == (
        "cancelled",
        "0.250",
        "0.750",
    )
    assert len(body["fills"]) == 1


def test_cancelling_another_users_order_is_404_and_leaves_it(matcher, maker_client, taker_client):
    placed = maker_client.place(side="buy", price="99", quantity="1").json()
    persisted()

    response = taker_client.delete(f"/api/v1/orders/{placed['order_id']}")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "order_not_found")
    assert maker_client.get(f"/api/v1/orders/{placed['order_id']}").json()["status"] == "new"


def test_cancelling_a_missing_order_is_404(matcher, maker_client) -> None:
    response = maker_client.delete("/api/v1/orders/424242")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "order_not_found")


def test_cancelling_a_filled_order_is_400_order_not_open(matcher, maker_client, taker_client):
    placed = maker_client.place(side="sell", price="100", quantity="1").json()
    taker_client.place(side="buy", price="100", quantity="1")
    persisted()

    response = maker_client.delete(f"/api/v1/orders/{placed['order_id']}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "order_not_open"
    assert response.json()["error"]["status"] == "filled"


def test_a_second_cancel_before_the_database_has_the_first_says_cancelled(
    matcher, maker_client
) -> None:
    """The recent-order cache is newer than the database's row: its status is the answer."""
    placed = maker_client.place(side="buy", price="99", quantity="1").json()
    assert maker_client.delete(f"/api/v1/orders/{placed['order_id']}").status_code == 200
    persisted()
    Order.objects.filter(pk=placed["order_id"]).update(status="new", last_seq=F("last_seq") - 1)

    again = maker_client.delete(f"/api/v1/orders/{placed['order_id']}")

    assert (again.status_code, again.json()["error"]["code"]) == (400, "order_not_open")
    assert again.json()["error"]["status"] == "cancelled"


def test_cancel_all_cancels_open_and_waiting_orders_of_the_user_only(
    matcher, maker_client, taker_client
) -> None:
    limit = maker_client.place(side="buy", price="99", quantity="1").json()["order_id"]
    stop = maker_client.place(type="stop_loss", side="sell", trigger_price="90",
                              quantity="1").json()["order_id"]  # fmt: skip
    other = taker_client.place(side="buy", price="98", quantity="1").json()["order_id"]

    response = maker_client.delete("/api/v1/orders?symbol=BTC-USDT")

    assert response.status_code == 200
    assert sorted(response.json()["cancelled"]) == sorted([limit, stop])
    assert taker_client.get(f"/api/v1/orders/{other}").json()["status"] == "new"
    assert maker_client.delete("/api/v1/orders").json() == {"cancelled": []}


def test_a_cancel_after_the_engine_s_due_work_filled_the_order_is_order_not_open(
    matcher, maker_client, taker_client, monkeypatch
) -> None:
    """The engine runs what is due (a reopening auction, a stop, an expiry) before each
    command, in the same reply: an order that work filled is not open, whatever event of it
    came first in the cancel's reply."""
    placed = maker_client.place(side="sell", price="100", quantity="1").json()
    buy = {"op": "new", "user": taker_client.user.pk, "symbol": "BTC-USDT", "side": "buy",
           "type": "limit", "price": "100", "quantity": "1"}  # fmt: skip
    events = client.call_sync(buy)["events"]
    filled = [e for e in events if e["kind"] == "order" and e["order_id"] == placed["order_id"]]
    assert filled[-1]["status"] == "filled"
    real = client.call

    async def due_work_first(command: dict, **kwargs) -> dict:
        reply = await real(command, **kwargs)
        if command.get("op") == "cancel":  # as if the fill had been due at this command
            reply = {**reply, "events": [*filled, *reply["events"]]}
        return reply

    monkeypatch.setattr(client, "call", due_work_first)

    response = maker_client.delete(f"/api/v1/orders/{placed['order_id']}")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "order_not_open"
    assert "filled" in response.json()["error"]["message"]


def test_cancel_all_lists_none_of_the_orders_the_engine_s_due_work_cancelled_for_others(
    matcher, maker_client, taker_client, monkeypatch
) -> None:
    """Another user's order that the engine's due work cancelled in the same reply (an
    expiry, an auction's self-trade prevention) is not among the caller's cancelled ones."""
    mine = maker_client.place(side="buy", price="99", quantity="1").json()["order_id"]
    theirs = taker_client.place(side="buy", price="98", quantity="1").json()["order_id"]
    cancel = {"op": "cancel", "id": theirs, "user": taker_client.user.pk}
    due = [e for e in client.call_sync(cancel)["events"] if e["kind"] == "order"]
    assert [(e["order_id"], e["status"]) for e in due] == [(theirs, "cancelled")]
    real = client.call

    async def due_work_first(command: dict, **kwargs) -> dict:
        reply = await real(command, **kwargs)
        if command.get("op") == "cancel_all":
            reply = {**reply, "events": [*due, *reply["events"]]}
        return reply

    monkeypatch.setattr(client, "call", due_work_first)

    response = maker_client.delete("/api/v1/orders?symbol=BTC-USDT")

    assert response.json() == {"cancelled": [mine]}

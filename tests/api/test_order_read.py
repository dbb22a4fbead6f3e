"""Reading one's own orders: one order with its fills, and the newest-first list with cursor
pages and filters. Another user's order is a 404 exactly like a missing one."""

from __future__ import annotations

import pytest

from exchange.models import MatcherState
from tests.exchange.matcher_helpers import status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def persisted() -> None:
    last = status()["last_seq"]
    wait_for(lambda: MatcherState.objects.get(shard="").persisted_seq >= last, "persisted")


def test_an_order_is_read_back_with_its_fills(matcher, maker_client, taker_client) -> None:
    sell = maker_client.place(side="sell", price="100", quantity="1").json()
    taker_client.place(side="buy", price="100", quantity="0.4")
    persisted()

    body = maker_client.get(f"/api/v1/orders/{sell['order_id']}").json()

    assert (body["status"], body["filled_quantity"], body["remaining_quantity"]) == (
        "partially_filled",
        "0.400",
        "0.600",
    )
    assert [(f["price"], f["quantity"], f["liquidity"], f["fee"]) for f in body["fills"]] == [
        ("100.00", "0.400", "maker", "0.04000000")
    ]
    assert body["avg_price"] == "100.0000000000"


def test_an_order_is_readable_right_after_it_is_placed(matcher, maker_client) -> None:
    placed = maker_client.place(side="buy", price="99", quantity="1").json()

    response = maker_client.get(f"/api/v1/orders/{placed['order_id']}")

    assert (response.status_code, response.json()["status"]) == (200, "new")


def test_another_users_order_is_a_404_like_a_missing_one(matcher, maker_client, taker_client):
    placed = maker_client.place(side="buy", price="99", quantity="1").json()
    persisted()

    theirs = taker_client.get(f"/api/v1/orders/{placed['order_id']}")
    missing = taker_client.get("/api/v1/orders/999999999")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert theirs.json()["error"]["code"] == "order_not_found"


def test_a_malformed_order_id_is_a_404(maker_client) -> None:
    response = maker_client.get("/api/v1/orders/abc")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "order_not_found")


def test_the_list_is_newest_first_and_paged_by_cursor(matcher, maker_client) -> None:
    ids = [
        maker_client.place(side="buy", price=str(90 + n), quantity="1").json()["order_id"]
        for n in range(5)
    ]
    persisted()

    first = maker_client.get("/api/v1/orders?limit=2").json()
    second = maker_client.get(f"/api/v1/orders?limit=2&cursor={first['next']}").json()
    third = maker_client.get(f"/api/v1/orders?limit=2&cursor={second['next']}").json()

    pages = [first, second, third]
    assert [order["order_id"] for page in pages for order in page["results"]] == ids[::-1]
    assert third["next"] is None


def test_the_list_filters_by_status_and_symbol(matcher, maker_client, taker_client) -> None:
    filled = maker_client.place(side="sell", price="100", quantity="1").json()["order_id"]
    resting = maker_client.place(side="sell", price="101", quantity="1").json()["order_id"]
    taker_client.place(side="buy", price="100", quantity="1", time_in_force="IOC")
    persisted()

    def ids(query: str) -> list[int]:
        response = maker_client.get(f"/api/v1/orders?{query}" if query else "/api/v1/orders")
        return [order["order_id"] for order in response.json()["results"]]

    assert ids("status=open") == [resting]
    assert ids("status=closed") == [filled]
    assert ids("status=all") == ids("") == [resting, filled]
    assert ids("symbol=btc-usdt&status=all") == [resting, filled]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=pending", "invalid_status"),
        ("limit=0", "invalid_limit"),
        ("limit=x", "invalid_limit"),
        ("cursor=%%%", "invalid_cursor"),
        ("symbol=NO-SUCH", "unknown_symbol"),
    ],
)
def test_bad_list_parameters_are_400_with_a_code(maker_client, market, query, code) -> None:
    response = maker_client.get(f"/api/v1/orders?{query}")

    assert (response.status_code, response.json()["error"]["code"]) == (400, code)

"""`GET /api/v1/orders?client_order_id=ID` finds the user's order placed with that id (a list
of one) or none (an empty list): how a client learns whether an order answered `503
matcher_unavailable` was placed (API.md, "Errors (added)")."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def listed(client, client_order_id: str) -> list[dict]:
    response = client.get(f"/api/v1/orders?client_order_id={client_order_id}")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_the_order_placed_with_the_id_is_found_and_no_other(
    matcher, maker_client, taker_client
) -> None:
    placed = maker_client.place(side="buy", price="100", quantity="1", client_order_id="look-1")
    assert placed.status_code == 201
    maker_client.place(side="buy", price="99", quantity="1", client_order_id="look-2")
    deadline = time.monotonic() + 10
    while not listed(maker_client, "look-1") and time.monotonic() < deadline:
        time.sleep(0.05)  # the persister writes it a moment after the answer

    found = listed(maker_client, "look-1")

    assert [order["order_id"] for order in found] == [placed.json()["order_id"]]
    assert found[0]["client_order_id"] == "look-1"
    assert listed(maker_client, "never-used") == []
    assert listed(taker_client, "look-1") == []  # another user's id finds nothing

"""A market buy by `quote_quantity` buys as much as that notional pays for (API.md)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_quote_quantity_buy_spends_at_most_its_notional(matcher, maker_client, taker_client):
    maker_client.place(side="sell", price="100", quantity="0.1")
    maker_client.place(side="sell", price="101", quantity="0.1")

    response = taker_client.place(type="market", side="buy", quote_quantity="15")

    body = response.json()
    assert response.status_code == 201
    # 0.1 at 100 (10.00), then 49 lots at 101 (4.949); 0.051 left cannot buy a lot at 101
    assert [(fill["price"], fill["quantity"]) for fill in body["fills"]] == [
        ("100.00", "0.100"),
        ("101.00", "0.049"),
    ]
    assert (body["status"], body["quantity"], body["filled_quantity"]) == (
        "filled",
        "0.149",
        "0.149",
    )
    assert (body["remaining_quantity"], body["quote_quantity"]) == ("0.000", "15")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"side": "sell"}, "invalid_combination"),
        ({"quantity": "1"}, "invalid_combination"),
        ({"quote_quantity": "0"}, "invalid_quote_quantity"),
        ({"quote_quantity": "1.123456789"}, "invalid_quote_quantity"),
    ],
)
def test_a_bad_quote_quantity_order_is_rejected(matcher, taker_client, fields, code) -> None:
    order = {"type": "market", "side": "buy", "quote_quantity": "15", **fields}

    response = taker_client.place(**order)

    assert (response.status_code, response.json()["error"]["code"]) == (400, code)


def test_a_quote_quantity_buy_on_an_empty_book_expires_and_is_stored(matcher, taker_client):
    from exchange.models import Order
    from tests.exchange.matcher_helpers import wait_for

    body = taker_client.place(type="market", side="buy", quote_quantity="15").json()

    assert (body["status"], body["quantity"], body["fills"]) == ("expired", "0.000", [])
    wait_for(lambda: Order.objects.filter(pk=body["order_id"]).exists(), "the order is stored")
    assert Order.objects.get(pk=body["order_id"]).quote_quantity == 15

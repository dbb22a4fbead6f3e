"""A user at the market's `max_open_orders` (API.md, "Market safety"; default 200) is refused
`too_many_orders` for an order that could rest or wait, and nothing is placed or held; an
order that trades at once is still taken, and a cancel makes room."""

from __future__ import annotations

import pytest

from exchange.models import Market, Order


@pytest.fixture
def limited(transactional_db, market, request):
    Market.objects.filter(pk=market.pk).update(max_open_orders=2)
    return request.getfixturevalue("matcher")


def test_the_default_is_200() -> None:
    assert Market._meta.get_field("max_open_orders").default == 200


def test_a_user_at_the_limit_is_refused_and_a_cancel_makes_room(
    limited, maker_client, taker_client
) -> None:
    first = maker_client.place(side="buy", price="90", quantity="1").json()
    maker_client.place(side="buy", price="91", quantity="1")
    refused = maker_client.place(side="buy", price="92", quantity="1", client_order_id="third")
    stop = maker_client.place(
        side="sell", type="stop_limit", price="80", trigger_price="85", quantity="1"
    )
    taker_client.place(side="sell", price="100", quantity="5")
    taken = maker_client.place(side="buy", type="market", quantity="1")
    cancelled = maker_client.delete(f"/api/v1/orders/{first['order_id']}")
    again = maker_client.place(side="buy", price="92", quantity="1")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "too_many_orders"
    assert not Order.objects.filter(client_order_id="third").exists()
    assert stop.json()["error"]["code"] == "too_many_orders"
    assert taken.status_code == 201 and taken.json()["status"] == "filled"
    assert cancelled.status_code == 200
    assert again.status_code == 201

"""A market's price band (API.md, "Market safety"): a limit price or a stop's trigger further
than `price_band_pct` from the last trade is refused `price_out_of_band` naming the field;
a market order stops at the band's edge. Set in the admin's model; off by default."""

from __future__ import annotations

import pytest

from exchange.models import Market


@pytest.fixture
def banded(transactional_db, market, request):
    Market.objects.filter(pk=market.pk).update(price_band_pct="10")
    return request.getfixturevalue("matcher")


def test_the_band_is_off_by_default() -> None:
    assert Market._meta.get_field("price_band_pct").default == 0


def test_prices_past_the_band_are_refused_with_their_field(
    banded, maker_client, taker_client
) -> None:
    maker_client.place(side="sell", price="100", quantity="1")
    taker_client.place(side="buy", price="100", quantity="1")

    far = maker_client.place(side="sell", price="110.01", quantity="1")
    edge = maker_client.place(side="sell", price="110", quantity="1")
    stop = maker_client.place(
        side="sell", type="stop_limit", price="95", trigger_price="89.99", quantity="1"
    )
    bought = taker_client.place(side="buy", type="market", quantity="2").json()

    assert far.status_code == 400
    assert far.json()["error"] | {"message": None} == {
        "code": "price_out_of_band", "field": "price", "message": None
    }  # fmt: skip
    assert edge.status_code == 201
    assert (stop.json()["error"]["code"], stop.json()["error"]["field"]) == (
        "price_out_of_band", "trigger_price"
    )  # fmt: skip
    assert (bought["status"], bought["filled_quantity"]) == ("expired", "1.000")

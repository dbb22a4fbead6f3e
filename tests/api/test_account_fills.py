"""GET /api/v1/account/trades: the user's own fills, with fee, fee asset and liquidity."""

from __future__ import annotations

import pytest

from exchange.models import MatcherState
from tests.exchange.matcher_helpers import status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def persisted() -> None:
    last = status()["last_seq"]
    wait_for(lambda: MatcherState.objects.get(shard="").persisted_seq >= last, "persisted")


def test_each_side_sees_its_own_fill(matcher, maker_client, taker_client) -> None:
    sell = maker_client.place(side="sell", price="100", quantity="0.5").json()
    buy = taker_client.place(side="buy", price="100", quantity="0.5").json()
    persisted()

    maker_fills = maker_client.get("/api/v1/account/trades").json()["results"]
    taker_fills = taker_client.get("/api/v1/account/trades?symbol=btc-usdt").json()["results"]

    def summary(fills: list[dict]) -> list[tuple]:
        return [(f["order_id"], f["side"], f["liquidity"], f["fee"], f["fee_asset"]) for f in fills]

    assert summary(maker_fills) == [(sell["order_id"], "sell", "maker", "0.05000000", "USDT")]
    assert summary(taker_fills) == [(buy["order_id"], "buy", "taker", "0.10000000", "USDT")]
    assert maker_fills[0]["trade_id"] == taker_fills[0]["trade_id"]
    assert (maker_fills[0]["price"], maker_fills[0]["quantity"]) == ("100.00", "0.500")


def test_fills_are_paged_newest_first(matcher, maker_client, taker_client) -> None:
    for price in ("100", "101", "102"):
        maker_client.place(side="sell", price=price, quantity="0.1")
        taker_client.place(side="buy", price=price, quantity="0.1")
    persisted()

    first = taker_client.get("/api/v1/account/trades?limit=2").json()
    rest = taker_client.get(f"/api/v1/account/trades?limit=2&cursor={first['next']}").json()

    prices = [fill["price"] for fill in first["results"] + rest["results"]]
    assert prices == ["102.00", "101.00", "100.00"]
    assert rest["next"] is None


def test_an_unknown_symbol_filter_is_400(maker_client, market) -> None:
    response = maker_client.get("/api/v1/account/trades?symbol=NOPE-USDT")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "unknown_symbol")


def test_fills_need_credentials(client) -> None:
    assert client.get("/api/v1/account/trades").status_code == 401

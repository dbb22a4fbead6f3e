"""GET /api/v1/trades/{symbol}: the market's public trades, newest first, paged by cursor.

`record_trade` writes trade rows as the persister does; the candle and ticker tests use it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from exchange.models import Market, Order, Trade

pytestmark = pytest.mark.django_db


def record_trade(
    market: Market,
    price: str,
    quantity: str,
    at: datetime | None = None,
    taker_side: str = "buy",
) -> Trade:
    """A trade between two resting test users' orders, with the next trade id."""
    users = get_user_model().objects
    maker = users.get_or_create(username="tape-maker")[0]
    taker = users.get_or_create(username="tape-taker")[0]
    at = at or timezone.now()
    price_, quantity_ = Decimal(price), Decimal(quantity)
    filled = {"status": "filled", "quantity": quantity_, "filled_quantity": quantity_}
    limit = {"type": "limit", "time_in_force": "GTC", "stp_mode": "none", "price": price_}
    orders = []
    for user, side in ((maker, "sell" if taker_side == "buy" else "buy"), (taker, taker_side)):
        order_id = (Order.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        times = {"created_at": at, "updated_at": at, "last_seq": order_id}
        orders.append(
            Order.objects.create(
                id=order_id, user=user, market=market, side=side, **limit, **filled, **times
            )
        )
    trade_id = (Trade.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    return Trade.objects.create(
        id=trade_id,
        seq=trade_id,
        market=market,
        price=price_,
        quantity=quantity_,
        taker_side=taker_side,
        maker_order=orders[0],
        taker_order=orders[1],
        maker_user=maker,
        taker_user=taker,
        maker_fee=0,
        taker_fee=0,
        fee_asset=market.quote,
        executed_at=at,
    )


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def test_it_lists_trades_newest_first_with_the_market_decimals(
    client: Client, market: Market
) -> None:
    first = record_trade(
        market, "2000.5", "1.25", datetime(2026, 11, 22, 10, 30, 0, 123456, UTC), "sell"
    )
    second = record_trade(market, "2001", "0.001", datetime(2026, 11, 22, 10, 31, tzinfo=UTC))

    response = client.get("/api/v1/trades/ETH-EUR")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "trade_id": second.id,
                "price": "2001.00",
                "quantity": "0.001",
                "taker_side": "buy",
                "time": "2026-11-22T10:31:00.000000Z",
            },
            {
                "trade_id": first.id,
                "price": "2000.50",
                "quantity": "1.250",
                "taker_side": "sell",
                "time": "2026-11-22T10:30:00.123456Z",
            },
        ],
        "next": None,
    }


def test_times_are_written_in_utc_whatever_the_stored_zone(client: Client, market: Market) -> None:
    paris = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    record_trade(market, "1", "1", paris)

    (trade,) = client.get("/api/v1/trades/eth-eur").json()["results"]

    assert trade["time"] == "2026-06-01T12:00:00.000000Z"


def test_only_the_markets_own_trades_are_listed(client: Client, market: Market) -> None:
    other = Market.objects.create(base="BTC", quote="EUR", tick_size="1", lot_size="0.1")
    record_trade(other, "60000", "0.1")
    mine = record_trade(market, "2000", "1")

    results = client.get("/api/v1/trades/ETH-EUR").json()["results"]

    assert [trade["trade_id"] for trade in results] == [mine.id]


def test_the_limit_defaults_to_100_and_next_pages_to_older_trades(
    client: Client, market: Market
) -> None:
    start = timezone.now() - timedelta(minutes=5)
    ids = [record_trade(market, "10", "1", start + timedelta(seconds=n)).id for n in range(105)]

    page = client.get("/api/v1/trades/ETH-EUR").json()
    rest = client.get(f"/api/v1/trades/ETH-EUR?cursor={page['next']}").json()

    assert [trade["trade_id"] for trade in page["results"]] == ids[::-1][:100]
    assert [trade["trade_id"] for trade in rest["results"]] == ids[::-1][100:]
    assert rest["next"] is None


def test_limit_sets_the_page_size(client: Client, market: Market) -> None:
    ids = [record_trade(market, "10", "1").id for _ in range(3)]

    page = client.get("/api/v1/trades/ETH-EUR?limit=2").json()

    assert [trade["trade_id"] for trade in page["results"]] == [ids[2], ids[1]]
    assert page["next"] == str(ids[1])


def test_a_market_without_trades_has_an_empty_list(client: Client, market: Market) -> None:
    assert client.get("/api/v1/trades/ETH-EUR").json() == {"results": [], "next": None}


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "many", "", "10.0"])
def test_a_limit_outside_1_to_1000_is_invalid_limit(client: Client, market: Market, limit) -> None:
    response = client.get("/api/v1/trades/ETH-EUR", {"limit": limit})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_limit"
    assert response.json()["error"]["field"] == "limit"


@pytest.mark.parametrize("cursor", ["abc", "-1", "", "1" * 19])
def test_a_malformed_cursor_is_invalid_cursor(client: Client, market: Market, cursor) -> None:
    response = client.get("/api/v1/trades/ETH-EUR", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    assert response.json()["error"]["field"] == "cursor"


def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market) -> None:
    response = client.get("/api/v1/trades/ETH-USDC")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_symbol"

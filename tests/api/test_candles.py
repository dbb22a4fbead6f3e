"""GET /api/v1/candles/{symbol}: OHLCV from the trade table, bucketed by UTC interval.

Bucketing runs in SQL; these tests run it on the test database (PostgreSQL in CI; the same
module passes on SQLite, the embedded default).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exchange.models import Market
from tests.api.test_trades_public import record_trade

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # a whole day, hour and minute
T0_MS = int(T0.timestamp() * 1000)
MINUTE_MS, HOUR_MS = 60_000, 3_600_000


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def candles(client: Client, **query) -> list[list]:
    response = client.get("/api/v1/candles/ETH-EUR", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_candle_is_open_high_low_close_volume_of_its_trades(
    client: Client, market: Market
) -> None:
    for price, quantity, second in (("100", "1", 1), ("105.5", "0.5", 20), ("99", "2", 30),
                                    ("101", "0.25", 59)):  # fmt: skip
        record_trade(market, price, quantity, T0 + timedelta(seconds=second))

    response = client.get("/api/v1/candles/ETH-EUR", {"start": T0_MS, "end": T0_MS})

    assert response.json() == {
        "symbol": "ETH-EUR",
        "interval": "1m",
        "results": [[T0_MS, "100.00", "105.50", "99.00", "101.00", "3.750"]],
        "next": None,
    }


def test_a_trade_on_a_boundary_opens_the_next_candle(client: Client, market: Market) -> None:
    record_trade(market, "100", "1", T0 + timedelta(seconds=59, microseconds=999999))
    record_trade(market, "200", "1", T0 + timedelta(minutes=1))

    found = candles(client, start=T0_MS, end=T0_MS + MINUTE_MS)

    assert found == [
        [T0_MS, "100.00", "100.00", "100.00", "100.00", "1.000"],
        [T0_MS + MINUTE_MS, "200.00", "200.00", "200.00", "200.00", "1.000"],
    ]


def test_intervals_without_trades_have_no_candle(client: Client, market: Market) -> None:
    record_trade(market, "1", "1", T0)
    record_trade(market, "2", "1", T0 + timedelta(minutes=7))

    found = candles(client, start=T0_MS, end=T0_MS + HOUR_MS)

    assert [candle[0] for candle in found] == [T0_MS, T0_MS + 7 * MINUTE_MS]


@pytest.mark.parametrize(
    ("interval", "open_ms"),
    [
        ("5m", T0_MS + 5 * MINUTE_MS),
        ("1h", T0_MS),
        ("1d", T0_MS - 10 * HOUR_MS),  # 00:00 UTC
    ],
)
def test_longer_intervals_align_on_utc(client: Client, market: Market, interval, open_ms) -> None:
    record_trade(market, "10", "1", T0 + timedelta(minutes=7))
    record_trade(market, "12", "2", T0 + timedelta(minutes=9, seconds=59))

    found = candles(client, interval=interval, start=T0_MS - 86_400_000, end=T0_MS + HOUR_MS)

    assert found == [[open_ms, "10.00", "12.00", "10.00", "12.00", "3.000"]]


def test_start_and_end_take_the_candles_that_hold_them(client: Client, market: Market) -> None:
    for minute in range(5):
        record_trade(market, str(10 + minute), "1", T0 + timedelta(minutes=minute, seconds=30))

    found = candles(client, start=T0_MS + MINUTE_MS + 45_000, end=T0_MS + 3 * MINUTE_MS + 1)

    assert [candle[0] for candle in found] == [T0_MS + n * MINUTE_MS for n in (1, 2, 3)]


def test_candles_come_oldest_first_at_most_limit_from_start(client: Client, market: Market) -> None:
    for minute in range(5):
        record_trade(market, "10", "1", T0 + timedelta(minutes=minute))

    found = candles(client, start=T0_MS, limit=2)

    assert [candle[0] for candle in found] == [T0_MS, T0_MS + MINUTE_MS]


def test_without_start_the_latest_intervals_up_to_end_are_given(
    client: Client, market: Market
) -> None:
    for minute in range(5):
        record_trade(market, "10", "1", T0 + timedelta(minutes=minute))

    found = candles(client, end=T0_MS + 3 * MINUTE_MS, limit=2)

    assert [candle[0] for candle in found] == [T0_MS + 2 * MINUTE_MS, T0_MS + 3 * MINUTE_MS]


def test_by_default_the_current_candle_shows_a_trade_just_made(
    client: Client, market: Market
) -> None:
    now = timezone.now()
    record_trade(market, "50", "0.5", now)

    found = candles(client)

    minute = int(now.timestamp()) // 60 * 60_000
    assert found == [[minute, "50.00", "50.00", "50.00", "50.00", "0.500"]]


def test_a_start_after_end_is_an_empty_range(client: Client, market: Market) -> None:
    record_trade(market, "10", "1", T0)

    assert candles(client, start=T0_MS + HOUR_MS, end=T0_MS) == []


def test_the_far_ends_of_the_time_range_are_answered(client: Client, market: Market) -> None:
    assert candles(client, start=0, end=0) == []
    assert candles(client, interval="1d", start=253402300799999) == []


@pytest.mark.parametrize("interval", ["2m", "1M", "", "1D", "60"])
def test_an_unknown_interval_is_invalid_interval(client: Client, market: Market, interval) -> None:
    response = client.get("/api/v1/candles/ETH-EUR", {"interval": interval})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_interval"
    assert response.json()["error"]["field"] == "interval"


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5", "", "253402300800000"])
def test_a_bad_start_or_end_is_invalid_field(client: Client, market: Market, field, value) -> None:
    response = client.get("/api/v1/candles/ETH-EUR", {field: value})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_limit_outside_1_to_1000_is_invalid_limit(client: Client, market: Market, limit) -> None:
    response = client.get("/api/v1/candles/ETH-EUR", {"limit": limit})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_limit"


def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market) -> None:
    response = client.get("/api/v1/candles/ETH-GBP?interval=nope")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_symbol"

"""GET /api/v1/ticker/{symbol}: the last 24 hours of trades, rolling, and the book's top."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from exchange.models import Market
from exchange.selectors import market_data
from exchange.services import ticker
from matching.service.protocol import book_cache_key
from tests.api.test_trades_public import record_trade

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_book_writer")]


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


def test_it_sums_up_the_last_24_hours(client: Client, market: Market) -> None:
    record_trade(market, "90", "5", ago(hours=25))  # outside the window
    record_trade(market, "100", "1", ago(hours=23))
    record_trade(market, "120", "0.5", ago(hours=2))
    record_trade(market, "95.5", "2", ago(minutes=30))
    record_trade(market, "110", "0.25", ago(minutes=1))

    response = client.get("/api/v1/ticker/ETH-EUR")

    assert response.status_code == 200
    assert response.json() == {
        "symbol": "ETH-EUR",
        "last": "110.00",
        "open": "100.00",
        "high": "120.00",
        "low": "95.50",
        "volume": "3.750",
        "quote_volume": "378.50000",  # 100 + 60 + 191 + 27.5
        "change_pct": "10.00",
        "count": 4,
        "bid": None,
        "ask": None,
    }


@pytest.mark.parametrize(
    ("open_", "last", "change"),
    [("3", "3.1", "3.33"), ("3", "2.9", "-3.33"), ("8", "8.001", "0.01"), ("8", "7.9996", "-0.01"),
     ("100", "100", "0.00"), ("0.03", "0.06", "100.00")],
)  # fmt: skip
def test_change_pct_is_rounded_half_up_to_two_places(client: Client, open_, last, change) -> None:
    market = Market.objects.create(base="ETH", quote="EUR", tick_size="0.0001", lot_size="1")
    record_trade(market, open_, "1", ago(hours=3))
    record_trade(market, last, "1", ago(hours=1))

    assert client.get("/api/v1/ticker/ETH-EUR").json()["change_pct"] == change


def test_with_no_trade_in_24_hours_prices_are_null_and_volumes_zero(
    client: Client, market: Market
) -> None:
    record_trade(market, "90", "5", ago(hours=24, seconds=1))

    body = client.get("/api/v1/ticker/eth-eur").json()

    assert body["symbol"] == "ETH-EUR"
    for field in ("last", "open", "high", "low", "change_pct"):
        assert body[field] is None, field
    assert body["volume"] == "0.000"
    assert body["quote_volume"] == "0.00000"
    assert body["count"] == 0


def test_bid_and_ask_come_from_the_cached_book(client: Client, market: Market) -> None:
    book = {"symbol": "ETH-EUR", "seq": 3, "ts": 1,
            "bids": [["99.50", "1.000", 1]], "asks": [["100.50", "2.000", 3]]}  # fmt: skip
    cache.set(book_cache_key("ETH-EUR"), book, None)

    body = client.get("/api/v1/ticker/ETH-EUR").json()

    assert body["bid"] == "99.50"
    assert body["ask"] == "100.50"


def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market) -> None:
    response = client.get("/api/v1/ticker/XXX-EUR")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_symbol"


def cache_book(seq: int, ask: str) -> None:
    book = {"symbol": "ETH-EUR", "seq": seq, "ts": 1, "bids": [], "asks": [[ask, "1.000", 1]]}
    cache.set(book_cache_key("ETH-EUR"), book, None)


def test_the_best_prices_are_of_a_book_at_least_as_new_as_the_last_trade(
    client: Client, market: Market, settings
) -> None:
    settings.EXCHANGE_TICKER_BOOK_WAIT_SECONDS = 30.0
    trade = record_trade(market, "100", "1")
    cache_book(trade.seq - 1, "100.00")  # the book the trade took the ask of
    read = threading.Timer(0.2, cache_book, (trade.seq, "101.00"))  # the matcher's refresh
    read.start()

    body = client.get("/api/v1/ticker/ETH-EUR").json()

    read.join()
    assert (body["last"], body["ask"]) == ("100.00", "101.00")


def test_a_trade_committed_while_the_ticker_reads_is_shown_with_a_book_that_has_it(
    client: Client, market: Market, monkeypatch, settings
) -> None:
    """The ticker reads the latest trade, then the window: a trade committed in between is
    in the window, and the book must be at least as new as that trade, not the one before."""
    settings.EXCHANGE_TICKER_BOOK_WAIT_SECONDS = 30.0
    window = ticker.ticker_window

    def a_trade_comes_first(**kwargs):
        trade = record_trade(market, "100", "1")  # the persister commits it now
        cache_book(trade.seq - 1, "100.00")  # the book the trade took the ask of
        threading.Timer(0.2, cache_book, (trade.seq, "101.00")).start()  # the refresh
        return window(**kwargs)

    monkeypatch.setattr(ticker, "ticker_window", a_trade_comes_first)

    body = client.get("/api/v1/ticker/ETH-EUR").json()

    assert (body["last"], body["ask"]) == ("100.00", "101.00")


def test_a_book_that_does_not_come_is_waited_for_once_per_trade(
    client: Client, market: Market, monkeypatch
) -> None:
    reads = []
    cached = market_data._cached_book
    monkeypatch.setattr(market_data, "_cached_book", lambda m: reads.append(1) or cached(m))
    trade = record_trade(market, "100", "1")
    cache_book(trade.seq - 1, "100.00")  # the matcher is away: no newer book comes

    first = client.get("/api/v1/ticker/ETH-EUR").json()
    polled, reads[:] = len(reads), []
    second = client.get("/api/v1/ticker/ETH-EUR").json()

    assert first["ask"] == second["ask"] == "100.00"  # the book there is
    assert polled > 1  # the first ticker waited
    assert len(reads) == 1  # the second did not wait for the same trade again

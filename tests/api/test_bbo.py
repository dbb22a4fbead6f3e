"""GET /api/v1/bbo/{symbol}: the best bid and ask of the cached book, the spread, the mid."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from exchange.models import Market
from matching.service.protocol import book_cache_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def cache_book(bids: list, asks: list, seq: int = 9) -> None:
    book = {"symbol": "ETH-EUR", "seq": seq, "bids": bids, "asks": asks, "ts": 1}
    cache.set(book_cache_key("ETH-EUR"), book, None)


def test_it_answers_the_best_levels_spread_and_exact_mid(client: Client, market: Market) -> None:
    cache_book([["100.00", "1.000", 2], ["99.99", "5.000", 1]], [["100.01", "0.500", 1]])

    response = client.get("/api/v1/bbo/ETH-EUR")

    assert response.status_code == 200
    assert response.json() == {
        "symbol": "ETH-EUR",
        "seq": 9,
        "bid": ["100.00", "1.000"],
        "ask": ["100.01", "0.500"],
        "spread": "0.01",
        "mid": "100.005",
    }


def test_a_mid_on_the_tick_grid_keeps_the_tick_decimals(client: Client, market: Market) -> None:
    cache_book([["100.00", "1.000", 1]], [["100.02", "1.000", 1]])

    body = client.get("/api/v1/bbo/ETH-EUR").json()

    assert body["mid"] == "100.01"
    assert body["spread"] == "0.02"


def test_an_empty_side_is_null_and_so_are_spread_and_mid(client: Client, market: Market) -> None:
    cache_book([["100.00", "1.000", 1]], [])

    body = client.get("/api/v1/bbo/ETH-EUR").json()

    assert body["bid"] == ["100.00", "1.000"]
    assert body["ask"] is None
    assert body["spread"] is None and body["mid"] is None


def test_a_market_without_a_published_book_has_neither_side(client: Client, market: Market) -> None:
    body = client.get("/api/v1/bbo/eth-eur").json()

    assert body == {
        "symbol": "ETH-EUR", "seq": 0, "bid": None, "ask": None, "spread": None, "mid": None,
    }  # fmt: skip


def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market) -> None:
    response = client.get("/api/v1/bbo/ETH-USD")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_symbol"

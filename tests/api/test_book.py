"""GET /api/v1/book/{symbol}: the L2 book the matcher keeps in the cache, cut to `depth`."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from exchange.models import Market
from matching.service.protocol import book_cache_key, now_ms

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def cached_book(levels: int = 3, seq: int = 42, ts: int = 1_790_000_000_000) -> dict:
    book = {
        "symbol": "ETH-EUR",
        "seq": seq,
        "bids": [[f"{1000 - n}.00", "1.500", n + 1] for n in range(levels)],
        "asks": [[f"{1001 + n}.00", "0.250", 1] for n in range(levels)],
        "ts": ts,
    }
    cache.set(book_cache_key("ETH-EUR"), book, None)
    return book


def test_it_answers_the_cached_book(client: Client, market: Market) -> None:
    book = cached_book()

    response = client.get("/api/v1/book/ETH-EUR")

    assert response.status_code == 200
    assert response.json() == book


def test_depth_defaults_to_50_levels_a_side(client: Client, market: Market) -> None:
    cached_book(levels=120)

    body = client.get("/api/v1/book/ETH-EUR").json()

    assert len(body["bids"]) == len(body["asks"]) == 50
    assert body["bids"][0] == ["1000.00", "1.500", 1]
    assert body["asks"][0] == ["1001.00", "0.250", 1]


@pytest.mark.parametrize("depth", [1, 7, 500])
def test_depth_cuts_each_side_to_the_best_levels(client: Client, market: Market, depth) -> None:
    book = cached_book(levels=120)

    body = client.get(f"/api/v1/book/ETH-EUR?depth={depth}").json()

    assert body["bids"] == book["bids"][:depth]
    assert body["asks"] == book["asks"][:depth]


@pytest.mark.parametrize("depth", ["0", "501", "-1", "abc", "1.5", "", "1e2", " 5", "9" * 40])
def test_a_depth_outside_1_to_500_is_invalid_depth(client: Client, market: Market, depth) -> None:
    cached_book()

    response = client.get("/api/v1/book/ETH-EUR", {"depth": depth})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_depth"
    assert response.json()["error"]["field"] == "depth"


def test_a_market_without_a_published_book_is_empty_at_seq_0(
    client: Client, market: Market
) -> None:
    before = now_ms()

    body = client.get("/api/v1/book/ETH-EUR").json()

    assert body["symbol"] == "ETH-EUR"
    assert body["seq"] == 0
    assert body["bids"] == [] and body["asks"] == []
    assert before <= body["ts"] <= now_ms()


def test_the_symbol_is_case_insensitive_and_answered_canonical(
    client: Client, market: Market
) -> None:
    cached_book()

    response = client.get("/api/v1/book/eth-Eur")

    assert response.status_code == 200
    assert response.json()["symbol"] == "ETH-EUR"


@pytest.mark.parametrize("symbol", ["BTC-USDT", "ETHEUR", "ETH-EUR-X", "%00", "ETH%00-EUR", "é-€"])
def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market, symbol) -> None:
    response = client.get(f"/api/v1/book/{symbol}")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "unknown_symbol", "message": response.json()["error"]["message"],
                  "field": "symbol"},
    }  # fmt: skip


def test_the_symbol_is_checked_before_the_depth(client: Client, market: Market) -> None:
    response = client.get("/api/v1/book/NOPE-EUR?depth=0")

    assert response.status_code == 404

"""GET /api/v1/book/{symbol}/imbalance: how the top levels of the book lean.

imbalance = (bid − ask) / (bid + ask) over the volumes of the top `levels` levels a side;
weighted_imbalance weights each level by 1 / (1 + its distance from the mid in ticks).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from exchange.models import Market
from matching.service.protocol import book_cache_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.5", lot_size="0.1")


def cache_book(bids: list, asks: list) -> None:
    book = {"symbol": "ETH-EUR", "seq": 5, "bids": bids, "asks": asks, "ts": 1}
    cache.set(book_cache_key("ETH-EUR"), book, None)


def test_it_sums_the_top_levels_and_compares_the_sides(client: Client, market: Market) -> None:
    cache_book([["100.0", "3.0", 1], ["99.5", "3.0", 2]], [["100.5", "2.0", 1]])

    response = client.get("/api/v1/book/ETH-EUR/imbalance")

    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "ETH-EUR" and body["seq"] == 5 and body["levels"] == 10
    assert body["bid_volume"] == "6.0"
    assert body["ask_volume"] == "2.0"
    assert body["ratio"] == "3.00000000"
    assert body["imbalance"] == "0.50000000"  # (6 - 2) / (6 + 2)


def test_the_weighted_imbalance_favours_levels_near_the_mid(client: Client, market: Market) -> None:
    # mid 100.25; the best bid and ask are half a tick from it, 99.5 is 1.5 ticks away
    cache_book([["100.0", "3.0", 1], ["99.5", "3.0", 2]], [["100.5", "2.0", 1]])

    body = client.get("/api/v1/book/ETH-EUR/imbalance").json()

    bid = Decimal(3) / Decimal("1.5") + Decimal(3) / Decimal("2.5")
    ask = Decimal(2) / Decimal("1.5")
    expected = ((bid - ask) / (bid + ask)).quantize(Decimal("1E-8"))
    assert body["weighted_imbalance"] == str(expected)
    assert Decimal(body["weighted_imbalance"]) < Decimal(body["imbalance"])


def test_levels_limits_how_deep_it_looks(client: Client, market: Market) -> None:
    cache_book([["100.0", "1.0", 1], ["99.5", "9.0", 1]], [["100.5", "1.0", 1]])

    body = client.get("/api/v1/book/ETH-EUR/imbalance?levels=1").json()

    assert body["levels"] == 1
    assert body["bid_volume"] == "1.0"
    assert body["imbalance"] == "0.00000000"
    assert body["weighted_imbalance"] == "0.00000000"


def test_an_empty_ask_side_gives_no_ratio_and_full_imbalance(
    client: Client, market: Market
) -> None:
    cache_book([["100.0", "1.0", 1], ["99.0", "2.0", 1]], [])

    body = client.get("/api/v1/book/ETH-EUR/imbalance").json()

    assert body["ask_volume"] == "0.0"
    assert body["ratio"] is None
    assert body["imbalance"] == "1.00000000"
    assert body["weighted_imbalance"] == "1.00000000"


def test_an_empty_book_leaves_every_figure_undefined(client: Client, market: Market) -> None:
    body = client.get("/api/v1/book/ETH-EUR/imbalance").json()

    assert body["seq"] == 0
    assert body["bid_volume"] == body["ask_volume"] == "0.0"
    assert body["ratio"] is None
    assert body["imbalance"] is None
    assert body["weighted_imbalance"] is None


@pytest.mark.parametrize("levels", ["0", "501", "ten", "2.0", ""])
def test_levels_outside_1_to_500_are_invalid_levels(client: Client, market: Market, levels) -> None:
    response = client.get("/api/v1/book/ETH-EUR/imbalance", {"levels": levels})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_levels",
        "message": "levels must be an integer from 1 to 500.",
        "field": "levels",
    }


def test_an_unknown_symbol_is_404_unknown_symbol(client: Client, market: Market) -> None:
    response = client.get("/api/v1/book/NOPE-EUR/imbalance")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_symbol"

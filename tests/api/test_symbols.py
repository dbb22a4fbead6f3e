"""GET /api/v1/symbols: every market with its trading rules, as plain decimal strings."""

from __future__ import annotations

import pytest
from django.test import Client

from exchange.models import Market

pytestmark = pytest.mark.django_db


def test_it_lists_every_market_with_its_rules(client: Client) -> None:
    Market.objects.create(
        base="BTC", quote="USDT", tick_size="0.01", lot_size="0.00001", min_qty="0.0001",
        min_notional="5", quote_precision=8,
    )  # fmt: skip

    response = client.get("/api/v1/symbols")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "symbol": "BTC-USDT",
                "base": "BTC",
                "quote": "USDT",
                "tick_size": "0.01",
                "lot_size": "0.00001",
                "min_qty": "0.0001",
                "min_notional": "5",
                "quote_precision": 8,
                "base_precision": 5,
                "status": "trading",
                "status_reason": None,
                "resumes_at": None,
                "max_open_orders": 200,
                "price_band_pct": "0",
                "breaker_move_pct": "0",
                "breaker_window_s": 300,
                "breaker_pause_s": 300,
                "breaker_auction_s": 0,
            }
        ],
        "next": None,
    }


def test_min_qty_defaults_to_one_lot(client: Client) -> None:
    Market.objects.create(base="ETH", quote="EUR", tick_size="0.5", lot_size="0.010")

    (market,) = client.get("/api/v1/symbols").json()["results"]

    assert market["min_qty"] == "0.01"
    assert market["lot_size"] == "0.01"
    assert market["base_precision"] == 2
    assert market["min_notional"] == "0"


def test_whole_number_steps_have_no_decimals(client: Client) -> None:
    Market.objects.create(base="DOGE", quote="USDT", tick_size="0.00001", lot_size="10")

    (market,) = client.get("/api/v1/symbols").json()["results"]

    assert market["lot_size"] == "10"
    assert market["base_precision"] == 0
    assert market["tick_size"] == "0.00001"


def test_halted_markets_are_listed_as_halted_in_symbol_order(client: Client) -> None:
    Market.objects.create(base="XRP", quote="USDT", tick_size="0.0001", lot_size="1")
    Market.objects.create(
        base="ADA", quote="USDT", tick_size="0.0001", lot_size="1", status=Market.Status.HALTED
    )

    results = client.get("/api/v1/symbols").json()["results"]

    assert [(m["symbol"], m["status"]) for m in results] == [
        ("ADA-USDT", "halted"),
        ("XRP-USDT", "trading"),
    ]


def test_no_markets_is_an_empty_list(client: Client) -> None:
    assert client.get("/api/v1/symbols").json() == {"results": [], "next": None}


def test_it_needs_no_credentials_and_answers_json(client: Client) -> None:
    response = client.get("/api/v1/symbols")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"

"""A market's circuit breaker over REST (API.md, "Market safety"): a trade that would move the
price further than `breaker_move_pct` from the window's start does not happen, the taker's
rest is cancelled (reason `circuit_breaker`) and the market pauses: orders and amends are
refused `symbol_paused` (field `symbol`), cancels are taken, `/symbols` shows the pause.
In the pause's last `breaker_auction_s` seconds limit orders rest unmatched; at its end the
book uncrosses in one call auction and trading resumes."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from exchange.models import Market, OrderEvent
from matching.service import client
from tests.exchange.matcher_helpers import wait_for

PAUSE_S, AUCTION_S = 3, 1


@pytest.fixture
def breaker(transactional_db, market, request):
    """The matcher, on a market whose breaker trips at a 10 % move."""
    Market.objects.filter(pk=market.pk).update(
        breaker_move_pct="10", breaker_window_s=60, breaker_pause_s=PAUSE_S,
        breaker_auction_s=AUCTION_S,
    )  # fmt: skip
    return request.getfixturevalue("matcher")


def path(order_id) -> str:
    return f"/api/v1/orders/{order_id}"


def symbol_row(anyone) -> dict:
    (row,) = anyone.get("/api/v1/symbols").json()["results"]
    return row


def trip(maker, taker) -> dict:
    """Trades at 100, then a buy for 2 that fills 1 at 105 and meets 120 (past 110): the
    taker's answer."""
    maker.place(side="sell", price="100", quantity="1")
    taker.place(side="buy", price="100", quantity="1")
    maker.place(side="sell", price="105", quantity="1")
    maker.place(side="sell", price="120", quantity="1")
    response = taker.place(side="buy", price="120", quantity="2")
    assert response.status_code == 201, response.json()
    return response.json()


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_the_breaker_is_off_by_default() -> None:
    assert Market._meta.get_field("breaker_move_pct").default == 0


def test_a_trade_past_the_move_is_not_made_the_taker_s_rest_is_cancelled_and_the_market_pauses(
    breaker, maker_client, taker_client
) -> None:
    taker = trip(maker_client, taker_client)

    assert (taker["status"], taker["filled_quantity"], taker["remaining_quantity"]) == (
        "cancelled", "1.000", "1.000"
    )  # fmt: skip
    assert [fill["price"] for fill in taker["fills"]] == ["105.00"]
    assert taker_client.get(path(taker["order_id"])).json()["status"] == "cancelled"
    reasons = OrderEvent.objects.filter(order_id=taker["order_id"], status="cancelled")
    assert list(reasons.values_list("reason", flat=True)) == ["circuit_breaker"]
    wait_for(lambda: symbol_row(maker_client)["status"] == "paused", "/symbols shows the pause")
    row = symbol_row(maker_client)
    assert row["status_reason"] == "circuit_breaker"
    left = epoch(row["resumes_at"]) - time.time()
    assert 0 < left <= PAUSE_S and row["resumes_at"].endswith("Z")
    assert (row["breaker_move_pct"], row["breaker_window_s"], row["breaker_pause_s"],
            row["breaker_auction_s"]) == ("10", 60, PAUSE_S, AUCTION_S)  # fmt: skip


def test_orders_and_amends_are_refused_symbol_paused_and_cancels_are_taken(
    breaker, maker_client, taker_client
) -> None:
    resting = maker_client.place(side="buy", price="95", quantity="1").json()["order_id"]
    trip(maker_client, taker_client)

    refused = taker_client.place(side="buy", price="100", quantity="1")
    amended = maker_client.patch(path(resting), {"quantity": "0.5"})
    cancelled = maker_client.delete(path(resting))

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("symbol_paused", "symbol")
    assert "circuit breaker" in error["message"]
    assert amended.status_code == 400
    assert (amended.json()["error"]["code"], amended.json()["error"]["field"]) == (
        "symbol_paused", "symbol"
    )  # fmt: skip
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_the_pause_ends_in_a_call_auction_then_trading_resumes(
    breaker, maker_client, taker_client
) -> None:
    trip(maker_client, taker_client)
    wait_for(lambda: symbol_row(maker_client)["status"] == "paused", "/symbols shows the pause")
    resumes_at = epoch(symbol_row(maker_client)["resumes_at"])
    time.sleep(max(0.0, resumes_at - AUCTION_S - time.time()) + 0.2)  # the auction window

    collected = taker_client.place(side="buy", price="121", quantity="1")
    crossed = maker_client.get("/api/v1/book/BTC-USDT").json()
    time.sleep(max(0.0, resumes_at - time.time()) + 0.05)
    client.call_sync({"op": "tick"})  # the periodic tick the matcher gets every second

    assert collected.status_code == 201, collected.json()
    assert collected.json()["status"] == "new"  # rested, unmatched
    assert (crossed["bids"][0][0], crossed["asks"][0][0]) == ("121.00", "120.00")
    order_id = collected.json()["order_id"]
    wait_for(
        lambda: taker_client.get(path(order_id)).json()["status"] == "filled",
        "the auction fills the collected order",
    )
    auctioned = taker_client.get(path(order_id)).json()
    assert [fill["price"] for fill in auctioned["fills"]] == ["120.00"]  # one price
    wait_for(lambda: symbol_row(maker_client)["status"] == "trading", "/symbols shows trading")
    row = symbol_row(maker_client)
    assert (row["status_reason"], row["resumes_at"]) == (None, None)
    maker_client.place(side="sell", price="125", quantity="1")
    bought = taker_client.place(side="buy", price="125", quantity="1")
    assert (bought.status_code, bought.json()["status"]) == (201, "filled")

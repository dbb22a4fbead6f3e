"""A market's circuit breaker on the socket (API.md, "Market safety"): every subscriber of the
market's book, trades or ticker gets `{"type": "market", "channel": "market", "symbol",
"status", "status_reason", "resumes_at"}` when it pauses and again when it reopens, once
per connection however many of the three it holds; `order.place` and `order.amend` are
refused `symbol_paused`, `order.cancel` is taken; the private `orders` channel carries the
reason `circuit_breaker`."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from exchange.models import Market, MarketStatus
from matching.service import client
from tests.ws.conftest import key_of

pytestmark = [pytest.mark.django_db(transaction=True)]

PAUSE_S = 2
ORDER = {"symbol": "BTC-USDT", "type": "limit"}


@pytest.fixture
def breaker(transactional_db, market) -> None:
    """The market's breaker trips at a 10 % move; set before the matcher starts."""
    Market.objects.filter(pk=market.pk).update(
        breaker_move_pct="10", breaker_window_s=60, breaker_pause_s=PAUSE_S, breaker_auction_s=1
    )


def place(trader, side: str, price: str, quantity: str = "1.000") -> dict:
    return trader.request("order.place", **ORDER, side=side, price=price, quantity=quantity)


def is_market(status: str):
    return lambda message: message.get("type") == "market" and message.get("status") == status


def test_book_trades_and_ticker_subscribers_hear_the_pause_and_the_reopening(
    breaker, start_server, traders, connect
) -> None:
    server = start_server()
    watchers = {channel: connect(server.ws_url) for channel in ("book", "trades", "ticker")}
    for channel, watcher in watchers.items():
        assert watcher.subscribe(channel, "BTC-USDT")["type"] == "subscribed"
    both = connect(server.ws_url)
    for channel in ("book", "ticker"):
        both.subscribe(channel, "BTC-USDT")
    candles = connect(server.ws_url)
    candles.subscribe("candles", "BTC-USDT")
    maker, taker = connect(server.ws_url), connect(server.ws_url)
    maker.auth(key_of(traders[0]))
    taker.auth(key_of(traders[1]))
    assert taker.subscribe("orders")["type"] == "subscribed"

    resting = place(maker, "buy", "95.00")["body"]["order_id"]
    place(maker, "sell", "100.00")
    place(taker, "buy", "100.00")
    place(maker, "sell", "120.00")
    tripped = place(taker, "buy", "120.00")["body"]
    refused = place(taker, "buy", "100.00")
    amended = maker.request("order.amend", order_id=resting, quantity="0.500")
    cancelled_resting = maker.request("order.cancel", order_id=resting)
    paused = {channel: watcher.next(is_market("paused")) for channel, watcher in watchers.items()}
    cancelled = taker.next(
        lambda m: m.get("type") == "order" and m["order"]["order_id"] == tripped["order_id"]
        and m["order"]["status"] == "cancelled"
    )  # fmt: skip
    time.sleep(max(0.0, _epoch(paused["book"]["resumes_at"]) - time.time()) + 0.05)
    client.call_sync({"op": "tick"})
    reopened = {channel: w.next(is_market("trading")) for channel, w in watchers.items()}

    assert (tripped["status"], tripped["filled_quantity"]) == ("cancelled", "0.000")
    assert (refused["status"], refused["body"]["error"]["code"]) == (400, "symbol_paused")
    assert refused["body"]["error"]["field"] == "symbol"
    assert (amended["status"], amended["body"]["error"]["code"]) == (400, "symbol_paused")
    assert (cancelled_resting["status"], cancelled_resting["body"]["status"]) == (200, "cancelled")
    message = paused["book"]
    assert {key: message[key] for key in ("type", "channel", "symbol", "status",
                                          "status_reason")} == {
        "type": "market", "channel": "market", "symbol": "BTC-USDT", "status": "paused",
        "status_reason": "circuit_breaker",
    }  # fmt: skip
    assert message["resumes_at"].endswith("Z") and isinstance(message["ts"], int)
    assert 0 < _epoch(message["resumes_at"]) - message["ts"] / 1000 <= PAUSE_S
    assert {m["resumes_at"] for m in paused.values()} == {message["resumes_at"]}
    assert cancelled["order"]["reason"] == "circuit_breaker"
    for status in reopened.values():
        assert (status["channel"], status["status"], status["status_reason"],
                status["resumes_at"]) == ("market", "trading", None, None)  # fmt: skip
    both.next(is_market("trading"))
    statuses = [m["status"] for m in both.received if m.get("type") == "market"]
    assert statuses == ["paused", "trading"]  # once each, though in two of the groups
    assert not [m for m in candles.received if m.get("type") == "market"]
    place(maker, "sell", "105.00")
    assert place(taker, "buy", "105.00")["body"]["status"] == "filled"  # trading again


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_a_subscriber_joining_during_the_pause_is_told_at_once(
    breaker, start_server, traders, connect
) -> None:
    server = start_server()
    maker, taker = connect(server.ws_url), connect(server.ws_url)
    maker.auth(key_of(traders[0]))
    taker.auth(key_of(traders[1]))
    early = connect(server.ws_url)
    assert early.subscribe("trades", "BTC-USDT")["type"] == "subscribed"
    place(maker, "sell", "100.00")
    place(taker, "buy", "100.00")
    place(maker, "sell", "120.00")
    place(taker, "buy", "120.00")  # trips
    heard = early.next(is_market("paused"))
    deadline = time.monotonic() + 10
    while not MarketStatus.objects.filter(market_id="BTC-USDT", status="paused").exists():
        assert time.monotonic() < deadline, "the pause did not reach the database"
        time.sleep(0.05)

    late = connect(server.ws_url)
    assert late.subscribe("book", "BTC-USDT")["type"] == "subscribed"
    told = late.next(is_market("paused"))
    late.subscribe("ticker", "BTC-USDT")  # the market group is joined already: not again

    assert (told["status_reason"], told["resumes_at"]) == ("circuit_breaker", heard["resumes_at"])
    time.sleep(0.3)
    assert len([m for m in late.received if m.get("type") == "market"]) == 1


def test_a_subscriber_of_a_trading_market_is_told_nothing(
    breaker, start_server, traders, connect
) -> None:
    server = start_server()
    watcher = connect(server.ws_url)
    assert watcher.subscribe("book", "BTC-USDT")["type"] == "subscribed"
    time.sleep(0.3)

    assert not [m for m in watcher.received if m.get("type") == "market"]

"""Reads behind the public market-data API: markets, the cached L2 book, trades, the ticker
(from the one-minute candle rollups).

Nothing here asks the matcher: the book comes from the cache entry the running matcher
refreshes (at most every 50 ms, `matching.service.protocol.book_cache_key`), trades from
the table the persister fills. So market data keeps answering, at its last known state,
while the matcher is busy or restarting. Every function returns JSON-ready dicts with
decimal strings.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.utils import timezone

from exchange.api.formatting import fixed, iso_time, places
from exchange.errors import MarketNotFound
from exchange.models import CandleMinute, Market, MarketStatus, Trade
from exchange.models.candle import MINUTE_MS, minute_of, minute_start
from exchange.models.exact_sql import ExactProduct, ExactSum
from exchange.models.fields import plain
from exchange.models.market import canonical_symbol
from exchange.selectors.candles import RollupMoved, consistent_read
from matching.service.protocol import book_cache_key, now_ms

BOOK_POLL_SECONDS = 0.005
# Room for any sum of 40-digit values: the default context (28 digits) would round them.
EXACT = Context(prec=100)
RATIO_PLACES = 8


# ---- markets -------------------------------------------------------------------------------


def market_get(symbol: str) -> Market:
    """The market named `symbol` (any case); MarketNotFound if there is none."""
    # a path that cannot be a symbol never reaches the database (a NUL byte upsets PostgreSQL)
    canonical = canonical_symbol(symbol)
    market = canonical and Market.objects.filter(symbol=canonical).first()
    if market is None:
        raise MarketNotFound(symbol)
    return market


def markets_list() -> list[dict]:
    """Every market with its trading rules, halted and paused ones too (clients must see
    the halt or the pause)."""
    return [
        {
            "symbol": market.symbol,
            "base": market.base,
            "quote": market.quote,
            "tick_size": plain(market.tick_size),
            "lot_size": plain(market.lot_size),
            "min_qty": plain(market.min_qty if market.min_qty is not None else market.lot_size),
            "min_notional": plain(market.min_notional),
            "quote_precision": market.quote_precision,
            "base_precision": places(market.lot_size),
            **market_status_of(market),
            "max_open_orders": market.max_open_orders,
            "price_band_pct": plain(market.price_band_pct),
            "breaker_move_pct": plain(market.breaker_move_pct),
            "breaker_window_s": market.breaker_window_s,
            "breaker_pause_s": market.breaker_pause_s,
            "breaker_auction_s": market.breaker_auction_s,
        }
        for market in Market.objects.select_related("engine_status").order_by("symbol")
    ]


def market_status_get(symbol: str) -> dict | None:
    """`market_status_of` the market `symbol`; None if there is no such market."""
    market = Market.objects.select_related("engine_status").filter(symbol=symbol).first()
    return None if market is None else market_status_of(market)


def market_status_of(market: Market) -> dict:
    """API.md, "Market safety": `status`, `status_reason` and `resumes_at`. An admin's halt
    is the market's own `status`; a circuit breaker's pause is what the matcher last
    announced (exchange.models.MarketStatus), until it announces the reopening."""
    if market.status == Market.Status.HALTED:
        return {"status": "halted", "status_reason": "admin", "resumes_at": None}
    try:
        announced = market.engine_status
    except MarketStatus.DoesNotExist:  # it never announced a status
        announced = None
    if announced is not None and announced.paused:
        return {
            "status": announced.status,
            "status_reason": announced.reason,
            "resumes_at": iso_time(announced.resumes_at),
        }
    return {"status": "trading", "status_reason": None, "resumes_at": None}


# ---- the book --------------------------------------------------------------------------------


def _cached_book(market: Market) -> dict:
    """The matcher's latest L2 snapshot; a market it has not published yet is empty at seq 0."""
    book = cache.get(book_cache_key(market.symbol))
    if not isinstance(book, dict):
        return {"symbol": market.symbol, "seq": 0, "bids": [], "asks": [], "ts": now_ms()}
    return book


def book_get(*, market: Market, depth: int) -> dict:
    """The top `depth` price levels a side, `[price, quantity, order_count]`, best first."""
    book = _cached_book(market)
    return {
        "symbol": market.symbol,
        "seq": book["seq"],
        "bids": book["bids"][:depth],
        "asks": book["asks"][:depth],
        "ts": book["ts"],
    }


def bbo_get(*, market: Market) -> dict:
    """Best bid and ask `[price, quantity]`, spread and exact mid (null if a side is empty)."""
    book = _cached_book(market)
    bid = book["bids"][0][:2] if book["bids"] else None
    ask = book["asks"][0][:2] if book["asks"] else None
    spread = mid = None
    if bid and ask:
        tick_places = places(market.tick_size)
        with localcontext(EXACT):
            best_bid, best_ask = Decimal(bid[0]), Decimal(ask[0])
            exact_mid = (best_bid + best_ask) / 2
            # halving adds at most one decimal: "100.005" between 100.00 and 100.01
            on_tick = exact_mid == exact_mid.quantize(Decimal(1).scaleb(-tick_places))
            spread = fixed(best_ask - best_bid, tick_places)
            mid = fixed(exact_mid, tick_places if on_tick else tick_places + 1)
    return {
        "symbol": market.symbol,
        "seq": book["seq"],
        "bid": bid,
        "ask": ask,
        "spread": spread,
        "mid": mid,
    }


def _ratio(numerator: Decimal, denominator: Decimal) -> str | None:
    if not denominator:
        return None
    with localcontext(EXACT):
        return fixed(numerator / denominator, RATIO_PLACES)


def _weighted_volume(side: list, reference: Decimal, tick: Decimal) -> Decimal:
    """Σ quantity / (1 + |price − reference| / tick), in the caller's (exact) context."""
    total = Decimal(0)
    for price, quantity, *_ in side:
        total += Decimal(quantity) / (1 + abs(Decimal(price) - reference) / tick)
    return total


def book_imbalance(*, market: Market, levels: int) -> dict:
    """How the resting volume of the top `levels` levels a side leans, buyers against sellers.

    `imbalance` = (bid − ask) / (bid + ask), in [−1, 1]. `weighted_imbalance` is the same with
    each level's quantity weighted by 1 / (1 + d), d its distance from the mid in ticks (from
    the best price of the only non-empty side when the other is empty), so liquidity near the
    touch counts most. `ratio` = bid / ask. Rounded half up to 8 places; null when undefined.
    """
    book = _cached_book(market)
    bids, asks = book["bids"][:levels], book["asks"][:levels]
    with localcontext(EXACT):
        bid_volume = sum((Decimal(level[1]) for level in bids), Decimal(0))
        ask_volume = sum((Decimal(level[1]) for level in asks), Decimal(0))
        if bids and asks:
            reference = (Decimal(bids[0][0]) + Decimal(asks[0][0])) / 2
        else:
            reference = Decimal((bids or asks)[0][0]) if bids or asks else Decimal(0)
        weighted_bid = _weighted_volume(bids, reference, market.tick_size)
        weighted_ask = _weighted_volume(asks, reference, market.tick_size)
        bid_minus_ask, bid_plus_ask = bid_volume - ask_volume, bid_volume + ask_volume
        weighted_diff, weighted_sum = weighted_bid - weighted_ask, weighted_bid + weighted_ask
    lot_places = places(market.lot_size)
    return {
        "symbol": market.symbol,
        "seq": book["seq"],
        "levels": levels,
        "bid_volume": fixed(bid_volume, lot_places),
        "ask_volume": fixed(ask_volume, lot_places),
        "ratio": _ratio(bid_volume, ask_volume),
        "imbalance": _ratio(bid_minus_ask, bid_plus_ask),
        "weighted_imbalance": _ratio(weighted_diff, weighted_sum),
    }


# ---- trades ----------------------------------------------------------------------------------


def trades_recent(*, market: Market, limit: int, before: int | None = None) -> dict:
    """The market's public trades, newest first; `next` pages on to older ones (a trade id:
    the engine numbers trades in the order they happen)."""
    trades = Trade.objects.filter(market=market).order_by("-id")
    if before is not None:
        trades = trades.filter(id__lt=before)
    rows = list(
        trades.values_list("id", "price", "quantity", "taker_side", "executed_at")[: limit + 1]
    )
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    results = [
        {
            "trade_id": trade_id,
            "price": fixed(price, price_places),
            "quantity": fixed(quantity, lot_places),
            "taker_side": taker_side,
            "time": iso_time(executed_at),
        }
        for trade_id, price, quantity, taker_side, executed_at in rows[:limit]
    ]
    more = len(rows) > limit
    return {"results": results, "next": str(results[-1]["trade_id"]) if more else None}


def last_trade(market: Market) -> tuple[int, int]:
    """(id, engine seq) of the market's latest trade in the table ((0, 0) before the first)."""
    latest = Trade.objects.filter(market=market).order_by("-id").values_list("id", "seq").first()
    return latest if latest else (0, 0)


def book_top_at_least(*, market: Market, seq: int, wait_seconds: float) -> tuple[dict, bool]:
    """(`book_top` of a cached book at `seq` or later, whether the book reached `seq`),
    waiting up to `wait_seconds` for the matcher's next refresh (it comes within 50 ms): a
    ticker's best prices are never older than its last trade. After the wait, the book as
    it is."""
    deadline = time.monotonic() + wait_seconds
    while True:
        book = _cached_book(market)
        if book["seq"] >= seq or time.monotonic() >= deadline:
            return _top_of(book), book["seq"] >= seq
        time.sleep(BOOK_POLL_SECONDS)


NO_TRADES: dict = {"count": 0}


def _figures(rows: QuerySet, **fields: Any) -> dict:
    """high, low, volume, quote_volume, count, and the (id, price) of the first and last
    trade of `rows`, whose columns `fields` names (the trade table's or the rollups')."""
    figures = rows.aggregate(
        high=Max(fields["high"]),
        low=Min(fields["low"]),
        volume=ExactSum(fields["volume"]),
        quote_volume=ExactSum(fields["quote_volume"]),
        count=fields["count"],
        first_id=Min(fields["first_id"]),
        last_id=Max(fields["last_id"]),
    )
    if not figures["count"]:
        return NO_TRADES
    first_id, last_id = figures.pop("first_id"), figures.pop("last_id")
    first = rows.filter(**{fields["first_id"]: first_id}).values_list(fields["open"]).first()
    last = rows.filter(**{fields["last_id"]: last_id}).values_list(fields["close"]).first()
    if first is None or last is None:
        raise RollupMoved
    return {**figures, "first": (first_id, first[0]), "last": (last_id, last[0])}


def _trade_figures(trades: QuerySet) -> dict:
    return _figures(
        trades,
        high="price",
        low="price",
        volume="quantity",
        quote_volume=ExactProduct("price", "quantity"),
        count=Count("id"),
        first_id="id",
        last_id="id",
        open="price",
        close="price",
    )


def figures_combined(a: dict, b: dict) -> dict:
    """The figures of two sets of trades with no trade in common."""
    if not a["count"] or not b["count"]:
        return a if a["count"] else b
    with localcontext(EXACT):
        return {
            "high": max(a["high"], b["high"]),
            "low": min(a["low"], b["low"]),
            "volume": a["volume"] + b["volume"],
            "quote_volume": a["quote_volume"] + b["quote_volume"],
            "count": a["count"] + b["count"],
            "first": min(a["first"], b["first"]),
            "last": max(a["last"], b["last"]),
        }


def ticker_since() -> datetime:
    """Where the ticker's rolling 24 h window starts now."""
    return timezone.now() - timedelta(hours=24)


def ticker_window(*, market: Market, since: datetime) -> dict:
    """The figures (`figures_combined`'s form) of the market's trades since `since`: its
    whole minutes from the one-minute rollups, the part of a minute at its start (under a
    minute of trades) from the trade table."""
    whole = minute_of(since)  # the first whole minute of the window
    edge = NO_TRADES  # the trades from `since` to that minute
    if minute_start(whole) < since:
        whole += MINUTE_MS
        edge = _trade_figures(
            Trade.objects.filter(
                market=market, executed_at__gte=since, executed_at__lt=minute_start(whole)
            )
        )
    minutes = CandleMinute.objects.filter(market=market, minute__gte=whole)
    return figures_combined(edge, consistent_read(lambda: _minute_figures(minutes)))


def _minute_figures(minutes: QuerySet) -> dict:
    return _figures(
        minutes,
        high="high",
        low="low",
        volume="volume",
        quote_volume="quote_volume",
        count=Sum("trade_count"),
        first_id="first_trade_id",
        last_id="last_trade_id",
        open="open",
        close="close",
    )


def ticker_new_trades(*, market: Market, since: datetime, after_id: int, up_to_id: int) -> dict:
    """The figures of the market's trades with `after_id` < id ≤ `up_to_id` since `since`."""
    return _trade_figures(
        Trade.objects.filter(
            market=market, id__gt=after_id, id__lte=up_to_id, executed_at__gte=since
        )
    )


def ticker_body(*, market: Market, figures: dict) -> dict:
    """The ticker's 24 h part from the window's figures: `last, open, high, low, volume,
    quote_volume, change_pct, count`.

    `open` is the first trade's price in the window and `last` the latest's (by trade id);
    prices are null and volumes zero when nothing traded in the window.
    `change_pct` = (last − open) / open × 100, rounded half up to 2 places.
    """
    price_places, lot_places = places(market.tick_size), places(market.lot_size)

    def price(value: Decimal | None) -> str | None:
        return None if value is None else fixed(value, price_places)

    count = figures["count"]
    open_ = figures["first"][1] if count else None
    last = figures["last"][1] if count else None
    change = None
    if open_ and last is not None:
        with localcontext(EXACT):
            change = fixed((last - open_) * 100 / open_, 2, ROUND_HALF_UP)
    return {
        "symbol": market.symbol,
        "last": price(last),
        "open": price(open_),
        "high": price(figures.get("high")),
        "low": price(figures.get("low")),
        "volume": fixed(figures.get("volume") or Decimal(0), lot_places),
        "quote_volume": fixed(figures.get("quote_volume") or Decimal(0), price_places + lot_places),
        "change_pct": change,
        "count": count,
    }


def ticker_stats(*, market: Market) -> dict:
    """The 24 h part of the ticker, read now (`ticker_body` of `ticker_window`)."""
    return ticker_body(market=market, figures=ticker_window(market=market, since=ticker_since()))


def _top_of(book: dict) -> dict:
    return {
        "bid": book["bids"][0][0] if book["bids"] else None,
        "ask": book["asks"][0][0] if book["asks"] else None,
    }


def book_top(*, market: Market) -> dict:
    """The best bid and ask prices of the cached book (null for an empty side)."""
    return _top_of(_cached_book(market))


def ticker_24h(*, market: Market) -> dict:
    """`ticker_stats` with the best bid and ask of the cached book."""
    return {**ticker_stats(market=market), **book_top(market=market)}

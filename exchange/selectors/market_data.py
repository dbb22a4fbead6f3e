"""Reads behind the public market-data API: markets, the cached L2 book, trades, the ticker.

Nothing here asks the matcher: the book comes from the cache entry the running matcher
refreshes (at most every 50 ms, `matching.service.protocol.book_cache_key`), trades from
the table the persister fills. So market data keeps answering, at its last known state,
while the matcher is busy or restarting. Every function returns JSON-ready dicts with
decimal strings.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from django.core.cache import cache
from django.db.models import Count, Max, Min
from django.utils import timezone

from exchange.api.formatting import fixed, iso_time, places
from exchange.errors import MarketNotFound
from exchange.models import Market, Trade
from exchange.models.exact_sql import ExactProduct, ExactSum
from exchange.models.fields import plain
from exchange.models.market import canonical_symbol
from matching.service.protocol import book_cache_key, now_ms

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
    """Every market with its trading rules, halted ones too (clients must see the halt)."""
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
            "status": market.status,
        }
        for market in Market.objects.order_by("symbol")
    ]


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


def ticker_24h(*, market: Market) -> dict:
    """The last 24 hours of trades, rolling, with the best bid and ask of the cached book.

    `open` is the first trade's price in the window and `last` the latest's (by trade id);
    prices are null and volumes zero when nothing traded in the window.
    `change_pct` = (last − open) / open × 100, rounded half up to 2 places.
    """
    since = timezone.now() - timedelta(hours=24)
    window = Trade.objects.filter(market=market, executed_at__gte=since)
    figures = window.aggregate(
        high=Max("price"),
        low=Min("price"),
        volume=ExactSum("quantity"),
        quote_volume=ExactSum(ExactProduct("price", "quantity")),
        count=Count("id"),
        first_id=Min("id"),
        last_id=Max("id"),
    )
    ends = [figures["first_id"], figures["last_id"]] if figures["count"] else []
    prices = dict(Trade.objects.filter(id__in=ends).values_list("id", "price")) if ends else {}
    price_places, lot_places = places(market.tick_size), places(market.lot_size)

    def price(value: Decimal | None) -> str | None:
        return None if value is None else fixed(value, price_places)

    open_, last = prices.get(figures["first_id"]), prices.get(figures["last_id"])
    change = None
    if open_ and last is not None:
        with localcontext(EXACT):
            change = fixed((last - open_) * 100 / open_, 2, ROUND_HALF_UP)
    book = _cached_book(market)
    return {
        "symbol": market.symbol,
        "last": price(last),
        "open": price(open_),
        "high": price(figures["high"]),
        "low": price(figures["low"]),
        "volume": fixed(figures["volume"] or Decimal(0), lot_places),
        "quote_volume": fixed(figures["quote_volume"] or Decimal(0), price_places + lot_places),
        "change_pct": change,
        "count": figures["count"],
        "bid": book["bids"][0][0] if book["bids"] else None,
        "ask": book["asks"][0][0] if book["asks"] else None,
    }

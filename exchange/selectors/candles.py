"""OHLCV candles of every interval, aggregated in SQL from the one-minute rollups
(`CandleMinute`), which the persister writes with the trades: a request reads at most a
capped window of minute rows (`MAX_CANDLES` candles), never the trade table.

Buckets are aligned on the Unix epoch in UTC (a `1d` candle opens at 00:00 UTC). A minute's
open time is an integer of ms, so its bucket is integer arithmetic, the same on PostgreSQL
and on SQLite (the embedded default); a minute lies wholly inside one bucket of each
interval, so a candle holds exactly the trades whose time falls in it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.db.models import BigIntegerField, ExpressionWrapper, F, Max, Min, Value

from exchange.api.formatting import fixed, places
from exchange.models import CandleMinute, Market
from exchange.models.exact_sql import ExactSum
from matching.service.protocol import now_ms

INTERVALS_MS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000}
MAX_CANDLES = 1000
READ_ATTEMPTS = 5
T = TypeVar("T")
# 9999-12-31T23:59:59.999Z: the last millisecond a Python datetime can hold.
MAX_MS = 253_402_300_799_999


class RollupMoved(Exception):
    """A rollup changed between an aggregate and the read of its open or close by trade id
    (the persister committed a batch in between: each statement sees the latest commit)."""


def consistent_read(read: Callable[[], T]) -> T:
    """`read()`, started over while a rollup moves under it (`READ_ATTEMPTS` at most)."""
    for _ in range(READ_ATTEMPTS - 1):
        try:
            return read()
        except RollupMoved:
            continue
    return read()


def candle_window(
    *, interval_ms: int, start: int | None, end: int | None, limit: int = MAX_CANDLES
) -> tuple[int, int]:
    """The open times of the first and last candle to return.

    Candles whose interval meets [start, end]; at most `limit` of them: the first ones from
    `start` when it is given, else the latest up to `end` (default now).
    """
    last = (now_ms() if end is None else end) // interval_ms * interval_ms
    if start is None:
        return last - (limit - 1) * interval_ms, last
    first = start // interval_ms * interval_ms
    return first, min(last, first + (limit - 1) * interval_ms)


def candles_list(
    *,
    market: Market,
    interval: str,
    start: int | None = None,
    end: int | None = None,
    limit: int = MAX_CANDLES,
) -> dict:
    """`[open_time_ms, open, high, low, close, volume]` oldest first; an interval without
    trades has no candle. Open and close are the first and last trade by trade id, the
    order in which the engine executed them."""
    interval_ms = INTERVALS_MS[interval]
    first, last = candle_window(interval_ms=interval_ms, start=start, end=end, limit=limit)
    results: list[list] = []
    if first <= last:
        results = consistent_read(lambda: _candles(market, interval_ms, first, last))
    return {"symbol": market.symbol, "interval": interval, "results": results, "next": None}


def _candles(market: Market, interval_ms: int, first: int, last: int) -> list[list]:
    minutes = CandleMinute.objects.filter(market=market, minute__gte=max(first, 0))
    if last + interval_ms <= MAX_MS:
        minutes = minutes.filter(minute__lt=last + interval_ms)
    bucket = ExpressionWrapper(
        F("minute") / Value(interval_ms) * Value(interval_ms), output_field=BigIntegerField()
    )
    rows = list(
        minutes.annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            high=Max("high"),
            low=Min("low"),
            volume=ExactSum("volume"),
            first_id=Min("first_trade_id"),
            last_id=Max("last_trade_id"),
        )
        .order_by("bucket")
    )
    opens: dict[int, Decimal] = dict(
        minutes.filter(first_trade_id__in=[row["first_id"] for row in rows]).values_list(
            "first_trade_id", "open"
        )
        if rows
        else []
    )
    closes: dict[int, Decimal] = dict(
        minutes.filter(last_trade_id__in=[row["last_id"] for row in rows]).values_list(
            "last_trade_id", "close"
        )
        if rows
        else []
    )
    if any(row["first_id"] not in opens or row["last_id"] not in closes for row in rows):
        raise RollupMoved
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    return [
        [
            row["bucket"],
            fixed(opens[row["first_id"]], price_places),
            fixed(row["high"], price_places),
            fixed(row["low"], price_places),
            fixed(closes[row["last_id"]], price_places),
            fixed(row["volume"], lot_places),
        ]
        for row in rows
    ]

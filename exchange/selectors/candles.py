"""OHLCV candles computed from the trade table, bucketed by time in SQL.

Buckets are aligned on the Unix epoch in UTC (a `1d` candle opens at 00:00 UTC). The bucket of
a trade is computed in the database from whole seconds, with integer arithmetic only, so a
trade on a boundary falls in the same candle on PostgreSQL and on SQLite (the embedded
default); a float epoch (SQLite's `julianday`) could put it one candle early.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import BigIntegerField, ExpressionWrapper, Func, Max, Min, Value

from exchange.api.formatting import fixed, places
from exchange.models import Market, Trade
from exchange.models.exact_sql import ExactSum
from matching.service.protocol import now_ms

INTERVALS_MS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000}
MAX_CANDLES = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# 9999-12-31T23:59:59.999Z: the last millisecond a Python datetime can hold.
MAX_MS = 253_402_300_799_999


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime column (exact, no floats)."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores "YYYY-MM-DD HH:MM:SS.ffffff"; SQLite would round the fraction to ms
        # (59.9999995 s becoming the next minute), so only the first 19 characters are read.
        # `%` is doubled twice: once for this template, once for the backend's parameters.
        template = "CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template)


def _moment(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


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
        results = _candles(market, interval_ms, first, last)
    return {"symbol": market.symbol, "interval": interval, "results": results, "next": None}


def _candles(market: Market, interval_ms: int, first: int, last: int) -> list[list]:
    seconds = interval_ms // 1000
    trades = Trade.objects.filter(market=market, executed_at__gte=_moment(max(first, 0)))
    if last + interval_ms <= MAX_MS:
        trades = trades.filter(executed_at__lt=_moment(last + interval_ms))
    bucket = ExpressionWrapper(
        EpochSeconds("executed_at") / Value(seconds) * Value(seconds),
        output_field=BigIntegerField(),
    )
    rows = list(
        trades.annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            high=Max("price"),
            low=Min("price"),
            volume=ExactSum("quantity"),
            first_id=Min("id"),
            last_id=Max("id"),
        )
        .order_by("bucket")
    )
    ends = {row["first_id"] for row in rows} | {row["last_id"] for row in rows}
    prices: dict[int, Decimal] = dict(
        Trade.objects.filter(id__in=ends).values_list("id", "price") if ends else []
    )
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    return [
        [
            row["bucket"] * 1000,
            fixed(prices[row["first_id"]], price_places),
            fixed(row["high"], price_places),
            fixed(row["low"], price_places),
            fixed(prices[row["last_id"]], price_places),
            fixed(row["volume"], lot_places),
        ]
        for row in rows
    ]

"""Keeps the one-minute candle rollups (`CandleMinute`) in step with the trade table.

Whoever inserts trades folds them into their minutes' rows in the same transaction: the
persister calls `add_trades` with each batch before inserting it (trades already in the
table, written by an earlier try of the batch, are left out, so a batch written twice is
counted once), and a trade saved through the ORM one at a time (`Trade.objects.create`, as
tests and the admin do) is folded by the `trade_saved` receiver. Sums are exact decimals.

On PostgreSQL `add_trades` is one statement (`_fold_sql`): the batch's trades go as arrays,
the server leaves out those already stored, sums them up by minute and merges the sums into
the stored rows (`ON CONFLICT ... DO UPDATE`, which locks each row as the ORM's
`select_for_update` does), by the same rules as `merged`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext
from functools import cache

from django.db import connection, transaction

from exchange.models import CandleMinute, Trade
from exchange.models.candle import MINUTE_MS, minute_of
from exchange.models.fields import EXACT
from matching.service import persister_sql

VALUE_FIELDS = [
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trade_count",
    "first_trade_id",
    "last_trade_id",
]


def summarize(trades: Iterable[dict]) -> dict[tuple[str, int], dict]:
    """{(market, minute): the rollup fields of `trades` in it}; a trade is a dict with `id`,
    `market_id`, `price`, `quantity` and `executed_at`."""
    rollups: dict[tuple[str, int], dict] = {}
    with localcontext(EXACT):
        for trade in trades:
            key = (trade["market_id"], minute_of(trade["executed_at"]))
            price, quantity = Decimal(trade["price"]), Decimal(trade["quantity"])
            one = {
                "open": price,
                "high": price,
                "low": price,
                "close": price,
                "volume": quantity,
                "quote_volume": price * quantity,
                "trade_count": 1,
                "first_trade_id": trade["id"],
                "last_trade_id": trade["id"],
            }
            rollups[key] = merged(rollups[key], one) if key in rollups else one
    return rollups


def merged(a: dict, b: dict) -> dict:
    """The rollup of the trades of two rollups of the same minute (no trade in both)."""
    first = a if a["first_trade_id"] <= b["first_trade_id"] else b
    last = a if a["last_trade_id"] >= b["last_trade_id"] else b
    with localcontext(EXACT):
        return {
            "open": first["open"],
            "high": max(a["high"], b["high"]),
            "low": min(a["low"], b["low"]),
            "close": last["close"],
            "volume": a["volume"] + b["volume"],
            "quote_volume": a["quote_volume"] + b["quote_volume"],
            "trade_count": a["trade_count"] + b["trade_count"],
            "first_trade_id": first["first_trade_id"],
            "last_trade_id": last["last_trade_id"],
        }


def fold(trades: Iterable[dict]) -> None:
    """Adds `trades`, none of them counted yet, to their minutes' rollups."""
    fresh = summarize(trades)
    if not fresh:
        return
    minutes: dict[str, list[int]] = {}
    for market, minute in fresh:
        minutes.setdefault(market, []).append(minute)
    with transaction.atomic():
        for market, wanted in minutes.items():
            stored = (
                CandleMinute.objects.select_for_update()
                .filter(market_id=market, minute__in=wanted)
                .values("minute", *VALUE_FIELDS)
            )
            for row in stored:
                key = (market, row.pop("minute"))
                fresh[key] = merged(row, fresh[key])
        CandleMinute.objects.bulk_create(
            [
                CandleMinute(market_id=market, minute=minute, **values)
                for (market, minute), values in fresh.items()
            ],
            update_conflicts=True,
            unique_fields=["market", "minute"],
            update_fields=VALUE_FIELDS,
        )


TRADE_COLUMNS = ("id", "market_id", "price", "quantity", "executed_at")


@cache
def _fold_sql() -> str:
    trade, candle = Trade._meta, CandleMinute._meta
    casts = ", ".join(f"%s::{persister_sql.array_type(Trade, name)}" for name in TRADE_COLUMNS)
    symbol = candle.get_field("market").column
    values = ", ".join(VALUE_FIELDS)
    return f"""
WITH t AS (
  SELECT v.* FROM unnest({casts}) AS v (id, symbol, price, quantity, executed_at)
  WHERE NOT EXISTS (SELECT 1 FROM {trade.db_table} stored WHERE stored.id = v.id)
), m AS (
  SELECT symbol, (floor(extract(epoch FROM executed_at) / 60) * {MINUTE_MS})::bigint AS minute,
    (array_agg(price ORDER BY id))[1] AS open, max(price) AS high, min(price) AS low,
    (array_agg(price ORDER BY id DESC))[1] AS close, sum(quantity) AS volume,
    sum(price * quantity) AS quote_volume, count(*) AS trade_count,
    min(id) AS first_trade_id, max(id) AS last_trade_id
  FROM t GROUP BY 1, 2
)
INSERT INTO {candle.db_table} AS c ({symbol}, minute, {values})
SELECT symbol, minute, {values} FROM m
ON CONFLICT ({symbol}, minute) DO UPDATE SET
  open = CASE WHEN EXCLUDED.first_trade_id < c.first_trade_id THEN EXCLUDED.open ELSE c.open END,
  high = GREATEST(c.high, EXCLUDED.high),
  low = LEAST(c.low, EXCLUDED.low),
  close = CASE WHEN EXCLUDED.last_trade_id > c.last_trade_id THEN EXCLUDED.close ELSE c.close END,
  volume = c.volume + EXCLUDED.volume,
  quote_volume = c.quote_volume + EXCLUDED.quote_volume,
  trade_count = c.trade_count + EXCLUDED.trade_count,
  first_trade_id = LEAST(c.first_trade_id, EXCLUDED.first_trade_id),
  last_trade_id = GREATEST(c.last_trade_id, EXCLUDED.last_trade_id)
"""


def add_trades(trades: list[dict]) -> None:
    """Folds the trades of `trades` not yet in the trade table into the rollups; called in
    the transaction that then inserts them."""
    if not trades:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_fold_sql(), persister_sql.arrays(Trade, trades, TRADE_COLUMNS))
        return
    ids = [trade["id"] for trade in trades]
    known = set(
        Trade.objects.filter(id__gte=min(ids), id__lte=max(ids)).values_list("id", flat=True)
    )
    fold(trade for trade in trades if trade["id"] not in known)


def trade_saved(sender, instance: Trade, created: bool, raw: bool = False, **kwargs) -> None:
    """`post_save` receiver of Trade: a trade inserted through the ORM joins its rollup."""
    if not created or raw:
        return
    fold(
        [
            {
                "id": instance.id,
                "market_id": instance.market_id,
                "price": instance.price,
                "quantity": instance.quantity,
                "executed_at": instance.executed_at,
            }
        ]
    )

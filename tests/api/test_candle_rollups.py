"""Candles and the 24 h ticker read from the one-minute rollups answer exactly what an
aggregate over the raw trades answers: random trades written by the persister in batches
(trades of one minute spread over several batches, batches written twice, ids not in time
order), every interval, and the rollups the data migration builds from the trades alone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, localcontext

import pytest
from django.apps import apps
from django.utils import timezone

from exchange.api.formatting import fixed, places
from exchange.models import CandleMinute, Market, MatcherState, Trade
from exchange.models.fields import EXACT
from exchange.selectors.candles import INTERVALS_MS, candles_list
from exchange.selectors.market_data import ticker_stats
from matching.service.persister import Item, write_items
from tests.api.test_trades_public import record_trade

pytestmark = pytest.mark.django_db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# not on a minute: the 24 h window starts inside a minute
NOW = datetime(2026, 12, 7, 12, 30, 17, 250_000, tzinfo=UTC)
NOW_MS = (NOW - EPOCH) // timedelta(milliseconds=1)
DAY_MS = 86_400_000


@pytest.fixture
def market() -> Market:
    Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")
    return Market.objects.get(symbol="ETH-EUR")


def trade_event(market: Market, trade_id: int, ts: int, price: str, quantity: str, orders):
    maker, taker = orders
    return {
        "kind": "trade",
        "trade_id": trade_id,
        "symbol": market.symbol,
        "price": price,
        "quantity": quantity,
        "taker_side": "buy",
        "maker_order_id": maker.maker_order_id,
        "taker_order_id": maker.taker_order_id,
        "maker_user": maker.maker_user_id,
        "taker_user": maker.taker_user_id,
        "maker_fee": "0",
        "taker_fee": "0",
        "fee_asset": market.quote,
        "ts": ts,
    }


def random_trades(market: Market, rng: random.Random, count: int) -> list[dict]:
    """Trades over the last three days, crowded into a few minutes and on boundaries;
    ids in an order of their own (the engine's, not the clock's)."""
    seed = record_trade(market, "100", "1", NOW - timedelta(hours=30))  # the orders to refer to
    orders = (seed, None)
    busy = [NOW_MS - rng.randrange(3 * DAY_MS) for _ in range(6)]
    edges = [NOW_MS - DAY_MS, NOW_MS - DAY_MS - 1, NOW_MS - DAY_MS + 1, NOW_MS // DAY_MS * DAY_MS]
    times = []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.5:
            times.append(rng.choice(busy) // 60_000 * 60_000 + rng.randrange(60_000))
        elif pick < 0.6:
            times.append(rng.choice(edges) + rng.choice([-60_000, 0, 59_999]))
        else:
            times.append(NOW_MS - rng.randrange(3 * DAY_MS))
    times = [min(ts, NOW_MS) for ts in times]
    return [
        trade_event(
            market,
            seed.id + 1 + n,
            ts,
            f"{rng.randrange(1, 10**7)}e-2",
            f"{rng.randrange(1, 10**6)}e-3",
            orders,
        )
        for n, ts in enumerate(times)
    ]


def write_in_batches(trades: list[dict], rng: random.Random) -> None:
    """Through the persister, a few trades a batch; some batches written twice, and some
    again together with the next ones (as a retry after a crash would)."""
    state = MatcherState.objects.get_or_create(number=42, shard="rollups")[0]
    seq = 0
    start = 0
    while start < len(trades):
        size = rng.randrange(1, 12)
        items = []
        for event in trades[start : start + size]:
            seq += 1
            items.append(Item(seq=seq, ts=event["ts"], command={"op": "test"}, events=[event]))
        write_items(state.pk, items)
        if rng.random() < 0.3:
            write_items(state.pk, items)  # written again: counted once
        if rng.random() < 0.2 and start + size < len(trades):
            # the same batch again with the next trade in it
            event = trades[start + size]
            extra = Item(seq=seq + 1, ts=event["ts"], command={"op": "test"}, events=[event])
            write_items(state.pk, [*items, extra])
        start += size


def raw_candles(market: Market, interval_ms: int) -> list[list]:
    """Candles aggregated in Python over every raw trade (open/close by trade id)."""
    buckets: dict[int, list] = {}
    for trade in Trade.objects.filter(market=market).order_by("id"):
        ms = (trade.executed_at - EPOCH) // timedelta(milliseconds=1)
        buckets.setdefault(ms // interval_ms * interval_ms, []).append(trade)
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    with localcontext(EXACT):
        return [
            [
                bucket,
                fixed(trades[0].price, price_places),
                fixed(max(t.price for t in trades), price_places),
                fixed(min(t.price for t in trades), price_places),
                fixed(trades[-1].price, price_places),
                fixed(sum(t.quantity for t in trades), lot_places),
            ]
            for bucket, trades in sorted(buckets.items())
        ]


def raw_ticker(market: Market) -> dict:
    """The 24 h figures over the raw trades of the window, as the ticker used to read them."""
    trades = list(
        Trade.objects.filter(market=market, executed_at__gte=NOW - timedelta(hours=24)).order_by(
            "id"
        )
    )
    price_places, lot_places = places(market.tick_size), places(market.lot_size)
    if not trades:
        return {"count": 0, "last": None, "open": None}
    with localcontext(EXACT):
        open_, last = trades[0].price, trades[-1].price
        return {
            "symbol": market.symbol,
            "last": fixed(last, price_places),
            "open": fixed(open_, price_places),
            "high": fixed(max(t.price for t in trades), price_places),
            "low": fixed(min(t.price for t in trades), price_places),
            "volume": fixed(sum(t.quantity for t in trades), lot_places),
            "quote_volume": fixed(
                sum(t.price * t.quantity for t in trades), price_places + lot_places
            ),
            "change_pct": fixed((last - open_) * 100 / open_, 2, ROUND_HALF_UP),
            "count": len(trades),
        }


def rollups(market: Market) -> list[dict]:
    return list(CandleMinute.objects.filter(market=market).order_by("minute").values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_candles_and_ticker_equal_an_aggregate_over_the_raw_trades(
    market: Market, monkeypatch, seed: int
) -> None:
    rng = random.Random(seed)
    trades = random_trades(market, rng, 400)
    rng.shuffle(trades)  # ids (assigned above) no longer follow time
    write_in_batches(trades, rng)
    monkeypatch.setattr(timezone, "now", lambda: NOW)

    assert Trade.objects.filter(market=market).count() == len(trades) + 1
    for interval, interval_ms in INTERVALS_MS.items():
        expected = raw_candles(market, interval_ms)
        first, last = expected[0][0], NOW_MS // interval_ms * interval_ms
        span = 999 * interval_ms  # a request's window: 1000 candles at most
        from_first = candles_list(market=market, interval=interval, start=first, end=NOW_MS)
        up_to_now = candles_list(market=market, interval=interval, end=NOW_MS)
        assert from_first["results"] == [row for row in expected if row[0] <= first + span]
        assert up_to_now["results"] == [row for row in expected if row[0] >= last - span]
    assert ticker_stats(market=market) == raw_ticker(market)


def test_the_kept_ticker_with_trades_folded_in_equals_the_raw_aggregate(
    market: Market, monkeypatch, no_book_writer
) -> None:
    from exchange.services.ticker import ticker_figures

    rng = random.Random(5)
    trades = random_trades(market, rng, 300)  # committed in id order, as the engine's are
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    write_in_batches(trades[:150], rng)
    ticker_figures(market)  # the window read and kept
    write_in_batches(trades[150:], rng)

    figures, covered = ticker_figures(market)  # the new trades folded in

    assert {k: v for k, v in figures.items() if k not in ("bid", "ask")} == raw_ticker(market)
    assert covered == trades[-1]["trade_id"]


def test_a_window_of_candles_holds_only_its_minutes(market: Market) -> None:
    rng = random.Random(7)
    write_in_batches(random_trades(market, rng, 200), rng)
    expected = raw_candles(market, 60_000)
    middle = expected[len(expected) // 2][0]

    got = candles_list(market=market, interval="1m", start=middle, limit=5)["results"]

    assert got == [row for row in expected if middle <= row[0] < middle + 5 * 60_000]
    assert got[0][0] == middle


def test_the_data_migration_builds_the_rollups_the_persister_keeps(market: Market) -> None:
    from importlib import import_module

    rng = random.Random(11)
    write_in_batches(random_trades(market, rng, 300), rng)
    kept = rollups(market)
    CandleMinute.objects.all().delete()

    migration = import_module("exchange.migrations.0006_candle_minute_rollups")
    migration.build_rollups(apps, None)

    built = rollups(market)
    for row in kept + built:
        del row["id"]
    assert built == kept


def test_a_trade_saved_alone_joins_its_minute(market: Market) -> None:
    at = datetime(2026, 12, 7, 10, 0, 59, 999_999, tzinfo=UTC)
    record_trade(market, "10", "1", at)
    record_trade(market, "12", "2", at - timedelta(seconds=30))
    record_trade(market, "11", "0.5", at + timedelta(microseconds=1))  # the next minute

    minute = (at - EPOCH) // timedelta(minutes=1) * 60_000
    rows = {row["minute"]: row for row in rollups(market)}
    assert sorted(rows) == [minute, minute + 60_000]
    first = rows[minute]
    assert (first["open"], first["close"], first["high"], first["low"]) == (10, 12, 12, 10)
    assert (first["volume"], first["quote_volume"], first["trade_count"]) == (3, 34, 2)
    assert rows[minute + 60_000]["trade_count"] == 1

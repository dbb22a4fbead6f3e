"""The matcher's book feed (matching/service/book_feed.py): level changes against what was
last published, a removed level's quantity written "0" (API.md), whatever the lot's decimals."""

from __future__ import annotations

from matching.engine import Engine
from matching.service.book_feed import BookFeed

from .helpers import cancel, limit, symbol


def test_a_level_that_empties_is_sent_with_quantity_0_and_a_new_one_with_its_total() -> None:
    engine = Engine()
    engine.process(symbol(tick="0.01", lot="0.00001"))
    feed = BookFeed()
    feed.prime(engine, "BTC-USDT", engine.seq)

    engine.process(limit(1, "u1", "buy", "0.50000", "100.00"))
    placed = feed.changes(engine, {("BTC-USDT", "buy", 10_000)}, engine.seq)
    engine.process(cancel(1, "u1"))
    removed = feed.changes(engine, {("BTC-USDT", "buy", 10_000)}, engine.seq)

    assert placed[0]["changes"] == [["buy", "100.00", "0.50000"]]
    assert removed[0]["changes"] == [["buy", "100.00", "0"]]
    assert removed[0]["prev_seq"] == placed[0]["seq"]


def test_an_unchanged_level_sends_nothing() -> None:
    engine = Engine()
    engine.process(symbol())
    engine.process(limit(1, "u1", "buy", "1.000", "100.00"))
    feed = BookFeed()
    feed.prime(engine, "BTC-USDT", engine.seq)

    assert feed.changes(engine, {("BTC-USDT", "buy", 10_000)}, engine.seq) == []

"""What the matcher tells the world about its books: level changes and L2 snapshots.

After each durable batch the matcher reports the price levels its events touched; this
module compares each with what it last published, so subscribers get exact changes
(`[side, price, new_total]`, "0" removing a level) chained by `seq`/`prev_seq`, and keeps
the top levels of each changed book ready for the cache.
"""

from __future__ import annotations

from itertools import islice

from matching.engine import Engine
from matching.engine.units import format_units

L2_DEPTH = 500


class BookFeed:
    def __init__(self) -> None:
        self._published: dict[str, dict[tuple[str, int], int]] = {}
        self.seq: dict[str, int] = {}  # the seq of each book's last published change
        self.dirty: set[str] = set()  # books changed since their last L2 snapshot

    def prime(self, engine: Engine, symbol: str, seq: int) -> None:
        """Takes `symbol`'s book as published at `seq` (at start, or after its market was
        rescaled): later changes are diffs against it."""
        market = engine.markets[symbol]
        published = self._published[symbol] = {}
        for side_name, side in (("buy", market.book.bids), ("sell", market.book.asks)):
            for level in side.levels():
                published[(side_name, level.price)] = level.volume
        self.seq[symbol] = seq
        self.dirty.add(symbol)

    def changes(self, engine: Engine, touched: set[tuple[str, str, int]], seq: int) -> list[dict]:
        """Group messages for the levels in `touched` ((symbol, side, ticks)) whose visible
        total differs from the last one published; `seq` is the batch's last seq."""
        by_symbol: dict[str, list[list]] = {}
        for symbol, side, price in touched:
            market = engine.markets.get(symbol)
            if market is None:
                continue
            book_side = market.book.bids if side == "buy" else market.book.asks
            level = book_side.level_at(price)
            volume = level.volume if level is not None else 0
            published = self._published.setdefault(symbol, {})
            if published.get((side, price), 0) == volume:
                continue
            if volume:
                published[(side, price)] = volume
            else:
                published.pop((side, price), None)
            by_symbol.setdefault(symbol, []).append(
                [
                    side,
                    format_units(price, market.tick_num, market.tick_places),
                    format_units(volume, market.lot_num, market.lot_places) if volume else "0",
                ]
            )
        messages = []
        for symbol, changes in by_symbol.items():
            changes.sort(key=lambda change: (change[0], _price_key(change)))
            messages.append(
                {
                    "type": "book.update",
                    "symbol": symbol,
                    "seq": seq,
                    "prev_seq": self.seq.get(symbol, 0),
                    "changes": changes,
                }
            )
            self.seq[symbol] = seq
            self.dirty.add(symbol)
        return messages

    def snapshot(self, engine: Engine, symbol: str, ts: int) -> dict:
        """The top `L2_DEPTH` levels a side of `symbol`'s book, as REST and the WebSocket
        serve them: `[price, quantity, order_count]`, best first."""
        market = engine.markets[symbol]

        def levels(side) -> list[list]:
            return [
                [
                    format_units(level.price, market.tick_num, market.tick_places),
                    format_units(level.volume, market.lot_num, market.lot_places),
                    level.count,
                ]
                for level in islice(side.levels(), L2_DEPTH)
            ]

        return {
            "symbol": symbol,
            "seq": self.seq.get(symbol, 0),
            "bids": levels(market.book.bids),
            "asks": levels(market.book.asks),
            "ts": ts,
        }

    def take_dirty(self) -> set[str]:
        dirty, self.dirty = self.dirty, set()
        return dirty


def _price_key(change: list) -> tuple:
    whole, _, fraction = change[1].partition(".")
    return (len(whole), whole, fraction)

"""Ticker and candle subscriptions: the figures REST serves (from the database and the cached
book, never from the matcher), sent again when the book or the trades change, at most every
`min_interval` (100 ms) per connection and subscription.

The trade table is written by the persister a moment after the matcher publishes a trade, and
the cached book a moment after its updates: a figure read at once could miss what caused it.
So each read notes how far its sources had got (the cached book's seq, the market's last
trade id in the table); a stream that has seen a newer update or trade reads again, every
`min_interval` for a few seconds at most, until its sources have caught up.

Reads are shared by the connections of a process: a market watched by a thousand clients
costs one query per interval, not a thousand.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db.models import Max

from exchange.models import Market, Trade
from exchange.selectors.candles import INTERVALS_MS, candles_list
from exchange.selectors.market_data import market_get
from exchange.services.ticker import ticker_figures
from matching.service.protocol import book_cache_key, now_ms

from .messages import Subscription
from .outbox import Outbox

log = logging.getLogger(__name__)

MIN_INTERVAL_SECONDS = 0.1
CATCH_UP_READS = 50  # reads (one per interval) waiting for the persister: about 5 s
TICKER_IDLE_SECONDS = 60.0  # trades leave the 24 h window with no event: read now and then
KEEP_RESULTS_SECONDS = 30.0


@dataclass(frozen=True)
class Progress:
    """How far a read's sources had got: the cached book's seq and the last trade id."""

    book_seq: int = 0
    trade_id: int = 0

    def covers(self, other: Progress) -> bool:
        return self.book_seq >= other.book_seq and self.trade_id >= other.trade_id


def _last_trade_id(market: Market) -> int:
    return Trade.objects.filter(market=market).aggregate(last=Max("id"))["last"] or 0


def _cached_book_seq(symbol: str) -> int:
    book = cache.get(book_cache_key(symbol))
    return book.get("seq", 0) if isinstance(book, dict) else 0


def read_ticker(symbol: str) -> tuple[dict, Progress]:
    """REST's 24 h ticker; the progress is read first, so the figures are at least as new.
    The 24 h figures are the process's kept ones (`exchange.services.ticker`: the window
    read at most once a second, newer trades folded in), and the trade progress is the
    latest trade they cover."""
    market = market_get(symbol)
    book_seq = _cached_book_seq(symbol)
    figures, trade_id = ticker_figures(market)
    return figures, Progress(book_seq, trade_id)


def read_candle(symbol: str, interval: str, open_time: int) -> tuple[list | None, Progress]:
    """The candle opening at `open_time` (None while it has no trade), as REST computes it."""
    market = market_get(symbol)
    progress = Progress(0, _last_trade_id(market))
    rows = candles_list(market=market, interval=interval, start=open_time, end=open_time)
    return (rows["results"][-1] if rows["results"] else None), progress


class SharedReads:
    """Recent results of the reads above and the reads in flight, by key."""

    def __init__(self) -> None:
        self._results: dict[tuple, tuple[float, object, Progress]] = {}
        self._running: dict[tuple, asyncio.Future] = {}

    async def get(
        self, key: tuple, read: Callable[[], tuple], max_age: float
    ) -> tuple[object, Progress]:
        hit = self._results.get(key)
        if hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1], hit[2]
        running = self._running.get(key)
        if running is None:
            # a worker thread of its own: these reads must not queue behind sync views
            running = asyncio.ensure_future(database_sync_to_async(read, thread_sensitive=False)())
            self._running[key] = running
            running.add_done_callback(lambda done: self._finished(key, done))
        # shielded: one subscriber going away must not cancel the read for the others
        return await asyncio.shield(running)

    def _finished(self, key: tuple, done: asyncio.Future) -> None:
        self._running.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return
        now = time.monotonic()
        if len(self._results) > 1000:
            for stale in [
                k for k, hit in self._results.items() if now - hit[0] > KEEP_RESULTS_SECONDS
            ]:
                del self._results[stale]
        value, progress = done.result()
        self._results[key] = (now, value, progress)


_shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shared_reads() -> SharedReads:
    """The running loop's SharedReads (futures belong to one loop)."""
    loop = asyncio.get_running_loop()
    reads = _shared.get(loop)
    if reads is None:
        reads = _shared[loop] = SharedReads()
    return reads


class FeedStream:
    """A subscription whose message is recomputed from a read when its sources change."""

    idle_seconds: float | None = None

    def __init__(self, subscription: Subscription, outbox: Outbox, *, min_interval: float) -> None:
        self.subscription = subscription
        self.symbol: str = subscription.symbol or ""
        self._outbox = outbox
        self._min_interval = min_interval
        self._need = Progress()
        self._dirty = asyncio.Event()
        self._last_value: object = None
        self._last_read = 0.0
        self._task: asyncio.Task | None = None

    def request(self) -> tuple[tuple, Callable[[], tuple]]:
        """The shared read's key and the read itself, both fixed now."""
        raise NotImplementedError

    def message(self, value) -> dict | None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def touch(self, *, book_seq: int = 0, trade_id: int = 0, trade_ts: int | None = None) -> None:
        """The book or the trades changed: read again (once the sources show it)."""
        need = self._need
        self._need = Progress(max(need.book_seq, book_seq), max(need.trade_id, trade_id))
        self._dirty.set()

    async def _run(self) -> None:
        while True:
            self._dirty.clear()
            await self._refresh()
            try:
                await asyncio.wait_for(self._dirty.wait(), self.idle_seconds)
            except TimeoutError:
                pass

    async def _refresh(self) -> None:
        for _ in range(CATCH_UP_READS):
            wait = self._last_read + self._min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            need = self._need
            try:
                key, read = self.request()
                value, progress = await shared_reads().get(key, read, self._min_interval)
            except Exception as exc:  # the market was deleted, the database is away...
                log.warning("ws: reading %s failed: %r", self.subscription, exc)
                self._last_read = time.monotonic()
                return
            self._last_read = time.monotonic()
            if value != self._last_value:
                self._last_value = value
                message = self.message(value)
                if message is not None:
                    self._outbox.put(message)
            if progress.covers(need):
                return


class TickerStream(FeedStream):
    idle_seconds = TICKER_IDLE_SECONDS

    def request(self) -> tuple[tuple, Callable[[], tuple]]:
        return ("ticker", self.symbol), partial(read_ticker, self.symbol)

    def message(self, value) -> dict | None:
        return {**value, "type": "ticker", "channel": "ticker", "ts": now_ms()}


class CandleStream(FeedStream):
    """The current candle of one interval: the one of the latest trade seen (at first, of
    now). A candle without trades does not exist (as in REST): nothing is sent for it."""

    def __init__(self, subscription: Subscription, outbox: Outbox, *, min_interval: float) -> None:
        super().__init__(subscription, outbox, min_interval=min_interval)
        self.interval: str = subscription.interval or "1m"
        self._interval_ms = INTERVALS_MS[self.interval]
        self._open_time = now_ms() // self._interval_ms * self._interval_ms

    def touch(self, *, book_seq: int = 0, trade_id: int = 0, trade_ts: int | None = None) -> None:
        if trade_ts is not None:
            self._open_time = max(
                self._open_time, trade_ts // self._interval_ms * self._interval_ms
            )
        super().touch(trade_id=trade_id)

    def request(self) -> tuple[tuple, Callable[[], tuple]]:
        key = ("candle", self.symbol, self.interval, self._open_time)
        return key, partial(read_candle, *key[1:])

    def message(self, value) -> dict | None:
        if value is None:
            return None
        return {
            "type": "candle",
            "channel": "candles",
            "symbol": self.symbol,
            "interval": self.interval,
            "candle": value,
            "ts": now_ms(),
        }

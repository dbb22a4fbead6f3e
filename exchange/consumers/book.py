"""One connection's subscription to one book: a snapshot, then updates chained by seq.

The snapshot comes from the cache entry the matcher refreshes at most every 50 ms, a moment
after it has published the updates that entry already contains, so a snapshot read at once
can be older than updates received. The stream therefore joins the book's group first,
buffers the updates while it reads the snapshot, and lines the two up:

- updates with `seq <= snapshot.seq` are in the snapshot already and are dropped;
- the first remaining update must have `prev_seq == snapshot.seq` (and the rest must chain);
  if not, the cached snapshot is stale (or the layer dropped an update): read it again after
  `retry_seconds`, up to `attempts` times;
- with no update buffered, nothing proves the snapshot fresh: an update published just before
  the join may not be in the cache yet. The stream waits until `settle_seconds` after the join
  (longer than the matcher's cache refresh) and reads the snapshot again before sending it.

Once live, an update whose `prev_seq` is not the last `seq` sent means one was lost (a full
channel drops messages rather than slow the matcher): the stream resynchronises and sends a
fresh snapshot, which replaces the client's book. If the snapshot never lines up, the stream
gives up and the consumer tells the client (`book_unavailable`) and drops the subscription.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from django.core.cache import cache

from matching.service.protocol import book_cache_key, now_ms

from .outbox import Outbox

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.2  # > the matcher's 50 ms cache refresh, with room for a busy batch
RETRY_SECONDS = 0.05
ATTEMPTS = 40  # about 2 s of retries before giving up


def _empty(symbol: str) -> dict:
    return {"symbol": symbol, "seq": 0, "bids": [], "asks": [], "ts": now_ms()}


async def read_snapshot(symbol: str) -> dict:
    """The matcher's cached L2 book; a market it never published is empty at seq 0 (as REST
    serves it). Read on a worker thread: the Redis cache client blocks."""
    book = await asyncio.to_thread(cache.get, book_cache_key(symbol))
    return book if isinstance(book, dict) and isinstance(book.get("seq"), int) else _empty(symbol)


def line_up(snapshot: dict, buffered: list[dict]) -> list[dict] | None:
    """The buffered updates that follow `snapshot`, or None if they do not chain onto it."""
    seq = snapshot["seq"]
    pending = [update for update in buffered if update["seq"] > seq]
    previous = seq
    for update in pending:
        if update["prev_seq"] != previous:
            return None
        previous = update["seq"]
    return pending


def update_message(update: dict) -> dict:
    return {
        "type": "update",
        "channel": "book",
        "symbol": update["symbol"],
        "seq": update["seq"],
        "prev_seq": update["prev_seq"],
        "changes": update["changes"],
        "ts": now_ms(),
    }


def snapshot_message(snapshot: dict, symbol: str) -> dict:
    return {
        "type": "snapshot",
        "channel": "book",
        "symbol": symbol,
        "seq": snapshot["seq"],
        "bids": snapshot["bids"],
        "asks": snapshot["asks"],
        "ts": snapshot.get("ts") or now_ms(),
    }


class BookStream:
    """Snapshot-then-updates for one (connection, symbol); see the module docstring."""

    def __init__(
        self,
        symbol: str,
        outbox: Outbox,
        *,
        buffer_limit: int,
        on_give_up: Callable[[str], None],
        settle_seconds: float = SETTLE_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.symbol = symbol
        self._outbox = outbox
        self._on_give_up = on_give_up
        self._settle, self._retry, self._attempts = settle_seconds, retry_seconds, attempts
        # while syncing; the oldest are dropped first (a snapshot newer than them is needed)
        self._buffer: deque[dict] = deque(maxlen=max(1, buffer_limit))
        self._live_seq: int | None = None  # the last seq sent, once live
        self._task: asyncio.Task | None = None
        self.resyncs = 0

    def start(self, *, joined_at: float | None = None) -> None:
        """(Re)starts from a fresh snapshot. Call after the group was joined; `joined_at`
        (monotonic) is when, for a first subscribe."""
        self.stop()
        self._live_seq = None
        self._buffer.clear()
        settle_until = (joined_at if joined_at is not None else time.monotonic()) + self._settle
        self._task = asyncio.create_task(self._sync(settle_until))

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def on_update(self, update: dict) -> None:
        """A `book.update` group message for this symbol."""
        if self._live_seq is None:
            self._buffer.append(update)
            return
        if update["seq"] <= self._live_seq:
            return  # older than what the client holds (a late duplicate)
        if update["prev_seq"] != self._live_seq:
            self.resyncs += 1
            log.info(
                "ws: book %s gap (%s after %s): resync",
                self.symbol,
                update["prev_seq"],
                self._live_seq,
            )
            self.start(joined_at=time.monotonic() - self._settle)
            self._buffer.append(update)
            return
        self._live_seq = update["seq"]
        self._outbox.put(update_message(update))

    async def _sync(self, settle_until: float) -> None:
        for _ in range(self._attempts):
            snapshot = await read_snapshot(self.symbol)
            buffered = list(self._buffer)
            pending = line_up(snapshot, buffered)
            if pending is not None and not pending and time.monotonic() < settle_until:
                # nothing buffered proves this snapshot fresh: let the cache catch up
                await asyncio.sleep(settle_until - time.monotonic())
                continue
            if pending is not None:
                # no await between the line-up and here: the buffer cannot have grown
                messages = [snapshot_message(snapshot, self.symbol)]
                messages += [update_message(update) for update in pending]
                self._live_seq = pending[-1]["seq"] if pending else snapshot["seq"]
                self._buffer.clear()
                self._outbox.put_many(messages)
                return
            await asyncio.sleep(self._retry)
        log.warning("ws: book %s: the snapshot never lined up with the updates", self.symbol)
        self._on_give_up(self.symbol)

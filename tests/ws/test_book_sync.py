"""The book stream's line-up of snapshot and updates, against a cache that lags: a stale
snapshot is read again until the buffered updates chain onto it, a snapshot with no update
to prove it fresh waits for the cache to settle, and a gap while live brings a fresh snapshot.
No server: the stream runs on its own with a fake cache and outbox."""

from __future__ import annotations

import asyncio
import time

import pytest

from exchange.consumers import book as book_module
from exchange.consumers.book import BookStream, line_up


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def put(self, message: dict) -> bool:
        self.sent.append(message)
        return True

    def put_many(self, messages: list[dict]) -> bool:
        self.sent.extend(messages)
        return True


def update(seq: int, prev_seq: int) -> dict:
    return {
        "type": "book.update",
        "symbol": "BTC-USDT",
        "seq": seq,
        "prev_seq": prev_seq,
        "changes": [["buy", f"{seq}.00", "1"]],
    }


def snapshot(seq: int) -> dict:
    return {"symbol": "BTC-USDT", "seq": seq, "bids": [], "asks": [], "ts": 1}


@pytest.fixture
def cache(monkeypatch) -> list[dict]:
    """The snapshots the stream reads, one per read (the last one again when used up)."""
    snapshots: list[dict] = []

    async def read_snapshot(symbol: str) -> dict:
        return snapshots.pop(0) if len(snapshots) > 1 else snapshots[0]

    monkeypatch.setattr(book_module, "read_snapshot", read_snapshot)
    return snapshots


def stream(outbox: Outbox, gave_up: list | None = None, settle: float = 0.05) -> BookStream:
    return BookStream(
        "BTC-USDT",
        outbox,
        buffer_limit=100,
        settle_seconds=settle,
        retry_seconds=0.01,
        attempts=20,
        on_give_up=(gave_up if gave_up is not None else []).append,
    )


def kinds(outbox: Outbox) -> list[tuple]:
    return [(m["type"], m["seq"], m.get("prev_seq")) for m in outbox.sent]


def test_updates_already_in_the_snapshot_are_dropped_and_the_rest_chained() -> None:
    assert line_up(snapshot(5), [update(4, 3), update(5, 4), update(7, 5)]) == [update(7, 5)]
    assert line_up(snapshot(5), [update(7, 6)]) is None  # the snapshot is older
    assert line_up(snapshot(5), [update(7, 5), update(9, 8)]) is None  # one went missing


def test_a_stale_snapshot_is_read_again_until_the_updates_chain_onto_it(cache) -> None:
    outbox = Outbox()
    cache.extend([snapshot(3), snapshot(3), snapshot(5)])

    async def run() -> None:
        book = stream(outbox)
        book.start()
        book.on_update(update(5, 4))  # received before the cache shows it
        book.on_update(update(6, 5))
        await asyncio.sleep(0.2)
        book.on_update(update(8, 6))

    asyncio.run(run())

    assert kinds(outbox) == [("snapshot", 5, None), ("update", 6, 5), ("update", 8, 6)]


def test_with_no_update_buffered_the_snapshot_is_read_again_after_the_settle_time(cache) -> None:
    outbox = Outbox()
    cache.extend([snapshot(3), snapshot(4)])  # the update of seq 4 came before the join

    async def run() -> None:
        stream(outbox).start()
        await asyncio.sleep(0.2)

    asyncio.run(run())

    assert kinds(outbox) == [("snapshot", 4, None)]


def test_a_gap_while_live_sends_a_fresh_snapshot(cache) -> None:
    outbox = Outbox()
    cache.extend([snapshot(5)])

    async def run() -> None:
        book = stream(outbox, settle=0)
        book.start()
        await asyncio.sleep(0.05)
        book.on_update(update(6, 5))
        book.on_update(update(9, 8))  # 8 was dropped on the way
        cache[:] = [snapshot(9)]
        await asyncio.sleep(0.1)
        book.on_update(update(10, 9))

    asyncio.run(run())

    assert kinds(outbox) == [
        ("snapshot", 5, None),
        ("update", 6, 5),
        ("snapshot", 9, None),
        ("update", 10, 9),
    ]


def test_a_snapshot_that_never_lines_up_is_given_up(cache) -> None:
    outbox, gave_up = Outbox(), []
    cache.extend([snapshot(3)])

    async def run() -> None:
        book = stream(outbox, gave_up)
        book.start()
        book.on_update(update(7, 6))
        # its 20 tries take about 0.25 s; a loaded machine (another xdist worker) takes longer
        deadline = time.monotonic() + 5
        while not gave_up and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    asyncio.run(run())

    assert (outbox.sent, gave_up) == ([], ["BTC-USDT"])

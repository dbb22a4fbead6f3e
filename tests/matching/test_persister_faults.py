"""The persister through database faults (matching/service/persister.py): an outage is waited
out with the batch kept; a command the database refuses however often it is tried is found by
splitting, reported, and nothing after it is written; `busy()` tells the matcher to refuse
new orders while the database is too far behind."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, OperationalError

from matching.service import persister as persister_module
from matching.service.persister import Item, Persister, collect_rows


def item(seq: int) -> Item:
    return Item(seq, 0, {"op": "tick"}, [])


class Database:
    """A stand-in for write_items: records each write's seqs and fails as told."""

    def __init__(self) -> None:
        self.written: list[list[int]] = []
        self.attempts: list[list[int]] = []
        self.down = False
        self.refused_seq: int | None = None
        self.lock = threading.Lock()

    def write_items(self, shard_state_id: int, batch: list[Item]) -> int:
        seqs = [entry.seq for entry in batch]
        with self.lock:
            self.attempts.append(seqs)
        if self.down:
            raise OperationalError("connection refused")
        if self.refused_seq in seqs:
            raise IntegrityError(f"seq {self.refused_seq} violates a constraint")
        with self.lock:
            self.written.append(seqs)
        return seqs[-1]

    def seqs_written(self) -> list[int]:
        return [seq for batch in self.written for seq in batch]


@pytest.fixture
def database(monkeypatch) -> Database:
    fake = Database()
    monkeypatch.setattr(persister_module, "write_items", fake.write_items)
    monkeypatch.setattr(persister_module, "_record_stuck", lambda *args: None)
    monkeypatch.setattr(persister_module, "STUCK_RETRY_SECONDS", 0.05)
    return fake


def wait_for(condition, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_an_outage_keeps_the_batch_and_writes_it_once_the_database_is_back(database) -> None:
    database.down = True
    persister = Persister(1)
    persister.start()
    for seq in (1, 2, 3):
        persister.put(item(seq))
    assert wait_for(lambda: len(database.attempts) >= 2)
    assert persister.persisted_seq == 0 and persister.lag() == 3

    database.down = False

    assert persister.wait_idle(10)
    persister.stop()
    assert database.seqs_written() == [1, 2, 3]
    assert persister.stuck is None


def test_a_refused_command_is_found_by_splitting_and_nothing_after_it_is_written(
    database,
) -> None:
    database.refused_seq = 6
    persister = Persister(1)
    for seq in range(1, 11):
        persister.put(item(seq))  # queued before the thread starts: one batch of ten
    persister.start()

    assert wait_for(lambda: persister.stuck is not None)
    assert persister.stuck.seq == 6
    assert "IntegrityError" in persister.stuck.error
    time.sleep(0.2)  # retried meanwhile, and still nothing past it
    assert database.seqs_written() == [1, 2, 3, 4, 5]
    assert persister.persisted_seq == 5
    assert persister.busy()  # new orders are refused while it is stuck

    database.refused_seq = None  # an operator fixed the cause

    assert persister.wait_idle(10)
    persister.stop()
    assert database.seqs_written() == list(range(1, 11))
    assert persister.stuck is None and not persister.busy()


def test_busy_when_the_oldest_waiting_command_is_older_than_the_limit(database) -> None:
    database.down = True
    persister = Persister(1, max_lag_seconds=0.2)
    persister.start()
    persister.put(item(1))
    assert not persister.busy()

    assert wait_for(persister.busy, timeout=5)

    database.down = False
    assert persister.wait_idle(10)
    assert not persister.busy()
    persister.stop()


def test_busy_when_the_queue_is_full(database) -> None:
    database.down = True
    persister = Persister(1, max_queue=3)
    persister.start()
    for seq in (1, 2):
        persister.put(item(seq))
    assert not persister.busy()
    persister.put(item(3))
    assert persister.busy()
    database.down = False
    assert persister.wait_idle(10)
    persister.stop()


def test_stop_does_not_wait_for_ever_on_a_database_that_is_down(database) -> None:
    database.down = True
    persister = Persister(1)
    persister.start()
    persister.put(item(1))
    started = time.monotonic()
    persister.stop(timeout=0.3)
    assert not persister._thread.is_alive()
    assert time.monotonic() - started < 10
    assert persister.persisted_seq == 0  # it stays in the journal for the next start


def _transfer(seq: int, posted: bool) -> Item:
    command = {"op": "credit", "transfer_id": "t-1", "user": 7, "asset": "USDT", "amount": "5"}
    if posted:
        events = [{"kind": "posting", "asset": "USDT", "from_account": "@world",
                   "from_bucket": "available", "to_account": "7", "to_bucket": "available",
                   "amount": "5", "reason": "credit", "transfer_id": "t-1"}]  # fmt: skip
    else:
        events = [{"kind": "refused", "op": "credit", "ref": "t-1",
                   "reason": "duplicate_transfer"}]  # fmt: skip
    return Item(seq, 0, command, events)


def test_a_repeat_refused_as_a_duplicate_in_the_same_batch_leaves_the_transfer_done() -> None:
    rows = collect_rows([_transfer(1, posted=True), _transfer(2, posted=False)])

    status, reason, seq = rows.transfers["t-1"]
    assert (status, reason, seq) == ("done", "", 1)

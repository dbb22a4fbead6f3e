"""The persister gathers what comes within `gather_seconds` of its last write into the next
one (matching/persister.py): a steady trickle makes fewer, larger transactions."""

from __future__ import annotations

import threading

import pytest

from matching.service import persister as persister_module
from matching.service.persister import Item, Persister


@pytest.fixture
def batches(monkeypatch) -> list[list[int]]:
    written: list[list[int]] = []
    lock = threading.Lock()

    def write_items(shard_state_id, batch):
        with lock:
            written.append([item.seq for item in batch])
        return batch[-1].seq

    monkeypatch.setattr(persister_module, "write_items", write_items)
    return written


def item(seq: int) -> Item:
    return Item(seq, 0, {"op": "tick"}, [])


def test_commands_arriving_within_the_gather_time_go_in_one_write(batches):
    persister = Persister(1, gather_seconds=1.0)
    persister.start()
    persister.put(item(1))
    assert persister.wait_idle(5)  # the first is written at once
    for seq in (2, 3, 4):
        persister.put(item(seq))
    assert persister.wait_idle(5)
    persister.stop()
    assert batches == [[1], [2, 3, 4]]


def test_without_a_gather_time_each_write_takes_what_is_waiting(batches):
    persister = Persister(1)
    persister.start()
    for seq in (1, 2):
        persister.put(item(seq))
        assert persister.wait_idle(5)
    persister.stop()
    assert batches == [[1], [2]]


def test_a_put_of_several_commands_is_written_together_and_lags_until_all_are(batches):
    persister = Persister(1, max_batch=2)
    persister.put_many([item(1), item(2), item(3)])  # queued before the thread starts
    persister.put_many([])  # nothing: no entry in the queue, no lag
    assert persister.lag() == 3 and persister.lag_seconds() > 0
    persister.start()
    assert persister.wait_idle(5)
    persister.stop()
    assert batches == [[1, 2, 3]]  # one put is one write, even past max_batch
    assert persister.lag() == 0 and persister.lag_seconds() == 0.0


def test_the_lag_lasts_until_the_last_command_of_a_put_is_written():
    persister = Persister(1)
    persister.put_many([item(1), item(2)])
    persister._written(1)  # the database has the first only
    assert persister.lag() == 1 and persister.lag_seconds() > 0
    persister._written(2)
    assert persister.lag() == 0 and persister.lag_seconds() == 0.0

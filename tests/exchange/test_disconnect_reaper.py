"""The matcher's reaper (matching/service/disconnect_reaper.py) on its own: which recorded
orders it cancels (a dead web process's, of its own shard, user by user) and what it leaves
(a live process's, another shard's, those the matcher did not answer for)."""

from __future__ import annotations

import asyncio
import time

import pytest

from exchange.services.cancel_on_disconnect import DisconnectCancels
from exchange.services.disconnect_registry import MemoryRegistry, Recorded
from matching.service import disconnect_reaper

SHORT_MS, LONG_MS = 20, 60_000


class FakeCancels:
    """orders_cancel_on_disconnect's stand-in: each call remembered; the orders of
    `silent` unanswered, the rest cancelled."""

    def __init__(self, silent: set[int] = frozenset()) -> None:
        self.calls: list[tuple[int, list[int], str | None]] = []
        self.silent = silent

    async def __call__(self, *, user_id: int, order_ids: list[int], shard: str | None = None):
        self.calls.append((user_id, list(order_ids), shard))
        return DisconnectCancels(
            cancelled=[i for i in order_ids if i not in self.silent],
            unanswered=[i for i in order_ids if i in self.silent],
        )


@pytest.fixture
def cancels(monkeypatch) -> FakeCancels:
    fake = FakeCancels()
    monkeypatch.setattr(disconnect_reaper, "orders_cancel_on_disconnect", fake)
    return fake


def run(coroutine):
    return asyncio.run(coroutine)


def dead_registry(*processes: str) -> MemoryRegistry:
    """A registry in which `processes` stamped and then ran out."""
    registry = MemoryRegistry()
    for process in processes:
        run(registry.stamp(process, SHORT_MS))
    deadline = time.monotonic() + 5
    while set(run(registry.dead())) < set(processes):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return registry


def test_a_dead_process_has_its_orders_of_the_shard_cancelled_user_by_user(cancels) -> None:
    registry = dead_registry("web-1")
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 8, ""), Recorded(3, 7, "")]))

    cancelled = run(disconnect_reaper.reap("", registry))

    assert sorted(cancelled) == [1, 2, 3]
    assert sorted(cancels.calls) == [(7, [1, 3], ""), (8, [2], "")]
    assert run(registry.orders("web-1", "")) == []
    assert run(registry.dead()) == []


def test_a_live_process_keeps_its_orders(cancels) -> None:
    registry = MemoryRegistry()
    run(registry.stamp("web-1", LONG_MS))
    run(registry.record("web-1", [Recorded(1, 7, "")]))

    assert run(disconnect_reaper.reap("", registry)) == []
    assert cancels.calls == []
    assert run(registry.orders("web-1", "")) == [Recorded(1, 7, "")]


def test_another_shards_orders_are_left_to_its_matcher(cancels) -> None:
    registry = dead_registry("web-1")
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 7, "b")]))

    assert run(disconnect_reaper.reap("", registry)) == [1]
    assert run(registry.orders("web-1", "b")) == [Recorded(2, 7, "b")]
    assert run(registry.dead()) == ["web-1"]  # until shard b's reaper has been

    assert run(disconnect_reaper.reap("b", registry)) == [2]
    assert run(registry.dead()) == []


def test_orders_the_matcher_did_not_answer_for_are_tried_again(cancels) -> None:
    registry = dead_registry("web-1")
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 7, "")]))
    cancels.silent = {2}

    assert run(disconnect_reaper.reap("", registry)) == [1]
    assert run(registry.orders("web-1", "")) == [Recorded(2, 7, "")]

    cancels.silent = set()
    assert run(disconnect_reaper.reap("", registry)) == [2]
    assert run(registry.dead()) == []


def test_a_reaped_process_that_was_alive_hears_it(cancels) -> None:
    registry = dead_registry("web-1")
    run(registry.record("web-1", [Recorded(1, 7, "")]))
    run(disconnect_reaper.reap("", registry))

    assert run(registry.stamp("web-1", LONG_MS)) is False

"""The disconnect registry (exchange/services/disconnect_registry.py), both implementations:
stamps that run out, orders kept per shard, what a reaper and a closing socket leave."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest
import redis

from exchange.services.disconnect_registry import MemoryRegistry, Recorded
from exchange.services.disconnect_registry_redis import RedisRegistry

LONG_MS = 60_000
SHORT_MS = 50


@pytest.fixture(params=["memory", "redis"])
def registry(request):
    if request.param == "memory":
        yield MemoryRegistry()
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"test-cod-{secrets.token_hex(4)}:"  # nothing else's keys are touched
    yield RedisRegistry(LOCATION=url, PREFIX=prefix)
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def run(coroutine):
    return asyncio.run(coroutine)


def dead_within(registry, process: str, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process in run(registry.dead()):
            return True
        time.sleep(0.02)
    return False


def test_a_fresh_stamp_is_alive(registry) -> None:
    assert run(registry.stamp("web-1", LONG_MS)) is True
    assert "web-1" not in run(registry.dead())


def test_a_stamp_that_runs_out_is_dead(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.stamp("web-2", LONG_MS))

    assert dead_within(registry, "web-1")
    assert "web-2" not in run(registry.dead())


def test_a_new_stamp_brings_a_process_back(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    assert dead_within(registry, "web-1")

    run(registry.stamp("web-1", LONG_MS))

    assert "web-1" not in run(registry.dead())


def test_orders_are_read_per_shard(registry) -> None:
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 8, "b"), Recorded(3, 7, "")]))

    assert sorted(run(registry.orders("web-1", ""))) == [Recorded(1, 7, ""), Recorded(3, 7, "")]
    assert run(registry.orders("web-1", "b")) == [Recorded(2, 8, "b")]
    assert run(registry.orders("web-2", "")) == []


def test_forgotten_orders_are_no_longer_recorded(registry) -> None:
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 7, "")]))

    run(registry.forget("web-1", [1]))

    assert run(registry.orders("web-1", "")) == [Recorded(2, 7, "")]


def test_reaping_every_order_ends_the_process(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 7, "")]))
    assert dead_within(registry, "web-1")

    run(registry.reaped("web-1", [1, 2]))

    assert run(registry.orders("web-1", "")) == []
    assert "web-1" not in run(registry.dead())


def test_a_process_stays_dead_while_another_shard_has_its_orders(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.record("web-1", [Recorded(1, 7, ""), Recorded(2, 7, "b")]))
    assert dead_within(registry, "web-1")

    run(registry.reaped("web-1", [1]))

    assert "web-1" in run(registry.dead())
    assert run(registry.orders("web-1", "b")) == [Recorded(2, 7, "b")]


def test_a_dead_process_with_nothing_recorded_is_dropped(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    assert dead_within(registry, "web-1")

    run(registry.reaped("web-1", []))

    assert "web-1" not in run(registry.dead())


def test_a_process_taken_for_dead_hears_it_at_its_next_stamp(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.record("web-1", [Recorded(1, 7, "")]))
    assert dead_within(registry, "web-1")
    run(registry.reaped("web-1", [1]))

    assert run(registry.stamp("web-1", LONG_MS)) is False
    assert run(registry.stamp("web-1", LONG_MS)) is True


def test_retiring_with_nothing_recorded_drops_the_stamp(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))

    assert run(registry.retire("web-1")) is True

    time.sleep(SHORT_MS / 1000 * 2)  # past the TTL: it would be dead by now, had it stayed
    assert "web-1" not in run(registry.dead())


def test_retiring_with_orders_left_lets_the_stamp_run_out(registry) -> None:
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.record("web-1", [Recorded(1, 7, "")]))

    assert run(registry.retire("web-1")) is False

    assert dead_within(registry, "web-1")
    assert run(registry.orders("web-1", "")) == [Recorded(1, 7, "")]


def test_many_reaped_orders_go_at_once(registry) -> None:
    orders = [Recorded(n, 7, "") for n in range(1, 2501)]  # more than one script call's worth
    run(registry.stamp("web-1", SHORT_MS))
    run(registry.record("web-1", orders))
    assert dead_within(registry, "web-1")

    run(registry.reaped("web-1", [order.order_id for order in orders]))

    assert run(registry.orders("web-1", "")) == []
    assert "web-1" not in run(registry.dead())

"""With Redis (exchange/api/rate_redis.py) the limits are one window for every web process:
two replicas grant an ident the rate once, not twice; a lockout set by one holds in the
other; and while Redis does not answer, each process counts in its own memory."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
from django.test import Client

from exchange.api.rate_redis import RedisWindow
from exchange.api.rate_store import LIMITS


@pytest.fixture
def prefix(redis_url):
    """A key prefix of this test's own in the test Redis, emptied afterwards."""
    prefix = f"test-limits:{uuid.uuid4().hex}:"
    yield prefix
    RedisWindow(redis_url, prefix=prefix).clear()


def test_two_processes_share_one_window(redis_url, prefix) -> None:
    one, other = RedisWindow(redis_url, prefix=prefix), RedisWindow(redis_url, prefix=prefix)

    assert [one.check("ip:a", 3, 1.0), other.check("ip:a", 3, 1.0)] == [None, None]
    assert one.check("ip:a", 3, 1.0) is None
    wait = other.check("ip:a", 3, 1.0)

    assert wait is not None and 0 < wait <= 1.0
    assert other.check("ip:b", 3, 1.0) is None  # another ident has its own window


def test_a_lockout_set_in_one_process_holds_in_the_other_until_reset(redis_url, prefix) -> None:
    one, other = RedisWindow(redis_url, prefix=prefix), RedisWindow(redis_url, prefix=prefix)
    one.lock("login-lock:alice|203.0.113.9", 900)

    left = other.locked("login-lock:alice|203.0.113.9")

    assert left is not None and 899 < left <= 900
    assert other.locked("login-lock:bob|203.0.113.9") is None
    one.check("login-failures:x", 1, 900)
    other.reset("login-failures:x")
    assert one.check("login-failures:x", 1, 900) is None


def test_while_redis_does_not_answer_each_process_counts_in_memory() -> None:
    down = RedisWindow("redis://127.0.0.1:1/0", timeout=0.05)

    assert [down.check("ip:a", 2, 1.0) for _ in range(3)][:2] == [None, None]
    assert down.check("ip:a", 2, 1.0) is not None
    down.lock("k", 10)
    assert down.locked("k") is not None


@pytest.mark.django_db
def test_rest_requests_count_in_redis_when_it_is_the_store(redis_url, prefix, settings) -> None:
    settings.EXCHANGE_RATE_PER_IP = 2
    settings.EXCHANGE_RATE_STORE = {
        "BACKEND": "exchange.api.rate_redis.RedisWindow",
        "OPTIONS": {"location": redis_url, "prefix": prefix},
    }
    client = Client(REMOTE_ADDR="203.0.113.9")

    codes = [client.get("/api/v1/symbols").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert RedisWindow(redis_url, prefix=prefix).check("ip:203.0.113.9", 2, 1.0) is not None
    LIMITS.clear()


def test_the_loops_count_and_the_blocking_one_share_the_window(redis_url, prefix) -> None:
    one, other = RedisWindow(redis_url, prefix=prefix), RedisWindow(redis_url, prefix=prefix)

    async def together():  # the loop's two counts leave in one pipeline, counted apart
        return await asyncio.gather(*(one.acheck("key:7", 3, 1.0) for _ in range(2)))

    assert asyncio.run(together()) == [None, None]
    assert other.check("key:7", 3, 1.0) is None
    wait = asyncio.run(one.acheck("key:7", 3, 1.0))

    assert wait is not None and 0 < wait <= 1.0
    assert other.check("key:7", 3, 1.0) is not None
    assert asyncio.run(other.acheck("key:8", 3, 1.0)) is None


def test_the_loops_count_sends_its_script_again_after_redis_forgot_it(redis_url, prefix) -> None:
    window = RedisWindow(redis_url, prefix=prefix)
    redis.Redis.from_url(redis_url).script_flush()

    assert asyncio.run(window.acheck("key:9", 1, 1.0)) is None
    assert window.check("key:9", 1, 1.0) is not None  # the loop's count is in Redis


def test_the_loops_count_falls_back_to_memory_while_redis_does_not_answer() -> None:
    down = RedisWindow("redis://127.0.0.1:1/0", timeout=0.05)

    async def three():
        return [await down.acheck("ip:a", 2, 1.0) for _ in range(3)]

    first, second, third = asyncio.run(three())
    assert (first, second) == (None, None) and third is not None

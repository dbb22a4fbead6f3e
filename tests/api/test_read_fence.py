"""A read waits for the database to hold the user's acknowledged commands, at most
EXCHANGE_READ_WAIT_MS, then answers 503 service_busy rather than an older state
(exchange/services/read_fence.py); another user's reads do not wait for it."""

from __future__ import annotations

import time

import pytest
import redis
from asgiref.sync import async_to_sync

from exchange.models import MatcherState
from exchange.selectors.async_cache import cache_url, redis_cache
from exchange.services.read_fence import fence_raise
from tests import services

pytestmark = pytest.mark.django_db(transaction=True)  # the reads run on threads of their own

# A shard of these tests' own: what this process learnt of the default shard's persisted_seq
# in an earlier test (a straggling read of it) cannot let a read through here.
SHARD, NUMBER = "fenced", 77

READS = [
    "/api/v1/orders",
    "/api/v1/orders/12",
    "/api/v1/account/trades",
    "/api/v1/account/balances",
]


@pytest.mark.parametrize("path", READS)
def test_a_read_past_the_wait_is_503_and_another_user_s_is_not(
    path, settings, market, maker_client, taker_client
) -> None:
    settings.EXCHANGE_READ_WAIT_MS = 150
    MatcherState.objects.create(shard=SHARD, number=NUMBER, persisted_seq=40)
    async_to_sync(fence_raise)(user_id=maker_client.user.pk, shard=SHARD, seq=41)

    started = time.monotonic()
    response = maker_client.get(path)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_busy"
    assert response["Retry-After"] == "1"
    assert 0.1 <= time.monotonic() - started < 5
    assert taker_client.get(path).status_code in (200, 404)


def test_a_read_waits_until_the_database_has_the_command(market, maker_client) -> None:
    state = MatcherState.objects.create(shard=SHARD, number=NUMBER, persisted_seq=40)
    async_to_sync(fence_raise)(user_id=maker_client.user.pk, shard=SHARD, seq=40)
    async_to_sync(fence_raise)(user_id=maker_client.user.pk, shard=SHARD, seq=39)  # keeps the max

    assert maker_client.get("/api/v1/orders").status_code == 200  # 40 is in the database

    async_to_sync(fence_raise)(user_id=maker_client.user.pk, shard=SHARD, seq=42)
    state.persisted_seq = 42
    state.save()

    assert maker_client.get("/api/v1/orders").status_code == 200


def test_a_fence_is_raised_after_redis_forgot_its_script(settings, market, maker_client) -> None:
    """The fence's script goes by its digest; a Redis that restarted (or flushed its scripts)
    is sent it whole, and the fence still holds reads back."""
    cache = redis_cache()
    if cache is None:
        services.unavailable("Redis", "the cache is not Redis (REDIS_URL)")
    settings.EXCHANGE_READ_WAIT_MS = 150
    MatcherState.objects.create(shard=SHARD, number=NUMBER, persisted_seq=40)
    redis.Redis.from_url(cache_url(cache)).script_flush()

    async_to_sync(fence_raise)(user_id=maker_client.user.pk, shard=SHARD, seq=41)

    assert maker_client.get("/api/v1/orders").status_code == 503

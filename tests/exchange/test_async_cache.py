"""exchange/selectors/async_cache.py against the real Redis cache: what it writes, Django's
cache reads, and the reverse; sets asked for together all land, each with its own value."""

from __future__ import annotations

import asyncio

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from exchange.selectors.async_cache import cache_get, cache_set


@pytest.fixture
def redis_cache(redis_url):
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the cache is not Redis (REDIS_URL)")
    cache.clear()
    yield
    cache.clear()


def test_many_sets_in_one_turn_each_land_and_django_reads_them(redis_cache) -> None:
    async def scenario():
        await asyncio.gather(*(cache_set(f"k{n}", {"n": n}, 60) for n in range(50)))

    asyncio.run(scenario())
    assert [cache.get(f"k{n}") for n in range(50)] == [{"n": n} for n in range(50)]


def test_what_django_writes_is_read_on_the_loop(redis_cache) -> None:
    cache.set("from-django", {"a": [1, 2]}, 60)

    async def scenario():
        return await cache_get("from-django"), await cache_get("missing")

    assert asyncio.run(scenario()) == ({"a": [1, 2]}, None)


def test_a_later_set_of_the_same_key_wins(redis_cache) -> None:
    async def scenario():
        await asyncio.gather(cache_set("same", 1, 60), cache_set("same", 2, 60))
        await cache_set("same", 3, 60)
        return await cache_get("same")

    assert asyncio.run(scenario()) == 3

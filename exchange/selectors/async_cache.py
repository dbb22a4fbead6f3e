"""Reading and writing Django's Redis cache from the event loop, without a worker thread.

Django's `cache.aget` and `cache.aset` run the synchronous client on a thread: under load,
a thread hop per order. Here the same key and the same serialized value go through
redis-py's asyncio client (exchange/redis_turn.py: one per event loop, the commands of one
turn of the loop in one pipeline), so Django's `cache.get` and `cache.set` and these read
each other's entries. Any other cache backend (the embedded default's local memory) goes
through `cache.aget` and `cache.aset`.
"""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from exchange.redis_turn import in_turn


def redis_cache() -> RedisCache | None:
    """The default cache if it is one Redis server, else None."""
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) and len(cache._servers) == 1 else None


def cache_url(cache: RedisCache) -> str:
    return cache._servers[0]  # the LOCATION: one Redis server


async def cache_get(key: str) -> object | None:
    """`cache.get(key)`, awaited on this event loop."""
    cache = redis_cache()
    if cache is None:
        return await caches["default"].aget(key)
    raw_key = cache.make_and_validate_key(key)
    raw = await in_turn(cache_url(cache), lambda pipe: pipe.get(raw_key))
    return None if raw is None else cache._cache._serializer.loads(raw)


async def cache_set(key: str, value: object, timeout: int) -> None:
    """`cache.set(key, value, timeout)`, awaited on this event loop."""
    cache = redis_cache()
    if cache is None:
        await caches["default"].aset(key, value, timeout)
        return
    raw_key = cache.make_and_validate_key(key)
    data = cache._cache._serializer.dumps(value)
    await in_turn(cache_url(cache), lambda pipe: pipe.set(raw_key, data, ex=timeout))

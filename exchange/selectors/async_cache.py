"""Writing to Django's Redis cache from the event loop, without a worker thread.

Django's `cache.aset` runs the synchronous client on a thread: under load, a thread hop and
often a fresh Redis connection per order. Here the same key and the same serialized value go
through redis-py's asyncio client (one per event loop), so Django's `cache.get` reads them
as if `cache.set` had written them. Any other cache backend (the embedded default's
local memory) is written through `cache.aset` as before.
"""

from __future__ import annotations

import asyncio
import weakref

import redis.asyncio as aioredis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _client(cache: RedisCache) -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        url = cache._servers[0]  # the LOCATION: one Redis server
        client = _clients[loop] = aioredis.Redis.from_url(url, max_connections=1000)
    return client


async def cache_set(key: str, value: object, timeout: int) -> None:
    """`cache.set(key, value, timeout)`, awaited on this event loop."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache) or len(cache._servers) != 1:
        await cache.aset(key, value, timeout)
        return
    raw_key = cache.make_and_validate_key(key)
    await _client(cache).set(raw_key, cache._cache._serializer.dumps(value), ex=timeout)

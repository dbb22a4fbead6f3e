"""Reading and writing Django's Redis cache from the event loop, without a worker thread.

Django's `cache.aget` and `cache.aset` run the synchronous client on a thread: under load,
a thread hop per order. Here the same key and the same serialized value go
through redis-py's asyncio client (one per event loop), so Django's `cache.get` and
`cache.set` and these read each other's entries. Any other cache backend (the embedded
default's local memory) goes through `cache.aget` and `cache.aset`.
"""

from __future__ import annotations

import asyncio
import weakref

import redis.asyncio as aioredis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def redis_client(cache: RedisCache) -> aioredis.Redis:
    """This event loop's asyncio client of the Redis server behind `cache`."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        url = cache._servers[0]  # the LOCATION: one Redis server
        client = _clients[loop] = aioredis.Redis.from_url(url, max_connections=1000)
    return client


async def cache_get(key: str) -> object | None:
    """`cache.get(key)`, awaited on this event loop."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache) or len(cache._servers) != 1:
        return await cache.aget(key)
    raw = await redis_client(cache).get(cache.make_and_validate_key(key))
    return None if raw is None else cache._cache._serializer.loads(raw)


async def cache_set(key: str, value: object, timeout: int) -> None:
    """`cache.set(key, value, timeout)`, awaited on this event loop. The sets asked for in
    one turn of the loop (one per order answered) go to Redis in one pipeline."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache) or len(cache._servers) != 1:
        await cache.aset(key, value, timeout)
        return
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    queued = _queued.setdefault(loop, [])
    if not queued:
        loop.call_soon(_write_queued, loop, cache)
    raw_key = cache.make_and_validate_key(key)
    queued.append((raw_key, cache._cache._serializer.dumps(value), timeout, done))
    await done


_queued: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> sets to write


def _write_queued(loop: asyncio.AbstractEventLoop, cache: RedisCache) -> None:
    loop.create_task(_write(redis_client(cache), _queued.pop(loop, [])))


async def _write(client: aioredis.Redis, entries: list) -> None:
    try:
        pipe = client.pipeline(transaction=False)
        for raw_key, data, timeout, _ in entries:
            pipe.set(raw_key, data, ex=timeout)
        await pipe.execute()
    except Exception as error:  # Redis down: each caller hears of it, as from a plain set
        for *_, done in entries:
            if not done.done():
                done.set_exception(error)
        return
    for *_, done in entries:
        if not done.done():
            done.set_result(None)

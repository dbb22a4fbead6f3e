"""Redis from the event loop: one asyncio client per loop and server, and the commands asked
for in one turn of the loop sent in one pipeline.

An order request talks to Redis several times (its key's ended mark, its signature's claim,
the order's recent body, the user's read fence); each round trip costs about 100 µs of this
process's CPU in redis-py, more than the request's own work. Commands asked for together
(`asyncio.gather`) or by concurrent requests in the same turn of the loop leave in one
pipeline and share that cost. Each caller gets its own command's result, or its own error
(a command Redis refuses), or, if the server cannot be reached, the connection's error, as
from a plain call.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

from exchange.redis_connection import connection_options

MAX_CONNECTIONS = 1000

# loop -> {url: client}; loop -> {url: [(queue command, future)]}
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_queued: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def loop_client(url: str) -> aioredis.Redis:
    """This event loop's asyncio client of the Redis server at `url` (a client belongs to
    one loop)."""
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = aioredis.Redis.from_url(
            url, max_connections=MAX_CONNECTIONS, **connection_options(url)
        )
    return client


def in_turn(url: str, command: Callable[[Pipeline | aioredis.Redis], object]) -> asyncio.Future:
    """The result of `command(pipe)` (one command, e.g. `lambda pipe: pipe.get(key)`), sent
    to the server at `url` with the other commands of this turn of the loop: in a pipeline
    if there are others, else alone (a pipeline of one costs redis-py more than the
    command)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    queued = _queued.setdefault(loop, {})
    if not queued:
        loop.call_soon(_send_queued, loop)
    queued.setdefault(url, []).append((command, done))
    return done


def _send_queued(loop: asyncio.AbstractEventLoop) -> None:
    for url, entries in _queued.pop(loop, {}).items():
        loop.create_task(_send(loop_client(url), entries))


async def _send(client: aioredis.Redis, entries: list) -> None:
    try:
        if len(entries) == 1:
            results = [await _alone(client, entries[0][0])]
        else:
            pipe = client.pipeline(transaction=False)
            for command, _ in entries:
                command(pipe)
            results = await pipe.execute(raise_on_error=False)
    except Exception as error:  # the server away: each caller hears of it
        for _, done in entries:
            if not done.done():
                done.set_exception(error)
        return
    except BaseException:  # the loop closing: the callers are cancelled with it
        for _, done in entries:
            done.cancel()
        raise
    for result, (_, done) in zip(results, entries, strict=True):
        if done.done():
            continue
        if isinstance(result, Exception):
            done.set_exception(result)
        else:
            done.set_result(result)


async def _alone(client: aioredis.Redis, command: Callable) -> object:
    """The command's result, or the error Redis answered it with (as a pipeline gives it)."""
    try:
        return await command(client)
    except ResponseError as error:
        return error

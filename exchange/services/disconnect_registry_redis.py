"""The disconnect registry in Redis (exchange/services/disconnect_registry.py), shared by
every web process and matcher.

- `{prefix}stamps`: a sorted set, each stamping process scored with the time (ms, Redis's
  own clock, so the hosts' clocks do not matter) its stamp runs out;
- `{prefix}orders:{process}`: a hash, order id -> `[user, shard]` (JSON), of the orders the
  process's cancel-on-disconnect sockets placed; kept KEEP_RECORDS_SECONDS past the last
  stamp, so a dead process's records no matcher reaps (its shard gone) do not stay forever;
- `{prefix}reaped:{process}`: set when a reaper cancelled some of the process's orders, read
  (and deleted) by its next stamp.

Every call is one round trip (a command or a script), on redis-py's asyncio client of the
running event loop.
"""

from __future__ import annotations

import asyncio
import json
import weakref

import redis.asyncio as aioredis

from exchange.redis_connection import connection_options
from exchange.services.disconnect_registry import (
    KEEP_RECORDS_SECONDS,
    DisconnectRegistry,
    Recorded,
)

REAPED_CHUNK = 1000

# KEYS: stamps, orders, reaped; ARGV: process, ttl ms, keep seconds. 0 if it had been reaped.
_STAMP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('DEL', KEYS[3]) == 1 then return 0 end
return 1
"""

# KEYS: stamps, orders, reaped; ARGV: process. 1 if the stamp went.
_RETIRE = """
if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""

# KEYS: stamps. The processes whose stamp has run out.
_DEAD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
"""

# KEYS: stamps, orders, reaped; ARGV: process, keep seconds, order ids...
_REAPED = """
if #ARGV > 2 then
    redis.call('HDEL', KEYS[2], unpack(ARGV, 3))
    redis.call('SET', KEYS[3], 1, 'EX', ARGV[2])
end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
"""


class RedisRegistry(DisconnectRegistry):
    def __init__(self, LOCATION: str, PREFIX: str = "cod:") -> None:  # noqa: N803 -- settings'
        self.location = LOCATION
        self.prefix = PREFIX
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> client

    def _client(self) -> aioredis.Redis:
        """The running event loop's asyncio client (a client belongs to one loop)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = aioredis.Redis.from_url(
                self.location, **connection_options(self.location)
            )
        return client

    def _keys(self, process: str) -> list[str]:
        p = self.prefix
        return [f"{p}stamps", f"{p}orders:{process}", f"{p}reaped:{process}"]

    async def stamp(self, process: str, ttl_ms: int) -> bool:
        keys = self._keys(process)
        args = [process, ttl_ms, KEEP_RECORDS_SECONDS]
        return bool(await self._client().eval(_STAMP, len(keys), *keys, *args))

    async def record(self, process: str, orders: list[Recorded]) -> None:
        if orders:
            mapping = {o.order_id: json.dumps([o.user_id, o.shard]) for o in orders}
            await self._client().hset(self._keys(process)[1], mapping=mapping)

    async def forget(self, process: str, order_ids: list[int]) -> None:
        if order_ids:
            await self._client().hdel(self._keys(process)[1], *order_ids)

    async def retire(self, process: str) -> bool:
        keys = self._keys(process)
        return bool(await self._client().eval(_RETIRE, len(keys), *keys, process))

    async def dead(self) -> list[str]:
        found = await self._client().eval(_DEAD, 1, f"{self.prefix}stamps")
        return [process.decode() for process in found]

    async def orders(self, process: str, shard: str) -> list[Recorded]:
        found = []
        for order_id, value in (await self._client().hgetall(self._keys(process)[1])).items():
            user_id, its_shard = json.loads(value)
            if its_shard == shard:
                found.append(Recorded(int(order_id), user_id, its_shard))
        return found

    async def reaped(self, process: str, order_ids: list[int]) -> None:
        keys = self._keys(process)
        # in chunks: Lua's unpack takes a few thousand values at most
        chunks = [order_ids[i : i + REAPED_CHUNK] for i in range(0, len(order_ids), REAPED_CHUNK)]
        for chunk in chunks or [[]]:
            args = [process, KEEP_RECORDS_SECONDS, *chunk]
            await self._client().eval(_REAPED, len(keys), *keys, *args)

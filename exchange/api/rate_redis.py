"""Sliding-window rate limits and lockouts in Redis, shared by every web process.

The same rule as exchange/api/rate_window.py (at most N requests of an ident in any
`duration` seconds), so N replicas grant a key, a user or an address the rate once, not N
times. A window is a sorted set of request times (Redis's clock, `TIME`, so replicas'
clocks do not matter); one script call per check trims it, counts it and adds to it: one
round trip, atomic. A lock is a key with an expiry.

`check` is a blocking call (Django's threads, the login pages); `acheck` is the same count
from the event loop (the order fast path, the socket's order entry), sent with the other
Redis commands of the loop's turn in one pipeline (exchange/redis_turn.py), so a check
neither blocks the loop nor costs a round trip of its own under load. Both wait at most
`timeout` (0.25 s by default); while Redis does not answer, the checks fall back to this
process's memory, logged at most once a minute, and Redis is not asked again for
RETRY_AFTER seconds, so an outage of Redis degrades the limits to per process instead of
refusing everyone or stalling on each check.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time

import redis
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError
from redis.retry import Retry

from exchange.api.rate_window import SlidingWindow
from exchange.redis_turn import in_turn

log = logging.getLogger(__name__)

# KEYS[1] the window; ARGV: limit, duration (µs), a member unique to this request.
# Returns -1 when counted, else the µs until a request is allowed.
_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local duration = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(0, tonumber(oldest[2]) + duration - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(duration / 1000))
return -1
"""

LOG_EVERY = 60.0  # seconds between two logs of Redis not answering
RETRY_AFTER = 1.0  # seconds in memory after Redis did not answer, before asking it again


class RedisWindow:
    def __init__(self, location: str, prefix: str = "exchange:limits:", timeout: float = 0.25):
        self.prefix = prefix
        self.location = location
        self.timeout = timeout
        self.client = redis.Redis.from_url(  # one attempt: no retries to stall a check
            location,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._check = self.client.register_script(_CHECK)
        self.fallback = SlidingWindow()
        self._members = itertools.count()
        self._origin = f"{os.getpid()}-{id(self):x}"
        self._logged_at = float("-inf")
        self._down_until = float("-inf")

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _down(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + RETRY_AFTER
        if now - self._logged_at >= LOG_EVERY:
            self._logged_at = now
            log.warning("rate limits: Redis did not answer (%s); counting in memory", exc)

    def check(self, ident: str, limit: int, duration: float) -> float | None:
        """Counts a request of `ident`: None if within `limit` per `duration` seconds, else
        (counting nothing) the seconds until one is allowed."""
        if not self._up():
            return self.fallback.check(ident, limit, duration)
        member = f"{self._origin}-{next(self._members)}"
        try:
            wait = self._check(
                keys=[self.prefix + ident], args=[limit, int(duration * 1e6), member]
            )
        except redis.RedisError as exc:
            self._down(exc)
            return self.fallback.check(ident, limit, duration)
        return None if wait < 0 else wait / 1e6

    async def acheck(self, ident: str, limit: int, duration: float) -> float | None:
        """`check` from the event loop, in the loop turn's pipeline."""
        if not self._up():
            return self.fallback.check(ident, limit, duration)
        key = self.prefix + ident
        args = (limit, int(duration * 1e6), f"{self._origin}-{next(self._members)}")
        try:
            async with asyncio.timeout(self.timeout):
                try:
                    wait = await in_turn(
                        self.location, lambda pipe: pipe.evalsha(self._check.sha, 1, key, *args)
                    )
                except NoScriptError:  # a Redis restarted or flushed: the script sent whole
                    wait = await in_turn(
                        self.location, lambda pipe: pipe.eval(_CHECK, 1, key, *args)
                    )
        except (redis.RedisError, OSError, TimeoutError) as exc:
            self._down(exc)
            return self.fallback.check(ident, limit, duration)
        return None if wait < 0 else wait / 1e6

    def reset(self, ident: str) -> None:
        self.fallback.reset(ident)
        if not self._up():
            return
        try:
            self.client.delete(self.prefix + ident)
        except redis.RedisError as exc:
            self._down(exc)

    def lock(self, ident: str, seconds: float) -> None:
        if not self._up():
            return self.fallback.lock(ident, seconds)
        try:
            self.client.set(self.prefix + "lock:" + ident, 1, px=max(1, int(seconds * 1000)))
        except redis.RedisError as exc:
            self._down(exc)
            self.fallback.lock(ident, seconds)

    def locked(self, ident: str) -> float | None:
        """The seconds `ident` stays locked, or None if it is not."""
        if not self._up():
            return self.fallback.locked(ident)
        try:
            left = self.client.pttl(self.prefix + "lock:" + ident)
        except redis.RedisError as exc:
            self._down(exc)
            return self.fallback.locked(ident)
        return left / 1000 if left > 0 else self.fallback.locked(ident)

    def clear(self) -> None:
        """Forgets every window and lock under the prefix."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)
        self.fallback.clear()

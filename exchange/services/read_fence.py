"""Read your writes: a user's reads wait until the database holds every command of theirs
that the API acknowledged.

The matcher answers a command as soon as it is journaled; the persister writes its events to
the database a moment later (tens of ms), together with the shard's `persisted_seq`. So:

- after each acknowledged command, the API remembers the command's engine seq as the user's
  *fence* for that shard (`fence_raise`: the highest seq kept, in the cache, so every web
  process sees it);
- before a read of the user's own data from the database (orders, fills, balances),
  `fence_wait` waits until `persisted_seq` of each fenced shard has reached the fence,
  asking the database every few ms, for at most `EXCHANGE_READ_WAIT_MS`; past that it
  raises ReadBehind (503 service_busy: the database is too far behind to answer truly).

A user with no command in the last FENCE_SECONDS has no fence, and their reads wait for
nothing; nor does a read once this process has seen `persisted_seq` at or past the fence.
Reads are monotonic because `persisted_seq` only grows, and the single-order read takes the
newer of the database's row and the API's own answer (exchange/services/recent_orders.py).
Effects of other users' commands on this user's orders (a fill of a resting order) reach the
database as fast as the persister writes, well within a second.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time

from django.conf import settings
from redis.exceptions import NoScriptError

from exchange.errors import ReadBehind
from exchange.models import MatcherState
from exchange.redis_turn import in_turn
from exchange.selectors.async_cache import cache_url, redis_cache
from exchange.selectors.db_thread import db_read

FENCE_SECONDS = 600  # a fence outlives any plausible persister lag by far
FIRST_POLL_SECONDS = 0.002
MAX_POLL_SECONDS = 0.02

# KEYS[1]: the user's fence (a hash: shard -> seq); ARGV: shard, seq, expiry seconds.
_RAISE = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
"""
_RAISE_SHA = hashlib.sha1(_RAISE.encode()).hexdigest()  # as Redis names it

_lock = threading.Lock()
_local_fences: dict[int, tuple[float, dict[str, int]]] = {}  # user -> (expires at, fence)
_persisted_seen: dict[str, int] = {}  # shard -> the highest persisted_seq this process saw


def forget_fences() -> None:
    """Drops what this process holds (tests: each starts with a fresh database)."""
    with _lock:
        _local_fences.clear()
        _persisted_seen.clear()


def _fence_key(user_id: int) -> str:
    return f"fence:{user_id}"


async def fence_raise(*, user_id: int, shard: str, seq: int | None) -> None:
    """Remembers that the user's command at engine `seq` of `shard` was acknowledged."""
    if seq is None:
        return  # nothing journaled: nothing to wait for
    cache = redis_cache()
    if cache is not None:
        key, url = cache.make_and_validate_key(_fence_key(user_id)), cache_url(cache)
        args = (1, key, shard, seq, FENCE_SECONDS)
        try:  # the script by its digest, sent whole only when Redis does not know it
            await in_turn(url, lambda pipe: pipe.evalsha(_RAISE_SHA, *args))
        except NoScriptError:  # a Redis restarted or flushed
            await in_turn(url, lambda pipe: pipe.eval(_RAISE, *args))
        return
    with _lock:
        expires, fence = _local_fences.get(user_id, (0.0, {}))
        if expires < time.monotonic():
            fence = {}
        fence[shard] = max(fence.get(shard, 0), seq)
        _local_fences[user_id] = (time.monotonic() + FENCE_SECONDS, fence)


async def _fence_of(user_id: int) -> dict[str, int]:
    cache = redis_cache()
    if cache is not None:
        key = cache.make_and_validate_key(_fence_key(user_id))
        raw = await in_turn(cache_url(cache), lambda pipe: pipe.hgetall(key))
        return {shard.decode(): int(seq) for shard, seq in raw.items()}
    with _lock:
        expires, fence = _local_fences.get(user_id, (0.0, {}))
        return dict(fence) if expires >= time.monotonic() else {}


def _persisted(shards: list[str]) -> dict[str, int]:
    return dict(MatcherState.objects.filter(shard__in=shards).values_list("shard", "persisted_seq"))


def _behind(fence: dict[str, int]) -> list[str]:
    with _lock:
        return [shard for shard, seq in fence.items() if _persisted_seen.get(shard, 0) < seq]


async def fence_wait(user_id: int) -> None:
    """Returns once the database holds every acknowledged command of the user; raises
    ReadBehind after EXCHANGE_READ_WAIT_MS."""
    fence = await _fence_of(user_id)
    behind = _behind(fence)
    if not behind:
        return
    deadline = time.monotonic() + settings.EXCHANGE_READ_WAIT_MS / 1000
    pause = FIRST_POLL_SECONDS
    while True:
        persisted = await db_read(_persisted, behind)
        with _lock:
            for shard, seq in persisted.items():
                _persisted_seen[shard] = max(_persisted_seen.get(shard, 0), seq)
        behind = _behind(fence)
        if not behind:
            return
        if time.monotonic() + pause > deadline:
            raise ReadBehind()
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_POLL_SECONDS)

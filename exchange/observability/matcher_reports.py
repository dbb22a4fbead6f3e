"""The matchers' own figures, asked of each running matcher with the `metrics` control
command (they live in the matcher processes, not here). The answer is kept for
`EXCHANGE_MATCHER_REPORT_CACHE_SECONDS` (a second) in this process, so a flood of
`/api/v1/performance` or `/metrics` requests asks each matcher at most once a second."""

from __future__ import annotations

import asyncio

from django.conf import settings

from exchange.models.market import shards_in_use
from exchange.selectors.db_thread import db_read
from exchange.services.timed_cache import AsyncTimedCache
from matching.service import client

REPORT_TIMEOUT_MS = 2000
REPORTS: AsyncTimedCache[dict[str, dict | None]] = AsyncTimedCache(
    settings.EXCHANGE_MATCHER_REPORT_CACHE_SECONDS
)


async def _report(shard: str, timeout_ms: int) -> dict | None:
    try:
        reply = await client.call({"op": "metrics"}, shard=shard, timeout_ms=timeout_ms)
    except client.MatcherUnavailable:
        return None
    events = reply.get("events") or []
    return events[0] if events and events[0].get("kind") == "metrics" else None


async def matcher_reports(timeout_ms: int = REPORT_TIMEOUT_MS) -> dict[str, dict | None]:
    """`ask_matchers`, answered from this process's copy while it is under a second old."""
    return await REPORTS.aget(timeout_ms, lambda: ask_matchers(timeout_ms))


async def ask_matchers(timeout_ms: int = REPORT_TIMEOUT_MS) -> dict[str, dict | None]:
    """{shard: its `metrics` report, or None if it did not answer in `timeout_ms`}."""
    try:
        shards = await db_read(shards_in_use)
    except Exception:  # the database is down: the default matcher may still answer
        shards = [""]
    reports = await asyncio.gather(*(_report(shard, timeout_ms) for shard in shards))
    return dict(zip(shards, reports, strict=True))

"""The exchange's periodic work: which, and how often by default.

In production Celery beat runs it (schedules in the database, django-celery-beat); the
embedded exchange runs it on its own loop at the same intervals. Two kinds: commands sent to
the matcher (PERIODIC) and jobs that run a service (JOBS: the balance reconciliation and the
fee tier recompute).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.db import close_old_connections, connections

from accounts.reconciliation import balances_reconcile
from fees.tiers import tiers_recompute
from matching.service import client
from matching.service.funds_sync import FUNDS_SHARD

log = logging.getLogger(__name__)

# task name -> (the command it sends, default interval in seconds)
PERIODIC = {
    "matching.tasks.expiry_tick": ({"op": "tick"}, 1),
    "matching.tasks.snapshot": ({"op": "snapshot"}, 300),
}


async def _reconcile_balances() -> None:
    # Its database work gets a thread of its own, so a long comparison never holds up the
    # consumers' thread-sensitive calls; that thread's connection is closed before it ends.
    async with ThreadSensitiveContext():
        try:
            await balances_reconcile(shard=FUNDS_SHARD)
        finally:
            await sync_to_async(connections.close_all)()


def _recompute_tiers_now() -> None:
    # a thread of the default executor keeps its connection between runs a day apart
    close_old_connections()
    try:
        tiers_recompute()
    finally:
        close_old_connections()


async def _recompute_tiers() -> None:
    await asyncio.to_thread(_recompute_tiers_now)


# task name -> (what the embedded exchange runs in its place, default interval in seconds)
JOBS: dict[str, tuple[Callable[[], Awaitable[None]], float]] = {
    "accounts.tasks.reconcile_balances": (_reconcile_balances, 300),
    "fees.tasks.recompute_tiers": (_recompute_tiers, 86400),
}

PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


def intervals() -> dict[str, float]:
    """Each task's interval as the database schedule says (defaults where it has none)."""
    from django_celery_beat.models import PeriodicTask

    found = {name: float(seconds) for name, (_, seconds) in PERIODIC.items()}
    found.update({name: float(seconds) for name, (_, seconds) in JOBS.items()})
    for task in PeriodicTask.objects.filter(
        task__in=list(found), enabled=True, interval__isnull=False
    ).select_related("interval"):
        found[task.task] = task.interval.every * PERIOD_SECONDS[task.interval.period]
    return found


async def run_embedded(shards: list[str]) -> None:
    """Sends the periodic commands to the in-process matcher(s) and runs the jobs, forever."""
    every = await asyncio.to_thread(intervals)
    await asyncio.gather(
        *(_repeat(name, every[name], shards) for name in PERIODIC),
        *(_repeat_job(name, every[name]) for name in JOBS),
    )


async def _repeat(name: str, seconds: float, shards: list[str]) -> None:
    command = PERIODIC[name][0]
    while True:
        await asyncio.sleep(seconds)
        for shard in shards:
            try:
                await client.call(command, shard=shard, timeout_ms=int(seconds * 1000) or 1000)
            except client.MatcherUnavailable:
                log.warning("%s: the matcher %r did not answer", name, shard)
            except Exception:  # one failed send must not end the schedule
                log.exception("%s: sending to the matcher %r failed", name, shard)


async def _repeat_job(name: str, seconds: float) -> None:
    job = JOBS[name][0]
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:  # one failed run (a database hiccup) must not end the schedule
            log.exception("%s failed", name)

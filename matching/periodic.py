"""The matcher's periodic commands: which, and how often by default.

In production Celery beat sends them (schedules in the database, django-celery-beat); the
embedded exchange sends them from its own loop at the same intervals.
"""

from __future__ import annotations

import asyncio
import logging

from matching import client

log = logging.getLogger(__name__)

# task name -> (the command it sends, default interval in seconds)
PERIODIC = {
    "matching.tasks.expiry_tick": ({"op": "tick"}, 1),
    "matching.tasks.snapshot": ({"op": "snapshot"}, 300),
}


def intervals() -> dict[str, float]:
    """Each task's interval as the database schedule says (defaults where it has none)."""
    from django_celery_beat.models import PeriodicTask

    found = {name: float(seconds) for name, (_, seconds) in PERIODIC.items()}
    for task in PeriodicTask.objects.filter(
        task__in=PERIODIC, enabled=True, interval__isnull=False
    ):
        found[task.task] = (
            task.interval.every
            * {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}[
                task.interval.period
            ]
        )
    return found


async def run_embedded(shards: list[str]) -> None:
    """Sends the periodic commands to the in-process matcher(s) forever."""
    every = await asyncio.to_thread(intervals)
    await asyncio.gather(*(_repeat(name, every[name], shards) for name in PERIODIC))


async def _repeat(name: str, seconds: float, shards: list[str]) -> None:
    command = PERIODIC[name][0]
    while True:
        await asyncio.sleep(seconds)
        for shard in shards:
            try:
                await client.call(command, shard=shard, timeout_ms=int(seconds * 1000) or 1000)
            except client.MatcherUnavailable:
                log.warning("%s: the matcher %r did not answer", name, shard)

"""Celery tasks: thin senders of the matcher's periodic commands (matching/periodic.py)."""

from celery import shared_task

from exchange.models.market import shards_in_use
from matching.service import client
from matching.service.periodic import PERIODIC


def _send(task_name: str, timeout_ms: int) -> list[dict]:
    command = PERIODIC[task_name][0]
    return [client.call_sync(command, shard=s, timeout_ms=timeout_ms) for s in shards_in_use()]


@shared_task(name="matching.tasks.expiry_tick", ignore_result=True, expires=5)
def expiry_tick() -> None:
    """Moves the matchers' clocks so GTD/DAY orders expire on time while nothing else comes."""
    _send("matching.tasks.expiry_tick", 900)


@shared_task(name="matching.tasks.snapshot", ignore_result=True, expires=60)
def snapshot() -> None:
    """Asks each matcher to write a snapshot now."""
    _send("matching.tasks.snapshot", 30_000)

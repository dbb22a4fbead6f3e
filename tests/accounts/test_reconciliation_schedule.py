"""The reconciliation runs every 5 minutes: a thin Celery task on a beat schedule, and in the
embedded exchange on its own loop at the schedule's interval."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django_celery_beat.models import PeriodicTask

from accounts import tasks
from matching.service import periodic


def test_the_task_reconciles_the_funds_shard(monkeypatch) -> None:
    calls = []

    async def balances_reconcile(**options) -> list:
        calls.append(options)
        return []

    monkeypatch.setattr(tasks, "balances_reconcile", balances_reconcile)

    tasks.reconcile_balances.apply()

    assert calls == [{"shard": ""}]


@pytest.mark.django_db
def test_beat_runs_it_every_five_minutes() -> None:
    task = PeriodicTask.objects.get(task="accounts.tasks.reconcile_balances")

    assert task.enabled
    assert periodic.intervals()["accounts.tasks.reconcile_balances"] == 300


def test_the_embedded_exchange_runs_both_jobs_at_their_intervals(monkeypatch) -> None:
    ran: list[str] = []

    async def balances_reconcile(**options) -> list:
        ran.append("reconcile")
        return []

    def tiers_recompute(**options) -> dict:
        ran.append("tiers")
        return {}

    monkeypatch.setattr(periodic, "balances_reconcile", balances_reconcile)
    monkeypatch.setattr(periodic, "tiers_recompute", tiers_recompute)
    monkeypatch.setattr(periodic, "PERIODIC", {})
    monkeypatch.setattr(
        periodic,
        "intervals",
        lambda: {"accounts.tasks.reconcile_balances": 0.01, "fees.tasks.recompute_tiers": 0.05},
    )

    async def run_a_while() -> None:
        running = asyncio.ensure_future(periodic.run_embedded([""]))
        await asyncio.sleep(0.3)
        running.cancel()

    async_to_sync(run_a_while)()

    assert ran.count("reconcile") >= 5
    assert 2 <= ran.count("tiers") < ran.count("reconcile")


def test_a_failing_run_does_not_stop_the_schedule(monkeypatch) -> None:
    runs: list[int] = []

    async def balances_reconcile(**options) -> list:
        runs.append(1)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(periodic, "balances_reconcile", balances_reconcile)
    monkeypatch.setattr(periodic, "PERIODIC", {})
    monkeypatch.setattr(
        periodic,
        "intervals",
        lambda: {"accounts.tasks.reconcile_balances": 0.01, "fees.tasks.recompute_tiers": 60},
    )

    async def run_a_while() -> None:
        running = asyncio.ensure_future(periodic.run_embedded([""]))
        await asyncio.sleep(0.1)
        running.cancel()

    async_to_sync(run_a_while)()

    assert len(runs) >= 3

"""The daily Celery task only calls the recompute service, and beat runs it daily."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from fees import tasks
from matching.service.periodic import intervals


def test_the_task_runs_the_recompute(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(tasks, "tiers_recompute", lambda: calls.append(1) or {"created": 0})

    tasks.recompute_tiers.apply()

    assert calls == [1]


@pytest.mark.django_db
def test_beat_has_a_daily_schedule_for_it() -> None:
    task = PeriodicTask.objects.get(task="fees.tasks.recompute_tiers")

    assert task.enabled
    assert intervals()["fees.tasks.recompute_tiers"] == 86400


@pytest.mark.django_db
def test_the_embedded_exchange_follows_an_edited_schedule() -> None:
    task = PeriodicTask.objects.get(task="fees.tasks.recompute_tiers")
    task.interval.every, task.interval.period = 12, "hours"
    task.interval.save()

    assert intervals()["fees.tasks.recompute_tiers"] == 43200

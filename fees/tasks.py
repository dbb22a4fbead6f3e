"""Celery tasks of fees: thin callers of the services (the schedule is a beat row made by
fees/migrations/0003)."""

from celery import shared_task

from fees.tiers import tiers_recompute


@shared_task(name="fees.tasks.recompute_tiers", ignore_result=True, expires=3600)
def recompute_tiers() -> dict[str, int]:
    """Moves users between fee tiers by their 30-day volume (daily)."""
    return tiers_recompute()

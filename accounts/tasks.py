"""Celery tasks of accounts: thin callers of the services (the schedule is a beat row made by
accounts/migrations/0004)."""

from asgiref.sync import async_to_sync
from celery import shared_task

from accounts.reconciliation import balances_reconcile
from matching.service.funds_sync import FUNDS_SHARD


@shared_task(name="accounts.tasks.reconcile_balances", ignore_result=True, expires=300)
def reconcile_balances() -> int:
    """Compares the matcher's balances with the ledger and records differences as alerts;
    returns how many new alerts there are."""
    return len(async_to_sync(balances_reconcile)(shard=FUNDS_SHARD))

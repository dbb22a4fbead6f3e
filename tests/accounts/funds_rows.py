"""Ledger entries, balance rows and a fake matcher report for reconciliation tests."""

from __future__ import annotations

import itertools

from asgiref.sync import async_to_sync
from django.utils import timezone

from accounts.models import LedgerEntry
from accounts.reconciliation import balances_reconcile
from exchange.models import MatcherState
from matching.service import client

_positions = itertools.count()


def an_entry(
    seq: int, source: str, target: str, amount: str, asset: str = "USDT", **extra
) -> LedgerEntry:
    """`amount` moved from `source` to `target`, each "account/bucket"."""
    from_account, from_bucket = source.split("/")
    to_account, to_bucket = target.split("/")
    return LedgerEntry.objects.create(
        seq=seq,
        position=next(_positions),
        asset=asset,
        from_account=from_account,
        from_bucket=from_bucket,
        to_account=to_account,
        to_bucket=to_bucket,
        amount=amount,
        reason="deposit" if from_account == "@external" else "hold",
        at=timezone.now(),
        **extra,
    )


def persisted_up_to(seq: int, shard: str = "") -> None:
    MatcherState.objects.update_or_create(shard=shard, defaults={"number": 0, "persisted_seq": seq})


def matcher_reports(monkeypatch, seq: int, balances: list[list[str]]) -> list[dict]:
    """Makes the matcher answer `balances` with these rows at `seq`; returns the commands it
    was sent."""
    sent: list[dict] = []

    async def call(command: dict, *, shard: str = "", timeout_ms: int | None = None) -> dict:
        sent.append(command)
        return {"status": "done", "seq": None,
                "events": [{"kind": "balances", "seq": seq, "balances": balances}]}  # fmt: skip

    monkeypatch.setattr(client, "call", call)
    return sent


def reconcile(**options) -> list:
    return async_to_sync(balances_reconcile)(**options)

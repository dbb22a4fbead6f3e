"""Reconciling the matcher's balances with the database's, as a periodic job.

Each (account, asset) is compared three ways at one engine seq S: the matcher's own balances
(its `balances` control command answers with every balance at S), the ledger summed over
entries up to S, and the `Balance` rows the persister last wrote at or before S. Comparing
at one seq, after the persister has passed it, means trading can go on during the check and
a difference found is a real one, never a race. Differences become `ReconciliationAlert`s
for an admin to look into; the job itself never changes a balance.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from decimal import Decimal, localcontext

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

from accounts.models import EXTERNAL_ACCOUNT, Balance, LedgerEntry, ReconciliationAlert
from exchange.models import MatcherState
from exchange.models.exact_sql import ExactSum
from exchange.models.fields import EXACT, plain
from matching.service import client

log = logging.getLogger(__name__)

BUCKETS = ("available", "locked")
POLL_SECONDS = 0.05
DETAIL_LENGTH = 200  # ReconciliationAlert.detail's max_length

Key = tuple[str, str]  # (account, asset)
Amounts = tuple[Decimal, Decimal]  # (available, locked)
ZERO: Amounts = (Decimal(0), Decimal(0))


async def balances_reconcile(
    *, shard: str = "", wait_seconds: float = 10
) -> list[ReconciliationAlert]:
    """Compares the matcher of `shard` with the database and records each difference as an
    alert; returns the new alerts. A matcher that does not answer, or a persister that does
    not reach the matcher's seq within `wait_seconds`, skips this run (a warning, no alert):
    neither is a difference in balances, and the next run tries again."""
    report = await _matcher_report(shard, wait_seconds)
    if report is None:
        return []
    seq = int(report["seq"])
    if not await _persisted_up_to(shard, seq, wait_seconds):
        return []
    return await sync_to_async(balances_compare)(seq=seq, matcher=matcher_balances(report))


async def _matcher_report(shard: str, wait_seconds: float) -> dict | None:
    try:
        reply = await client.call(
            {"op": "balances"}, shard=shard, timeout_ms=max(int(wait_seconds * 1000), 1)
        )
    except client.MatcherUnavailable:
        log.warning("reconciliation skipped: the matcher %r did not answer", shard)
        return None
    events = reply.get("events") or []
    report = next((event for event in events if event.get("kind") == "balances"), None)
    if report is None:
        log.warning("reconciliation skipped: the matcher %r sent no balances: %r", shard, events)
    return report


async def _persisted_up_to(shard: str, seq: int, wait_seconds: float) -> bool:
    """Waits until the database holds everything up to `seq` (each read on a thread; the
    loop stays free between polls)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        persisted = await sync_to_async(persisted_seq)(shard)
        if persisted >= seq:
            return True
        if loop.time() >= deadline:
            log.warning(
                "reconciliation skipped: shard %r is persisted up to seq %s, not %s, after %ss",
                shard,
                persisted,
                seq,
                wait_seconds,
            )
            return False
        await asyncio.sleep(POLL_SECONDS)


def persisted_seq(shard: str) -> int:
    """How far the persister of `shard` has written (0 before its first write)."""
    found = MatcherState.objects.filter(shard=shard).values_list("persisted_seq", flat=True)
    return found.first() or 0


def matcher_balances(report: dict) -> dict[Key, Amounts]:
    """The `balances` event's rows by (account, asset). The world outside (`@external`)
    holds no balance to compare."""
    return {
        (str(account), asset): (Decimal(available), Decimal(locked))
        for account, asset, available, locked in report["balances"]
        if str(account) != EXTERNAL_ACCOUNT
    }


def ledger_balances(*, seq: int, in_database: bool = True) -> dict[Key, Amounts]:
    """Every account's balances after the entries up to `seq`: what flowed into each bucket
    minus what flowed out, summed per direction by the database (exactly, on SQLite too), or
    with `in_database` False row by row here, an independent check of the same sums."""
    totals: dict[Key, list[Decimal]] = {}
    entries = LedgerEntry.objects.filter(seq__lte=seq).order_by()
    with localcontext(EXACT):  # not the default 28 digits: an amount has up to 60
        for side, sign in (("to", 1), ("from", -1)):
            fields = (f"{side}_account", "asset", f"{side}_bucket")
            for account, asset, bucket, total in _sums(entries, fields, in_database):
                if account == EXTERNAL_ACCOUNT or bucket not in BUCKETS:
                    continue
                amounts = totals.setdefault((account, asset), [Decimal(0), Decimal(0)])
                amounts[BUCKETS.index(bucket)] += sign * total
    return {key: (available, locked) for key, (available, locked) in totals.items()}


def _sums(
    entries: QuerySet[LedgerEntry], fields: tuple[str, str, str], in_database: bool
) -> Iterable[tuple[str, str, str, Decimal]]:
    """(account, asset, bucket, Σ amount) grouped by `fields`: one grouped query, or the
    rows added up here one by one."""
    if in_database:
        sums = entries.values(*fields).annotate(total=ExactSum("amount"))
        yield from sums.values_list(*fields, "total")
        return
    totals: dict[tuple[str, str, str], Decimal] = {}
    for *key, amount in entries.values_list(*fields, "amount").iterator(chunk_size=5000):
        totals[tuple(key)] = totals.get(tuple(key), Decimal(0)) + amount
    for (account, asset, bucket), total in totals.items():
        yield account, asset, bucket, total


def balances_compare(*, seq: int, matcher: dict[Key, Amounts]) -> list[ReconciliationAlert]:
    """Records an alert for each (account, asset) whose matcher, ledger and Balance row
    values at `seq` are not all equal (a missing one counts as zero; a row written after
    `seq` cannot be compared and is left out). A difference already recorded by an
    unresolved alert with the same detail is not recorded again, so a lasting difference
    does not fill the admin with a copy every run."""
    ledger = ledger_balances(seq=seq)
    rows = {
        (row.account, row.asset): row
        for row in Balance.objects.exclude(account=EXTERNAL_ACCOUNT).order_by()
    }
    alerts = []
    for key in sorted(set(matcher) | set(ledger) | set(rows)):
        row = rows.get(key)
        alert = _difference(key, seq, matcher.get(key), ledger.get(key), row)
        if alert is not None:
            alerts.append(alert)
    open_details = set(
        ReconciliationAlert.objects.filter(resolved=False).values_list("account", "asset", "detail")
    )
    new = [a for a in alerts if (a.account, a.asset, a.detail) not in open_details]
    if new:
        ReconciliationAlert.objects.bulk_create(new)
        log.warning("reconciliation at seq %s: %s difference(s) recorded", seq, len(new))
    return new


def _difference(
    key: Key, seq: int, matcher: Amounts | None, ledger: Amounts | None, row: Balance | None
) -> ReconciliationAlert | None:
    stored: Amounts | None = ZERO if row is None else (row.available, row.locked)
    if row is not None and row.last_seq > seq:
        stored = None  # moved on since `seq`: nothing to compare
    in_matcher, in_ledger = matcher or ZERO, ledger or ZERO
    differs = []
    if in_matcher != in_ledger:
        differs.append("matcher vs ledger")
    if stored is not None and stored != in_ledger:
        differs.append("balance row vs ledger")
    if not differs:
        return None
    if row is None:
        row_text = "none"
    else:
        row_text = f"{'written later' if stored is None else _text(stored)} (seq {row.last_seq})"
    detail = (
        f"{', '.join(differs)} differ; available/locked: matcher {_text(matcher)}, "
        f"ledger {_text(ledger)}, balance row {row_text}"
    )
    account, asset = key
    return ReconciliationAlert(
        account=account,
        asset=asset,
        seq=seq,
        matcher_available=matcher[0] if matcher else None,
        matcher_locked=matcher[1] if matcher else None,
        ledger_available=ledger[0] if ledger else None,
        ledger_locked=ledger[1] if ledger else None,
        detail=detail[:DETAIL_LENGTH],
    )


def _text(amounts: Amounts | None) -> str:
    return "none" if amounts is None else f"{plain(amounts[0])}/{plain(amounts[1])}"


def alerts_resolve(*, alerts: QuerySet[ReconciliationAlert]) -> int:
    """Marks `alerts` resolved (an admin looked into them); returns how many changed."""
    return alerts.filter(resolved=False).update(resolved=True)

"""Comparing what a replay of the journal says happened with the rows the persister wrote:
trades, the ledger and orders' final state. Each function returns the first difference, or
None. Expected rows are the matcher's own event dicts (matching/service/event_format.py)."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import LedgerEntry
from exchange.models import Order, Trade
from exchange.models.matcher_state import ID_SPACE

# (database field, event field, how a value is compared)
TRADE_FIELDS = (
    ("market_id", "symbol", str),
    ("price", "price", Decimal),
    ("quantity", "quantity", Decimal),
    ("taker_side", "taker_side", str),
    ("maker_order_id", "maker_order_id", str),
    ("taker_order_id", "taker_order_id", str),
    ("maker_user_id", "maker_user", str),
    ("taker_user_id", "taker_user", str),
    ("maker_fee", "maker_fee", Decimal),
    ("taker_fee", "taker_fee", Decimal),
    ("fee_asset", "fee_asset", str),
)
LEDGER_FIELDS = (
    ("asset", "asset", str),
    ("from_account", "from_account", str),
    ("from_bucket", "from_bucket", str),
    ("to_account", "to_account", str),
    ("to_bucket", "to_bucket", str),
    ("amount", "amount", Decimal),
    ("reason", "reason", str),
    ("order_id", "order_id", str),
    ("trade_id", "trade_id", str),
    ("transfer_id", "transfer_id", str),
)


def _differences(row: dict, event: dict, fields) -> list[str]:
    found = []
    for column, name, kind in fields:
        stored, expected = row[column], event[name]
        same = (stored is None and expected is None) or (
            stored is not None and expected is not None and kind(stored) == kind(expected)
        )
        if not same:
            found.append(f"{column} {expected} in the journal, {stored} in the database")
    return found


def trades_problem(expected: dict[int, tuple[int, dict]], lo: int, hi: int, id_base: int):
    """`expected` {trade id: (seq, event)} are the trades of the commands lo < seq <= hi:
    the database's trades of the shard at those seqs must be these."""
    rows = Trade.objects.filter(seq__gt=lo, seq__lte=hi, id__gte=id_base, id__lt=id_base + ID_SPACE)
    stored = {row["id"]: row for row in rows.values("id", "seq", *(f for f, _, _ in TRADE_FIELDS))}
    for trade_id, (seq, event) in sorted(expected.items()):
        row = stored.pop(trade_id, None)
        if row is None:
            return f"trade {trade_id} (seq {seq}) is in the journal but not in the database"
        found = _differences(row, event, TRADE_FIELDS)
        if row["seq"] != seq:
            found.append(f"seq {seq} in the journal, {row['seq']} in the database")
        if found:
            return f"trade {trade_id} (seq {seq}): " + "; ".join(found)
    for trade_id, row in sorted(stored.items()):
        return f"trade {trade_id} (seq {row['seq']}) is in the database but not in the journal"
    return None


def ledger_problem(expected: dict[tuple[int, int], dict], lo: int, hi: int, extras: bool):
    """`expected` {(seq, position): posting event} are the postings of the commands
    lo < seq <= hi; with `extras`, the database may hold no other entries at those seqs
    (the shard's funds own the ledger)."""
    rows = LedgerEntry.objects.filter(seq__gt=lo, seq__lte=hi)
    if not extras:
        rows = rows.filter(seq__in=sorted({seq for seq, _ in expected}))
    columns = ("seq", "position", *(f for f, _, _ in LEDGER_FIELDS))
    stored = {(row["seq"], row["position"]): row for row in rows.values(*columns)}
    for key, event in sorted(expected.items()):
        row = stored.pop(key, None)
        if row is None:
            return f"ledger entry {key[0]}.{key[1]} is in the journal but not in the database"
        found = _differences(row, event, LEDGER_FIELDS)
        if found:
            return f"ledger entry {key[0]}.{key[1]}: " + "; ".join(found)
    for seq, position in sorted(stored):
        return f"ledger entry {seq}.{position} is in the database but not in the journal"
    return None


def orders_problem(
    expected: dict[int, tuple[int, dict]], lo: int, hi: int, id_base: int, chunk: int = 1000
):
    """`expected` {order id: (seq, event)} is each order's last change by the commands
    lo < seq <= hi: the database's orders must be in that state, and no other order of the
    shard may have changed at those seqs. Orders the database shows changed after `hi` are
    not compared (their state at `hi` is not kept)."""
    ids = sorted(expected)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        rows = Order.objects.filter(id__in=part).values(
            "id", "status", "quantity", "filled_quantity", "last_seq"
        )
        stored = {row["id"]: row for row in rows}
        for order_id in part:
            seq, event = expected[order_id]
            row = stored.get(order_id)
            if row is None:
                return f"order {order_id} (seq {seq}) is in the journal but not in the database"
            if row["last_seq"] > hi:
                continue
            found = []
            if row["last_seq"] != seq:
                found.append(f"last changed at seq {seq} in the journal, {row['last_seq']} in "
                             "the database")  # fmt: skip
            if row["status"] != event["status"]:
                found.append(f"status {event['status']} in the journal, {row['status']} in the "
                             "database")  # fmt: skip
            for column, name in (("quantity", "quantity"), ("filled_quantity", "filled_quantity")):
                if Decimal(row[column]) != Decimal(event[name]):
                    found.append(f"{column} {event[name]} in the journal, {row[column]} in the "
                                 "database")  # fmt: skip
            if found:
                return f"order {order_id}: " + "; ".join(found)
    others = Order.objects.filter(
        last_seq__gt=lo, last_seq__lte=hi, id__gte=id_base, id__lt=id_base + ID_SPACE
    ).order_by("id")
    for order_id, seq in others.values_list("id", "last_seq").iterator(chunk_size=chunk):
        if order_id not in expected:
            return f"order {order_id} changed at seq {seq} in the database, not in the journal"
    return None

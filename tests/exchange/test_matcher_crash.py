"""The matcher killed with kill -9 in the middle of a stream of orders, then restarted:
every acknowledged order and trade survives, the database holds each exactly once and agrees
with the journal, balances come back exactly (matcher, ledger and balance rows agree with a
full replay of the journal), and no command executes past its deadline."""

from __future__ import annotations

import asyncio
import shutil
import threading
from datetime import UTC
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync

from accounts.models import Balance, LedgerEntry
from exchange.models import MatcherState, Order, Trade
from matching.journal import segments
from matching.recovery import recover
from matching.service import client
from matching.service.matcher import shard_dirs
from matching.service.protocol import now_ms
from tests.exchange.matcher_helpers import TRADER_FUNDS, fund, placed_order, status, wait_for
from tests.exchange.processes import start_matcher

# a process killed: the matcher runs as `run_matcher`, on PostgreSQL and Redis
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_like")]

ORDERS = 300
KILL_AFTER_ACKS = 150
TIMEOUT_MS = 1000


def _command(index: int, users: tuple) -> dict:
    side = "sell" if index % 2 else "buy"
    offset = (index * 7) % 11 - 5  # prices around 100 so that many cross
    return {
        "op": "new",
        "user": users[index % 2].pk,
        "symbol": "BTC-USDT",
        "side": side,
        "type": "limit",
        "price": f"{100 + offset / 100:.2f}",
        "quantity": f"{1 + index % 3}",
        "client_order_id": f"o{index}",
    }


async def _flood(users: tuple, acked: dict, deadlines: dict, kill) -> None:
    gate = asyncio.Semaphore(16)

    async def one(index: int) -> None:
        async with gate:
            command = _command(index, users)
            deadlines[command["client_order_id"]] = now_ms() + TIMEOUT_MS + 100
            try:
                acked[command["client_order_id"]] = await client.call(
                    command, timeout_ms=TIMEOUT_MS
                )
            except client.MatcherUnavailable:
                return
            if len(acked) == KILL_AFTER_ACKS:
                kill()

    await asyncio.gather(*(one(index) for index in range(ORDERS)))


def _journal_history(data_dir, archive) -> tuple[dict, set, dict]:
    """Replays the whole journal, the segments the matcher archived (retention) included:
    final status of every stored order, all trade ids, and the engine."""
    statuses: dict = {}
    trades: set = set()

    def on_record(engine, seq, command, events) -> None:
        for event in events:
            if event[0] == "order" and not (
                event[5] == "rejected" and event[1] == command.get("id")
            ):
                statuses[event[1]] = (event[5], command.get("client_order_id"))
            elif event[0] == "trade":
                trades.add(event[1])

    journal_dir, snapshot_dir = shard_dirs(data_dir, "")
    whole = data_dir / "whole-journal"
    whole.mkdir()
    for segment in [*segments(archive), *segments(journal_dir)]:
        shutil.copy(segment, whole / segment.name)
    recovered = recover(whole, snapshot_dir, snapshot_at_most=0, on_record=on_record)
    return statuses, trades, recovered.engine


def _non_zero(pairs) -> dict:
    return {key: value for key, value in pairs if value != (0, 0)}


def _ledger_balances() -> dict:
    """Every account's balances summed from the double-entry ledger."""
    totals: dict = {}
    for entry in LedgerEntry.objects.all():
        for account, bucket, sign in (
            (entry.from_account, entry.from_bucket, -1),
            (entry.to_account, entry.to_bucket, 1),
        ):
            if account == "@external":
                continue
            available, locked = totals.get((account, entry.asset), (Decimal(0), Decimal(0)))
            if bucket == "available":
                available += sign * entry.amount
            else:
                locked += sign * entry.amount
            totals[(account, entry.asset)] = (available, locked)
    return totals


def test_kill_9_mid_stream_keeps_every_acknowledged_order_once(tmp_path, market, traders) -> None:
    data_dir = tmp_path / "data"
    archive = tmp_path / "archive"  # what retention takes from the journal goes here
    matcher = start_matcher(data_dir, EXCHANGE_JOURNAL_ARCHIVE_DIR=str(archive))
    wait_for(lambda: "BTC-USDT" in status()["markets"], "the market reaches the matcher")
    for trader in traders:
        fund(trader, TRADER_FUNDS)
    acked: dict = {}
    deadlines: dict = {}
    killed = threading.Event()

    def kill() -> None:
        matcher.kill()
        killed.set()

    async_to_sync(_flood)(traders, acked, deadlines, kill)
    assert killed.is_set() and KILL_AFTER_ACKS <= len(acked) < ORDERS

    restarted = start_matcher(data_dir, EXCHANGE_JOURNAL_ARCHIVE_DIR=str(archive))
    try:
        last_seq = status()["last_seq"]
        wait_for(
            lambda: MatcherState.objects.get(shard="").persisted_seq >= last_seq,
            "the database catches up",
        )
        reported = client.call_sync({"op": "balances"})["events"][0]
        assert restarted.terminate() == 0
    finally:
        restarted.stop()

    statuses, journal_trades, engine = _journal_history(data_dir, archive)
    # every acknowledged order and trade is in the recovered history and in the database once
    for reply in acked.values():
        placed = placed_order(reply)
        if placed["status"] != "rejected":
            assert placed["order_id"] in statuses
            assert Order.objects.filter(pk=placed["order_id"]).count() == 1
        for event in reply["events"]:
            if event["kind"] == "trade":
                assert event["trade_id"] in journal_trades
    # the database is exactly the journal's history: no gap, no duplicate
    assert set(Trade.objects.values_list("id", flat=True)) == journal_trades
    assert dict(Order.objects.values_list("id", "status")) == {
        order_id: status for order_id, (status, _) in statuses.items()
    }
    open_ids = set(
        Order.objects.filter(status__in=["new", "partially_filled"]).values_list("id", flat=True)
    )
    assert open_ids == set(engine.live)
    # balances: the restarted matcher, a full replay, the ledger and the balance rows agree
    replayed = _non_zero(
        ((str(account), asset), (Decimal(available).scaleb(-18), Decimal(locked).scaleb(-18)))
        for account, asset, available, locked in engine.all_balances()
    )
    assert (
        _non_zero(
            ((account, asset), (Decimal(available), Decimal(locked)))
            for account, asset, available, locked in reported["balances"]
        )
        == replayed
    )
    assert any(account == "@fees" for account, _ in replayed)  # trades happened and paid fees
    assert (
        _non_zero(((b.account, b.asset), (b.available, b.locked)) for b in Balance.objects.all())
        == replayed
    )
    assert _non_zero(_ledger_balances().items()) == replayed
    # no order was executed after its caller's deadline
    for order in Order.objects.all():
        executed_ms = int(order.created_at.astimezone(UTC).timestamp() * 1000)
        assert executed_ms <= deadlines[order.client_order_id], order.client_order_id

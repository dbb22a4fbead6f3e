"""The persister: writes the matcher's events to the database, in batches, in seq order.

It runs on its own thread in the matcher process, so the matcher never waits for the
database. Each batch is one transaction that also records the last seq written
(`MatcherState.persisted_seq`); rows are keyed by engine ids and sequence numbers and
inserted with ON CONFLICT, so writing an event twice changes nothing. After a crash the
matcher replays the journal from `persisted_seq` and hands those events here again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import close_old_connections, connection, transaction

from accounts.models import Balance, LedgerEntry, Transfer
from exchange.models import MatcherState, Order, OrderEvent, Trade
from matching.engine.domain import MARKET_STYLE_TYPES, REJECTED
from matching.rolling import LatencyWindow

log = logging.getLogger(__name__)

ORDER_STATE_FIELDS = ["status", "quantity", "filled_quantity", "updated_at", "last_seq"]
BALANCE_FIELDS = ["available", "locked", "last_seq"]
TRANSFER_OPS = ("credit", "debit")
_STOP = object()


@dataclass(frozen=True)
class Item:
    """One journaled command and its events (as `event_format.event_dict` makes them)."""

    seq: int
    ts: int
    command: dict
    events: list[dict]


def moment(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _placed_order(command: dict, event: dict, seq: int, at: datetime) -> Order:
    """The row of an order the `new` command `command` created."""
    order_type = command["type"]
    expire_at = command.get("expire_at")
    return Order(
        id=event["order_id"],
        user_id=event["user"],
        market_id=event["symbol"],
        client_order_id=command.get("client_order_id"),
        side=event["side"],
        type=order_type,
        time_in_force=command.get("tif") or ("IOC" if order_type in MARKET_STYLE_TYPES else "GTC"),
        price=_decimal(event["price"]),
        quote_quantity=_decimal(command.get("quote_quantity")),
        trigger_price=_decimal(command.get("trigger_price")),
        quantity=Decimal(event["quantity"]),
        display_quantity=_decimal(command.get("display_quantity")),
        post_only=command.get("post_only") is True,
        stp_mode=command.get("stp") or "cancel_resting",
        expire_at=moment(expire_at) if isinstance(expire_at, int) else None,
        status=event["status"],
        filled_quantity=Decimal(event["filled_quantity"]),
        created_at=at,
        updated_at=at,
        last_seq=seq,
    )


def write_items(shard_state_id: int, items: list[Item]) -> int:
    """Writes `items` (in seq order) in one transaction; returns the last seq written."""
    created: dict[int, Order] = {}
    changed: dict[int, Order] = {}
    history: list[OrderEvent] = []
    trades: list[Trade] = []
    ledger: list[LedgerEntry] = []
    balances: dict[tuple[str, str], Balance] = {}
    transfers: dict[str, tuple[str, str, int]] = {}
    for item in items:
        at = moment(item.ts)
        placed_id = item.command.get("id") if item.command.get("op") == "new" else None
        for position, event in enumerate(item.events):
            kind = event["kind"]
            if kind == "order":
                order_id = event["order_id"]
                if order_id == placed_id and event["status"] == REJECTED:
                    continue  # rejected on arrival: it never existed
                row = created.get(order_id) or changed.get(order_id)
                if row is None:
                    if order_id == placed_id:
                        row = created[order_id] = _placed_order(item.command, event, item.seq, at)
                    else:
                        row = changed[order_id] = Order(id=order_id)
                row.status = event["status"]
                row.quantity = Decimal(event["quantity"])  # a quote order's grows as it buys
                row.filled_quantity = Decimal(event["filled_quantity"])
                row.updated_at, row.last_seq = at, item.seq
                history.append(
                    OrderEvent(
                        order_id=order_id,
                        seq=item.seq,
                        position=position,
                        status=event["status"],
                        filled_quantity=row.filled_quantity,
                        at=at,
                    )
                )
            elif kind == "trade":
                trades.append(_trade(event, item.seq))
            elif kind == "posting":
                ledger.append(_ledger_entry(event, item.seq, position, at))
            elif kind == "balance":
                balance = _balance(event, item.seq)
                balances[(balance.account, balance.asset)] = balance
        if item.command.get("op") in TRANSFER_OPS:
            transfers[str(item.command.get("transfer_id"))] = _transfer_outcome(item)
    last_seq = items[-1].seq
    with transaction.atomic():
        if created:
            Order.objects.bulk_create(
                created.values(),
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=ORDER_STATE_FIELDS,
            )
        if changed:
            Order.objects.bulk_update(changed.values(), ORDER_STATE_FIELDS, batch_size=500)
        OrderEvent.objects.bulk_create(history, ignore_conflicts=True)
        Trade.objects.bulk_create(trades, ignore_conflicts=True)
        LedgerEntry.objects.bulk_create(ledger, ignore_conflicts=True)
        if balances:
            Balance.objects.bulk_create(
                balances.values(),
                update_conflicts=True,
                unique_fields=["account", "asset"],
                update_fields=BALANCE_FIELDS,
            )
        for transfer_id, (status, reason, seq) in transfers.items():
            # only a pending transfer changes: a repeat refused as a duplicate leaves it done
            Transfer.objects.filter(transfer_id=transfer_id, status=Transfer.Status.PENDING).update(
                status=status, reason=reason, seq=seq, done_at=moment(items[-1].ts)
            )
        MatcherState.objects.filter(pk=shard_state_id, persisted_seq__lt=last_seq).update(
            persisted_seq=last_seq
        )
    return last_seq


def _trade(event: dict, seq: int) -> Trade:
    return Trade(
        id=event["trade_id"],
        seq=seq,
        market_id=event["symbol"],
        price=Decimal(event["price"]),
        quantity=Decimal(event["quantity"]),
        taker_side=event["taker_side"],
        maker_order_id=event["maker_order_id"],
        taker_order_id=event["taker_order_id"],
        maker_user_id=event["maker_user"],
        taker_user_id=event["taker_user"],
        maker_fee=Decimal(event["maker_fee"]),
        taker_fee=Decimal(event["taker_fee"]),
        fee_asset=event["fee_asset"],
        executed_at=moment(event["ts"]),
    )


def _ledger_entry(event: dict, seq: int, position: int, at: datetime) -> LedgerEntry:
    transfer_id = event.get("transfer_id")
    return LedgerEntry(
        seq=seq,
        position=position,
        asset=event["asset"],
        from_account=str(event["from_account"]),
        from_bucket=event["from_bucket"],
        to_account=str(event["to_account"]),
        to_bucket=event["to_bucket"],
        amount=Decimal(event["amount"]),
        reason=event["reason"],
        order_id=event.get("order_id"),
        trade_id=event.get("trade_id"),
        transfer_id=None if transfer_id is None else str(transfer_id),
        at=at,
    )


def _balance(event: dict, seq: int) -> Balance:
    account = str(event["user"])
    return Balance(
        account=account,
        user_id=int(account) if account.isdigit() else None,
        asset=event["asset"],
        available=Decimal(event["available"]),
        locked=Decimal(event["locked"]),
        last_seq=seq,
    )


def _transfer_outcome(item: Item) -> tuple[str, str, int]:
    """(status, reason, seq) of a credit or debit command: done if it moved funds."""
    for event in item.events:
        if event["kind"] == "posting":
            return Transfer.Status.DONE, "", item.seq
    refusal = next((e for e in item.events if e["kind"] == "refused"), None)
    return Transfer.Status.REFUSED, refusal["reason"] if refusal else "unknown", item.seq


class Persister:
    """A thread that drains a queue of `Item`s into the database, batch by batch. A failed
    write is retried (with a pause) until it succeeds: events are never dropped."""

    def __init__(self, shard_state_id: int, *, max_batch: int = 5000) -> None:
        self.shard_state_id = shard_state_id
        self.max_batch = max_batch
        self.persisted_seq = 0
        self.queued_seq = 0
        self.failures = 0
        # how long each batch's oldest command waited to be written: the lag, over a minute
        self.delays = LatencyWindow()
        self._queued_at: deque[tuple[int, float]] = deque()  # (seq, when put), oldest first
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="persister", daemon=True)
        self._idle = threading.Condition()

    def start(self) -> None:
        self._thread.start()

    def put(self, item: Item) -> None:
        self.queued_seq = item.seq
        self._queued_at.append((item.seq, time.monotonic()))
        self._queue.put(item)

    def lag(self) -> int:
        """Commands journaled but not yet in the database."""
        return self.queued_seq - self.persisted_seq if self.queued_seq else 0

    def lag_seconds(self) -> float:
        """How long the oldest command not yet in the database has waited (0 if none)."""
        try:
            return time.monotonic() - self._queued_at[0][1]
        except IndexError:
            return 0.0

    def wait_idle(self, timeout: float) -> bool:
        """Waits until everything queued is written; True if it was."""
        with self._idle:
            return self._idle.wait_for(lambda: self.lag() <= 0, timeout)

    def stop(self, timeout: float = 30) -> None:
        """Writes what is queued, then ends the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is _STOP:
                break
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)
        close_old_connections()

    def _write(self, batch: list[Item]) -> None:
        pause = 0.1
        while True:
            try:
                written = write_items(self.shard_state_id, batch)
            except Exception:  # a database outage: keep the batch and try again
                self.failures += 1
                log.exception("persister: writing seq %s..%s failed", batch[0].seq, batch[-1].seq)
                connection.close()
                time.sleep(pause)
                pause = min(pause * 2, 5)
                continue
            self._written(written)
            return

    def _written(self, seq: int) -> None:
        queued_at = self._queued_at
        if queued_at and queued_at[0][0] <= seq:
            self.delays.record(time.monotonic() - queued_at[0][1])
            while queued_at and queued_at[0][0] <= seq:
                queued_at.popleft()
        with self._idle:
            self.persisted_seq = seq
            self._idle.notify_all()

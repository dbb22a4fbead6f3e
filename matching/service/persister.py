"""The persister: writes the matcher's events to the database, in batches, in seq order.

It runs on its own thread in the matcher process, so the matcher never waits for the
database. Each batch is one transaction that also records the last seq written
(`MatcherState.persisted_seq`); rows are keyed by engine ids and sequence numbers and
inserted with ON CONFLICT, so writing an event twice changes nothing. After a crash the
matcher replays the journal from `persisted_seq` and hands those events here again. The
same transaction folds the batch's new trades into the one-minute candle rollups
(`exchange.services.candle_rollups`) and keeps each market's latest announced status (a
circuit breaker's pause: `exchange.models.MarketStatus`, which `/api/v1/symbols` reads).

A batch's events become plain rows first (`collect_rows`). On PostgreSQL each table gets
them in one statement (`write_rows_sql`, with `persister_sql`), without a model instance per
row; other databases (the embedded SQLite) take them through the ORM (`write_rows_orm`).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)

from accounts.models import Balance, LedgerEntry, Transfer
from exchange.models import MarketStatus, MatcherState, Order, OrderEvent, Trade
from exchange.services.candle_rollups import add_trades
from matching.engine.amend import AMENDED
from matching.engine.domain import MARKET_STYLE_TYPES, REJECTED
from matching.service import persister_sql
from matching.service.rolling import LatencyWindow

log = logging.getLogger(__name__)

# an amend changes the price (and the quantity, as a quote order's fills do)
ORDER_STATE_FIELDS = ["status", "price", "quantity", "filled_quantity", "updated_at", "last_seq"]
BALANCE_FIELDS = ["available", "locked", "last_seq"]
TRANSFER_OUTCOME_FIELDS = ["status", "reason", "seq", "done_at"]
TRANSFER_OPS = ("credit", "debit")
_STOP = object()


class Item(NamedTuple):
    """One journaled command and its events (as `event_format.event_dict` makes them); a
    NamedTuple, which the matcher makes for each command at a third of a frozen dataclass's
    cost."""

    seq: int
    ts: int
    command: dict
    events: list[dict]


@functools.lru_cache(maxsize=1024)
def moment(ts_ms: int) -> datetime:
    """The aware datetime of an engine time in ms (cached: a batch's commands share a few)."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _placed_order(command: dict, event: dict, seq: int, at: datetime) -> dict:
    """The row of an order the `new` command `command` created."""
    order_type = command["type"]
    expire_at = command.get("expire_at")
    default_tif = "IOC" if order_type in MARKET_STYLE_TYPES else "GTC"
    return {
        "id": event["order_id"],
        "user_id": event["user"],
        "market_id": event["symbol"],
        "client_order_id": command.get("client_order_id"),
        "side": event["side"],
        "type": order_type,
        "time_in_force": command.get("tif") or default_tif,
        "price": _decimal(event["price"]),
        "quote_quantity": _decimal(command.get("quote_quantity")),
        "trigger_price": _decimal(command.get("trigger_price")),
        "quantity": Decimal(event["quantity"]),
        "display_quantity": _decimal(command.get("display_quantity")),
        "post_only": command.get("post_only") is True,
        "stp_mode": command.get("stp") or "cancel_resting",
        "expire_at": moment(expire_at) if isinstance(expire_at, int) else None,
        "status": event["status"],
        "filled_quantity": Decimal(event["filled_quantity"]),
        "created_at": at,
        "updated_at": at,
        "last_seq": seq,
    }


@dataclass
class Rows:
    """A batch's rows as plain values, each a dict of model field attnames (`user_id`, not
    `user`): what both writers write. An order appears once, in its latest state."""

    created: dict[int, dict] = field(default_factory=dict)  # orders placed in this batch
    changed: dict[int, dict] = field(default_factory=dict)  # earlier ones: id + state fields
    history: list[dict] = field(default_factory=list)  # OrderEvent
    trades: list[dict] = field(default_factory=list)
    ledger: list[dict] = field(default_factory=list)  # LedgerEntry
    balances: dict[tuple[str, str], dict] = field(default_factory=dict)  # the latest of each
    # transfer id -> (status, reason, seq) of its credit or debit command
    transfers: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    # order id -> the display quantity an amend gave it (ORDER events do not carry it)
    displays: dict[int, Decimal] = field(default_factory=dict)
    # symbol -> the latest status the engine announced for it (a breaker's pause, a halt)
    statuses: dict[str, dict] = field(default_factory=dict)
    last_seq: int = 0
    done_at: datetime | None = None  # when the batch's transfers are marked done or refused


def collect_rows(items: list[Item]) -> Rows:
    """The rows `items` (in seq order) write."""
    rows = Rows(last_seq=items[-1].seq, done_at=moment(items[-1].ts))
    balances: dict[tuple[str, str], tuple[dict, int]] = {}  # the latest event of each, its seq
    for item in items:
        at = moment(item.ts)
        placed_id = item.command.get("id") if item.command.get("op") == "new" else None
        for position, event in enumerate(item.events):
            kind = event["kind"]
            if kind == "order":
                _order_change(rows, item, placed_id, position, event, at)
            elif kind == "trade":
                rows.trades.append(_trade(event, item.seq))
            elif kind == "posting":
                rows.ledger.append(_ledger_entry(event, item.seq, position, at))
            elif kind == "balance":
                balances[(str(event["user"]), event["asset"])] = (event, item.seq)
            elif kind == "market_status":
                rows.statuses[event["symbol"]] = _market_status(event, item.seq)
        if item.command.get("op") in TRANSFER_OPS:
            # the first outcome of a transfer id is its outcome: a repeat is refused as a
            # duplicate_transfer, which must not overwrite an earlier `done`
            transfer_id = str(item.command.get("transfer_id"))
            rows.transfers.setdefault(transfer_id, _transfer_outcome(item))
    rows.balances = {key: _balance(event, seq) for key, (event, seq) in balances.items()}
    return rows


def _order_change(
    rows: Rows, item: Item, placed_id: object, position: int, event: dict, at: datetime
) -> None:
    """An ORDER event: the order's row takes its state, and its history one more row."""
    order_id = event["order_id"]
    if order_id == placed_id and event["status"] == REJECTED:
        return  # rejected on arrival: it never existed
    row = rows.created.get(order_id) or rows.changed.get(order_id)
    if row is None:
        if order_id == placed_id:
            row = rows.created[order_id] = _placed_order(item.command, event, item.seq, at)
        else:
            row = rows.changed[order_id] = {"id": order_id}
    row["status"] = event["status"]
    row["price"] = None if event["price"] is None else Decimal(event["price"])
    row["quantity"] = Decimal(event["quantity"])  # a quote order's grows as it buys
    display = item.command.get("display_quantity")
    if event.get("reason") == AMENDED and display is not None:
        rows.displays[order_id] = Decimal(display)
    row["filled_quantity"] = Decimal(event["filled_quantity"])
    row["updated_at"], row["last_seq"] = at, item.seq
    rows.history.append(
        {
            "order_id": order_id,
            "seq": item.seq,
            "position": position,
            "status": event["status"],
            "filled_quantity": row["filled_quantity"],
            "reason": event.get("reason") or "",  # the matcher's (event_format.change_reason)
            "at": at,
        }
    )


def write_items(shard_state_id: int, items: list[Item]) -> int:
    """Writes `items` (in seq order) in one transaction; returns the last seq written."""
    rows = collect_rows(items)
    with transaction.atomic():
        add_trades(rows.trades)  # before the insert, which leaves out trades already there
        if connection.vendor == "postgresql":
            write_rows_sql(rows)
        else:
            write_rows_orm(rows)
        if rows.statuses:
            write_market_statuses(rows)
        record_persisted(shard_state_id, rows.last_seq)
    return rows.last_seq


def record_persisted(shard_state_id: int, seq: int) -> None:
    """The shard's `MatcherState.persisted_seq` becomes `seq`, unless it is further already:
    one statement whose text is made once (the ORM compiled the same update for every batch,
    about a fifth of the persister's time under load)."""
    with connection.cursor() as cursor:
        cursor.execute(_persisted_sql(), [seq, shard_state_id, seq])


@functools.cache
def _persisted_sql() -> str:
    quote, meta = connection.ops.quote_name, MatcherState._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    column = quote(meta.get_field("persisted_seq").column)
    return f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} < %s"


def write_rows_sql(rows: Rows) -> None:
    """PostgreSQL: one statement per table, its rows sent as arrays (no model instances)."""
    with connection.cursor() as cursor:
        persister_sql.insert(
            cursor, Order, list(rows.created.values()), conflict=["id"], update=ORDER_STATE_FIELDS
        )
        persister_sql.update(cursor, Order, list(rows.changed.values()), "id", ORDER_STATE_FIELDS)
        write_displays(rows)
        persister_sql.insert(cursor, OrderEvent, rows.history)
        persister_sql.insert(cursor, Trade, rows.trades)
        persister_sql.insert(cursor, LedgerEntry, rows.ledger)
        persister_sql.insert(
            cursor,
            Balance,
            list(rows.balances.values()),
            conflict=["account", "asset"],
            update=BALANCE_FIELDS,
        )
        # only a pending transfer changes: a repeat refused as a duplicate leaves it done
        persister_sql.update(
            cursor,
            Transfer,
            _transfer_rows(rows),
            "transfer_id",
            TRANSFER_OUTCOME_FIELDS,
            only={"status": Transfer.Status.PENDING.value},
        )


def write_displays(rows: Rows) -> None:
    """The display quantities amends gave (rare: one statement each)."""
    for order_id, display in rows.displays.items():
        Order.objects.filter(id=order_id).update(display_quantity=display)


def write_market_statuses(rows: Rows) -> None:
    """Each market's latest announced status (rare: a few statements a change); a row
    written by a later seq already is left as it is."""
    for symbol, row in rows.statuses.items():
        values = {name: value for name, value in row.items() if name != "market_id"}
        updated = MarketStatus.objects.filter(market_id=symbol, seq__lt=row["seq"]).update(**values)
        if not updated:
            MarketStatus.objects.bulk_create([MarketStatus(**row)], ignore_conflicts=True)


def write_rows_orm(rows: Rows) -> None:
    """Any other database (the embedded SQLite): the ORM's bulk writes."""
    if rows.created:
        Order.objects.bulk_create(
            [Order(**row) for row in rows.created.values()],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=ORDER_STATE_FIELDS,
        )
    if rows.changed:
        Order.objects.bulk_update(
            [Order(**row) for row in rows.changed.values()], ORDER_STATE_FIELDS, batch_size=500
        )
    write_displays(rows)
    OrderEvent.objects.bulk_create(
        [OrderEvent(**row) for row in rows.history], ignore_conflicts=True
    )
    Trade.objects.bulk_create([Trade(**row) for row in rows.trades], ignore_conflicts=True)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(**row) for row in rows.ledger], ignore_conflicts=True
    )
    if rows.balances:
        Balance.objects.bulk_create(
            [Balance(**row) for row in rows.balances.values()],
            update_conflicts=True,
            unique_fields=["account", "asset"],
            update_fields=BALANCE_FIELDS,
        )
    for row in _transfer_rows(rows):
        # only a pending transfer changes: a repeat refused as a duplicate leaves it done
        Transfer.objects.filter(
            transfer_id=row.pop("transfer_id"), status=Transfer.Status.PENDING
        ).update(**row)


def _transfer_rows(rows: Rows) -> list[dict]:
    """The outcome of each credit and debit (`TRANSFER_OUTCOME_FIELDS`), by transfer id."""
    return [
        {
            "transfer_id": transfer_id,
            "status": status,
            "reason": reason,
            "seq": seq,
            "done_at": rows.done_at,
        }
        for transfer_id, (status, reason, seq) in rows.transfers.items()
    ]


def _trade(event: dict, seq: int) -> dict:
    return {
        "id": event["trade_id"],
        "seq": seq,
        "market_id": event["symbol"],
        "price": Decimal(event["price"]),
        "quantity": Decimal(event["quantity"]),
        "taker_side": event["taker_side"],
        "maker_order_id": event["maker_order_id"],
        "taker_order_id": event["taker_order_id"],
        "maker_user_id": event["maker_user"],
        "taker_user_id": event["taker_user"],
        "maker_fee": Decimal(event["maker_fee"]),
        "taker_fee": Decimal(event["taker_fee"]),
        "fee_asset": event["fee_asset"],
        "executed_at": moment(event["ts"]),
    }


def _ledger_entry(event: dict, seq: int, position: int, at: datetime) -> dict:
    transfer_id = event.get("transfer_id")
    return {
        "seq": seq,
        "position": position,
        "asset": event["asset"],
        "from_account": str(event["from_account"]),
        "from_bucket": event["from_bucket"],
        "to_account": str(event["to_account"]),
        "to_bucket": event["to_bucket"],
        "amount": Decimal(event["amount"]),
        "reason": event["reason"],
        "order_id": event.get("order_id"),
        "trade_id": event.get("trade_id"),
        "transfer_id": None if transfer_id is None else str(transfer_id),
        "at": at,
    }


def _balance(event: dict, seq: int) -> dict:
    account = str(event["user"])
    return {
        "account": account,
        "user_id": int(account) if account.isdigit() else None,
        "asset": event["asset"],
        "available": Decimal(event["available"]),
        "locked": Decimal(event["locked"]),
        "last_seq": seq,
    }


def _market_status(event: dict, seq: int) -> dict:
    resumes_at = event["resumes_at"]
    return {
        "market_id": event["symbol"],
        "status": event["status"],
        "reason": event["status_reason"] or "",
        "resumes_at": None if resumes_at is None else moment(resumes_at),
        "seq": seq,
    }


def _transfer_outcome(item: Item) -> tuple[str, str, int]:
    """(status, reason, seq) of a credit or debit command: done if it moved funds."""
    for event in item.events:
        if event["kind"] == "posting":
            return Transfer.Status.DONE.value, "", item.seq
    refusal = next((e for e in item.events if e["kind"] == "refused"), None)
    return Transfer.Status.REFUSED.value, refusal["reason"] if refusal else "unknown", item.seq


# A write that fails this many times in a row for a reason other than a lost connection is
# split in halves, down to the one command at fault.
SPLIT_AFTER = 3
# The one command at fault is tried again this often (an operator may have fixed its cause).
STUCK_RETRY_SECONDS = 10.0
# Errors of a database that is unreachable or restarting: the batch is fine, wait and retry.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Stuck:
    """A command the database refuses, however often it is tried: persistence stops there."""

    seq: int
    error: str


class Persister:
    """A thread that drains a queue of `Item`s into the database, batch by batch.

    Nothing is ever dropped: a write that fails because the database is unreachable is
    retried with a growing pause (at most 5 s) until it succeeds. A write that fails
    `SPLIT_AFTER` times in a row for another reason is split in halves until the one command
    at fault is found; that command is reported (`stuck`, an error in the log and on the
    shard's MatcherState row, which the admin and the health check show) and tried again
    every `STUCK_RETRY_SECONDS`, and nothing after it is written meanwhile, so rows are never
    written out of order.

    The queue is bounded by admission, not by blocking: `busy()` says when the matcher must
    refuse new orders (`service_busy`), because the database is more than `max_lag_seconds`
    behind or `max_queue` commands are waiting. Cancels and other commands are still taken;
    they are few, bounded by the orders that rest."""

    def __init__(
        self,
        shard_state_id: int,
        *,
        max_batch: int = 5000,
        gather_seconds: float = 0.0,
        max_lag_seconds: float = 30.0,
        max_queue: int = 200_000,
    ) -> None:
        self.shard_state_id = shard_state_id
        self.max_batch = max_batch
        # a write waits until this long after the previous one began, gathering what comes
        # meanwhile: under a steady trickle, fewer and larger transactions (each has a fixed
        # cost, in the database and in the matcher's process, whose loop shares the GIL)
        self.gather_seconds = gather_seconds
        self.max_lag_seconds = max_lag_seconds
        self.max_queue = max_queue
        self.persisted_seq = 0
        self.queued_seq = 0
        self.failures = 0
        self.stuck: Stuck | None = None
        # how long each batch's oldest command waited to be written: the lag, over a minute
        self.delays = LatencyWindow()
        # (the last seq of a put, when put), oldest first
        self._queued_at: deque[tuple[int, float]] = deque()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # lists of items, and _STOP
        self._thread = threading.Thread(target=self._run, name="persister", daemon=True)
        self._idle = threading.Condition()
        self._stopping = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def put(self, item: Item) -> None:
        self.put_many([item])

    def put_many(self, items: list[Item]) -> None:
        """Queues commands, in seq order, at once (the matcher's batch: one queue entry)."""
        if items:
            self.queued_seq = items[-1].seq
            self._queued_at.append((items[-1].seq, time.monotonic()))
            self._queue.put(items)

    def lag(self) -> int:
        """Commands journaled but not yet in the database."""
        return self.queued_seq - self.persisted_seq if self.queued_seq else 0

    def lag_seconds(self) -> float:
        """How long the oldest command not yet in the database has waited (0 if none)."""
        try:
            return time.monotonic() - self._queued_at[0][1]
        except IndexError:
            return 0.0

    def busy(self) -> bool:
        """Whether new orders must be refused: the database too far behind, or stuck."""
        return (
            self.stuck is not None
            or self.lag() >= self.max_queue
            or self.lag_seconds() > self.max_lag_seconds
        )

    def wait_idle(self, timeout: float) -> bool:
        """Waits until everything queued is written; True if it was."""
        with self._idle:
            return self._idle.wait_for(lambda: self.lag() <= 0, timeout)

    def stop(self, timeout: float = 30) -> None:
        """Writes what is queued (trying for at most `timeout` seconds: what is left is in
        the journal, and the next start writes it), then ends the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._stopping.set()
        self._thread.join(10)

    def _run(self) -> None:
        stopping = False
        began = 0.0
        while not stopping:
            items = self._queue.get()
            if items is _STOP:
                break
            wait = began + self.gather_seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            began = time.monotonic()
            batch = list(items)
            while len(batch) < self.max_batch:  # may pass it by one put's items
                try:
                    items = self._queue.get_nowait()
                except queue.Empty:
                    break
                if items is _STOP:
                    stopping = True
                    break
                batch += items
            if not self._write(batch):
                break
        close_old_connections()

    def _write(self, batch: list[Item]) -> bool:
        """Writes `batch`, however long it takes; False if the persister was stopped first."""
        pause, failures = 0.1, 0
        while not self._stopping.is_set():
            try:
                written = write_items(self.shard_state_id, batch)
            except OUTAGE_ERRORS:  # the database is away: keep the batch and try again
                self.failures += 1
                log.warning(
                    "persister: the database is unreachable (seq %s..%s waits)",
                    batch[0].seq,
                    batch[-1].seq,
                    exc_info=True,
                )
            except Exception as error:
                self.failures += 1
                failures += 1
                log.exception("persister: writing seq %s..%s failed", batch[0].seq, batch[-1].seq)
                if failures >= SPLIT_AFTER and len(batch) > 1:
                    half = len(batch) // 2
                    return self._write(batch[:half]) and self._write(batch[half:])
                if failures >= SPLIT_AFTER:
                    self._report_stuck(batch[0], error)
            else:
                self._written(written)
                if self.stuck is not None:
                    log.warning("persister: seq %s is written at last; going on", self.stuck.seq)
                    self.stuck = None
                    _record_stuck(self.shard_state_id, None)
                return True
            connection.close()
            self._stopping.wait(STUCK_RETRY_SECONDS if self.stuck else pause)
            pause = min(pause * 2, 5)
        return False

    def _report_stuck(self, item: Item, error: Exception) -> None:
        if self.stuck is None or self.stuck.seq != item.seq:
            self.stuck = Stuck(item.seq, f"{type(error).__name__}: {error}"[:1000])
            log.error(
                "persister: the database refuses seq %s (%s); persistence stops there until "
                "it is written (the command is in the journal)",
                item.seq,
                self.stuck.error,
            )
            _record_stuck(self.shard_state_id, self.stuck)

    def _written(self, seq: int) -> None:
        queued_at = self._queued_at
        if queued_at and queued_at[0][0] <= seq:
            self.delays.record(time.monotonic() - queued_at[0][1])
            while queued_at and queued_at[0][0] <= seq:
                queued_at.popleft()
        with self._idle:
            self.persisted_seq = seq
            self._idle.notify_all()


def _record_stuck(shard_state_id: int, stuck: Stuck | None) -> None:
    """Shows (or clears) the command at fault on the shard's row, for the admin."""
    try:
        MatcherState.objects.filter(pk=shard_state_id).update(
            persist_error="" if stuck is None else f"seq {stuck.seq}: {stuck.error}",
        )
    except Exception:  # the database refuses this too: the log and the health check say it
        log.exception("persister: could not record the stuck command")
        connection.close()

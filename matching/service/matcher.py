"""The matcher: the one process (per shard) that owns the books.

It takes commands from its Channels channel, runs them through the engine one at a time,
appends them to the journal, commits the batch (one fsync), and only then answers the
callers, publishes the events to the groups and hands them to the persister. Commands read
past their deadline are dropped and counted, never executed. Every piece of work that
touches the engine runs on the one coroutine `_serve`, so the engine needs no lock.

Faults of what is around it do not stop it:
- its background tasks (`_receive`, `_tick`) are supervised: an error (Redis restarting, the
  database away) is logged and the task starts again after a pause growing to 5 s; a task
  that ends any other way stops the matcher with an error, so its supervisor restarts it
  and recovery runs;
- a journal write that fails (a full disk) is retried until it succeeds, and nothing of the
  batch is answered before: callers time out (503, outcome unknown) and the health check
  says the matcher is stalled;
- new orders are refused (`service_busy`) while the persister is too far behind or stuck
  (persister.py); cancels are still taken.
The heartbeat (`_status`, every second) says how long ago the receive loop last heard from
the transport and the serving loop last finished a batch, which `/api/v1/health` checks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import orjson
from django.core.cache import cache

from exchange.api.formatting import iso_from_ms
from exchange.selectors.db_thread import closing_on_error
from exchange.services.read_fence import fence_raise
from matching.engine import Engine
from matching.engine.events import (
    CONFIGURED,
    MARKET_STATUS,
    ORDER,
    REFUSED,
    TRADE,
    OrderUpdate,
    Trade,
    as_record,
)
from matching.journal import JournalWriter, prune_segments
from matching.recovery import recover
from matching.service import config_sync, disconnect_reaper, funds_sync, protocol, snapshot_child
from matching.service.book_feed import BookFeed
from matching.service.client_id_retention import ClientIdRetention
from matching.service.event_format import command_events, event_dict
from matching.service.matcher_db import record_config_results, save_heartbeat, shard_state
from matching.service.metrics import ORDER_OPS, MatcherMetrics
from matching.service.persister import Item, Persister
from matching.service.transport import Transport, get_transport
from matching.snapshots import (
    SnapshotPolicy,
    prune_snapshots,
    snapshot_files,
    snapshot_seq,
    write_snapshot,
)

log = logging.getLogger(__name__)

MAX_BATCH = 2000
# reasons of order changes no command of the user's made, whose reads must show them at once
FENCED_REASONS = frozenset(("cancel_after", "admin"))
FLUSH_SECONDS = 0.05  # the L2 cache is refreshed at most this often while a book changes
SYNC_SECONDS = 1.0  # configuration compared with the database this often
SNAPSHOT_CHILD_SECONDS = 120.0  # a snapshot child running longer is killed (a stuck disk)
BOOKS_REWRITE_SECONDS = 5.0  # every book's cache entry rewritten this often (a Redis restart)
RECEIVE_WAIT_SECONDS = 1.0  # the receive loop hears from the transport at least this often
MAX_PAUSE_SECONDS = 5.0  # the longest wait before a failed task or journal write is retried
CONFIG_OPS = frozenset(("symbol", "market", "fees"))
_STOP = {"type": "matcher.internal", "kind": "stop"}
_FLUSH = {"type": "matcher.internal", "kind": "flush"}
_TICK = {"op": "tick"}


def shard_dirs(data_dir: Path, shard: str) -> tuple[Path, Path]:
    """The journal and snapshot directories of `shard` under the data directory."""
    suffix = f"-{shard}" if shard else ""
    return data_dir / f"journal{suffix}", data_dir / f"snapshots{suffix}"


@dataclass
class Stats:
    commands: int = 0
    dropped_late: int = 0
    batches: int = 0
    started_at: float = field(default_factory=time.time)


class Matcher:
    def __init__(
        self,
        *,
        data_dir: Path,
        shard: str = "",
        fsync: str = "always",
        snapshot_every_trades: int = 1000,
        snapshot_every_seconds: float = 300,
        snapshot_min_seconds: float = 0,
        sync_config: bool = True,
        client_id_hold_seconds: float | None = 60,
        persist_gather_seconds: float = 0.0,
        persist_max_lag_seconds: float = 30.0,
        persist_max_queue: int = 200_000,
        journal_archive_dir: Path | None = None,
    ) -> None:
        self.shard = shard
        self.channel = protocol.matcher_channel(shard)
        self.journal_dir, self.snapshot_dir = shard_dirs(data_dir, shard)
        self.fsync = fsync
        self.snapshots = SnapshotPolicy(
            snapshot_every_trades, snapshot_every_seconds, snapshot_min_seconds
        )
        self.sync_config = sync_config
        self.persist_gather_seconds = persist_gather_seconds
        self.persist_max_lag_seconds = persist_max_lag_seconds
        self.persist_max_queue = persist_max_queue
        # journal segments recovery no longer needs go here (None: they are deleted)
        self.journal_archive_dir = (
            None if journal_archive_dir is None else Path(journal_archive_dir)
        )
        # None: the engine keeps every client_order_id (client_id_retention.py)
        self.client_id_retention = (
            None if client_id_hold_seconds is None else ClientIdRetention(client_id_hold_seconds)
        )
        self.stats = Stats()
        self.metrics = MatcherMetrics(shard)
        self.book_feed = BookFeed()
        self._books_flushed_at = 0.0  # time.monotonic() of the last L2 cache refresh
        # one thread writes the L2 cache, so a refresh never lands before an older one
        self._book_writer = ThreadPoolExecutor(1, thread_name_prefix="matcher-books")
        self.refused_versions: set[tuple[str, int]] = set()
        self.sent_transfers: set[str] = set()
        self.ready = asyncio.Event()
        self.engine: Engine | None = None
        self.writer: JournalWriter | None = None
        self.persister: Persister | None = None
        self._refusing_new = False  # new orders refused `service_busy` (the persister's busy)
        self.id_base = 0
        self._inbox: asyncio.Queue = asyncio.Queue(maxsize=10 * MAX_BATCH)
        self._tasks: list[asyncio.Task] = []
        self._closing = False  # shutting down: the background tasks end, none starts again
        self._transport: Transport | None = None
        self._failed = False
        # liveness (time.monotonic()): the transport last answered the receive loop; the
        # serving loop last finished a batch; why the journal last failed (None: it works)
        self.received_at = self.served_at = time.monotonic()
        self.journal_error: str | None = None
        self._snapshot_asked = False
        self._snapshot_child: int | None = None  # the pid writing a snapshot (snapshot_child)
        self._snapshot_child_since = 0.0

    # ---- life cycle -----------------------------------------------------------------------

    async def run(self) -> None:
        """Recovers, serves until `stop()`, then shuts down cleanly (fsync, snapshot)."""
        await self._start()
        try:
            await self._serve()
        except BaseException:
            self._failed = True
            raise
        finally:
            await self._shutdown()

    def stop(self) -> None:
        """Asks the matcher to finish its batch and stop. Call from the matcher's loop."""
        try:
            self._inbox.put_nowait(_STOP)
        except asyncio.QueueFull:
            asyncio.ensure_future(self._inbox.put(_STOP))

    async def _start(self) -> None:
        self._transport = get_transport()
        state = await asyncio.to_thread(shard_state, self.shard)
        self.id_base = state.id_base
        self.persister = Persister(
            state.pk,
            gather_seconds=self.persist_gather_seconds,
            max_lag_seconds=self.persist_max_lag_seconds,
            max_queue=self.persist_max_queue,
        )
        self.persister.persisted_seq = state.persisted_seq
        self.persister.start()
        recovered = await asyncio.to_thread(
            recover,
            self.journal_dir,
            self.snapshot_dir,
            snapshot_at_most=state.persisted_seq,
            on_record=self._catch_up(state.persisted_seq),
        )
        for warning in recovered.warnings:
            log.warning("matcher recovery: %s", warning)
        engine = self.engine = recovered.engine
        if state.persisted_seq > engine.seq:
            raise RuntimeError(
                f"the database holds events up to seq {state.persisted_seq} but the journal in "
                f"{self.journal_dir} ends at {engine.seq}: refusing to reuse sequence numbers"
            )
        log.info(
            "matcher %r recovered at seq %s (snapshot %s, %s replayed, %s to persist)",
            self.shard,
            engine.seq,
            recovered.snapshot_seq,
            recovered.replayed,
            self.persister.lag(),
        )
        self.writer = JournalWriter(
            self.journal_dir,
            engine.seq + 1,
            fsync=self.fsync,
            on_commit=self.metrics.batch_records.observe,
            on_sync=self.metrics.fsync_seconds.observe,
        )
        self.snapshots.taken(engine)
        for symbol in engine.markets:
            self.book_feed.prime(engine, symbol, engine.seq)
        if self.sync_config:
            await self._sync_config(await asyncio.to_thread(self._desired_config))
        self._flush_books()
        self.received_at = self.served_at = time.monotonic()
        self._tasks = [
            self._supervised("matcher-receive", self._receive),
            self._supervised("matcher-tick", self._tick),
            # cancel on disconnect for web processes that died (disconnect_reaper.py)
            self._supervised("matcher-reaper", lambda: disconnect_reaper.run(self.shard)),
        ]
        self.ready.set()

    def _supervised(self, name: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task:
        """Runs `work()` as a task, again after each error (logged; the pause grows to
        MAX_PAUSE_SECONDS). If the task ends otherwise, the matcher stops with an error."""

        async def supervise() -> None:
            pause = 0.1
            while not self._closing:
                started = time.monotonic()
                try:
                    await work()
                except Exception:
                    log.exception("matcher %r: %s failed; it starts again", self.shard, name)
                if self._closing:
                    return
                if time.monotonic() - started > 10 * MAX_PAUSE_SECONDS:
                    pause = 0.1  # it had worked for a while: a new fault
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)

        task = asyncio.create_task(supervise(), name=name)
        task.add_done_callback(self._task_ended)
        return task

    def _task_ended(self, task: asyncio.Task) -> None:
        if task.cancelled() or self._closing:
            return
        log.critical("matcher %r: %s ended (%r): stopping", self.shard, task.get_name(),
                     task.exception())  # fmt: skip
        self._inbox.put_nowait({"type": "matcher.internal", "kind": "died",
                                "task": task.get_name()})  # fmt: skip

    def _catch_up(self, persisted_seq: int):
        def on_record(engine: Engine, seq: int, command: dict, events: list) -> None:
            if seq > persisted_seq:
                dicts = command_events(engine, command, events, self.id_base)
                self.persister.put(Item(seq, command.get("ts", engine.clock), command, dicts))

        return on_record

    async def _shutdown(self) -> None:
        # The background tasks are cancelled and told to end. Telling matters: a Redis read
        # once swallowed the cancellation and returned a batch, which the receive loop then
        # waited to put into an inbox nothing drains any more: the process never exited.
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._snapshot_child is not None:  # one writer of the directory at a time
            await asyncio.to_thread(self._collect_snapshot_child, True)
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
        if self.engine is not None and not self._failed:
            await asyncio.to_thread(self._snapshot_in_process)
        if self.persister is not None:
            await asyncio.to_thread(self.persister.stop)
        self._book_writer.shutdown(wait=False)
        log.info("matcher %r stopped at seq %s", self.shard, self.engine and self.engine.seq)

    # ---- the inbox ------------------------------------------------------------------------

    async def _receive(self) -> None:
        """Moves messages from the transport to the inbox, which the loop drains, each
        stamped with the time it was read (the matcher's order latency starts there)."""
        receive_many, clock = self._transport.receive_many, time.perf_counter
        inbox, channel, monotonic = self._inbox, self.channel, time.monotonic
        while not self._closing:
            messages = await receive_many(channel, timeout=RECEIVE_WAIT_SECONDS)
            self.received_at = monotonic()
            received_at = clock()
            for message in messages:
                if self._closing:  # read as the matcher stops: not run, as in a crash
                    return
                message["received_at"] = received_at
                if inbox.full():  # the loop is behind: wait for room
                    await inbox.put(message)
                else:  # without a coroutine for each message
                    inbox.put_nowait(message)

    async def _tick(self) -> None:
        """Housekeeping: book snapshots, idle fsync, heartbeat, configuration sync. Each
        chore's failure (the cache or the database away) is its own: the others go on."""
        last_sync = last_rewrite = time.monotonic()
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self._inbox.put(_FLUSH)
            now = time.monotonic()
            if now - last_rewrite >= BOOKS_REWRITE_SECONDS:
                last_rewrite = now
                self.book_feed.dirty.update(self.engine.markets)
            if now - last_sync >= SYNC_SECONDS:
                last_sync = now
                await self._chore("heartbeat", self._heartbeat())
                await self._chore("metrics", self._watch())
                await self._chore("client-id retention", self._forget_client_ids(now))
                if self.sync_config:
                    await self._chore("configuration sync", self._ask_sync())

    async def _chore(self, name: str, chore: Awaitable[None]) -> None:
        try:
            await chore
        except Exception as error:  # noqa: BLE001 - logged; the chore runs again in a second
            log.warning("matcher %r: %s failed: %r", self.shard, name, error)

    async def _ask_sync(self) -> None:
        desired = await asyncio.to_thread(closing_on_error(self._desired_config))
        await self._inbox.put({"type": "matcher.internal", "kind": "sync", "desired": desired})

    async def _forget_client_ids(self, now: float) -> None:
        retention, persister = self.client_id_retention, self.persister
        if retention is None or persister is None:
            return
        upto = retention.forget_upto(now, persister.persisted_seq)
        if upto is not None:
            await self._inbox.put(
                {"type": "matcher.internal", "kind": "forget", "upto": self.id_base + upto}
            )

    async def _serve(self) -> None:
        get, get_nowait = self._inbox.get, self._inbox.get_nowait
        stopping = False
        while not stopping:
            batch = [await get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(get_nowait())
                except asyncio.QueueEmpty:
                    break
            if _STOP in batch:
                stopping = True
                batch = [message for message in batch if message is not _STOP]
            await self._run_batch(batch)

    # ---- a batch --------------------------------------------------------------------------

    async def _run_batch(self, batch: list[dict]) -> None:
        now = protocol.now_ms()
        done: list[tuple[dict, list[tuple[int | None, dict, list[dict]]]]] = []
        touched: set[tuple[str, str, int]] = set()
        flush = False
        commands_before = self.stats.commands
        orders: list[tuple[str, float]] = []  # (op, when read) of each order command
        self._refusing_new = self.persister.busy()  # once a batch: it changes slowly
        for message in batch:
            if message.get("type") == "matcher.internal":
                if message["kind"] == "died":
                    raise RuntimeError(f"the matcher's task {message['task']} ended")
                if message["kind"] == "flush":
                    flush = True
                    # an expiry, a dead man's switch or a pause's end due: fired now, within
                    # FLUSH_SECONDS of its time, not at the next periodic tick (a second)
                    if self._expiry_due(now):
                        done.append(({"internal": True}, self._execute(_TICK, now, touched)))
                elif message["kind"] == "forget":
                    command = {"op": "forget_client_ids", "upto": message["upto"]}
                    done.append(({"internal": True}, self._execute(command, now, touched)))
                elif message["kind"] == "sync":
                    for command in self._config_commands(message["desired"]):
                        done.append(({"internal": True}, self._execute(command, now, touched)))
                continue
            deadline = message.get("deadline")
            if deadline.__class__ is int and deadline < now:
                self.stats.dropped_late += 1
                self.metrics.dropped_late.inc()
                continue
            command = message.get("command")
            done.append((message, self._execute(command, now, touched)))
            op = command.get("op") if command.__class__ is dict else None
            if op in ORDER_OPS and "received_at" in message:
                orders.append((op, message["received_at"]))
        if self.writer.pending:
            await self._commit()
        await self._raise_fences(done)
        await self._publish(done, touched)
        answered = time.perf_counter()
        self.metrics.batch_done(
            self.stats.commands - commands_before,
            [(op, answered - received) for op, received in orders],
        )
        if flush or (
            self.book_feed.dirty and time.monotonic() - self._books_flushed_at >= FLUSH_SECONDS
        ):
            self._flush_books()
        if flush:
            self.writer.sync_if_due()
        if self._snapshot_child is not None:
            self._collect_snapshot_child()
        if self._snapshot_child is None and (
            self._snapshot_asked or self.snapshots.due(self.engine)
        ):
            self._snapshot_asked = False
            if snapshot_child.CAN_FORK:
                self._snapshot_child = snapshot_child.start(
                    self.snapshot_dir, self.engine, self.persister.persisted_seq
                )
                self._snapshot_child_since = time.monotonic()
            else:
                await asyncio.to_thread(self._snapshot_in_process)
            self.snapshots.taken(self.engine)
        self.served_at = time.monotonic()

    async def _commit(self) -> None:
        """Commits the journal's batch, trying again until it is durable (a full disk: the
        writer keeps the batch and cuts what a failed write left). Nothing is answered
        before, so a caller that gives up meanwhile hears 503, outcome unknown."""
        pause = 0.05
        while True:
            try:
                await asyncio.to_thread(self.writer.commit)
            except OSError as error:
                if self.journal_error is None:
                    log.error("matcher %r: the journal cannot be written (%s); retrying, "
                              "nothing is answered until it is", self.shard, error)  # fmt: skip
                self.journal_error = str(error)
                self.metrics.journal_errors.inc()
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                continue
            if self.journal_error is not None:
                log.warning("matcher %r: the journal is written again", self.shard)
                self.journal_error = None
            return

    def _collect_snapshot_child(self, wait: bool = False) -> None:
        """Collects the snapshot child if it has ended (waiting, or killing it, if asked or
        if it has run past SNAPSHOT_CHILD_SECONDS), then prunes what it made unneeded."""
        overdue = time.monotonic() - self._snapshot_child_since > SNAPSHOT_CHILD_SECONDS
        if wait or overdue:
            left = SNAPSHOT_CHILD_SECONDS - (time.monotonic() - self._snapshot_child_since)
            code = snapshot_child.stop(self._snapshot_child, max(left, 0.0))
        else:
            code = snapshot_child.finished(self._snapshot_child)
        if code is None:
            return
        self._snapshot_child = None
        if code != 0:
            log.error("matcher: the snapshot child failed (exit %s); the next one retries", code)
            self._snapshot_asked = True
        elif not wait:
            asyncio.ensure_future(self._chore("retention", asyncio.to_thread(self._retain)))

    def _snapshot_in_process(self) -> None:
        write_snapshot(
            self.snapshot_dir, self.engine, keep_at_or_before=self.persister.persisted_seq
        )
        self._retain()

    def _retain(self) -> None:
        """Drops what recovery no longer needs: snapshots but the newest few and the newest at
        or before `persisted_seq` (recovery replays from there: snapshots.prune_snapshots),
        and the journal segments wholly before the oldest snapshot kept at or before it (to
        the archive, if one is set)."""
        persisted = self.persister.persisted_seq
        prune_snapshots(self.snapshot_dir, keep_at_or_before=persisted)
        usable = [seq for seq in map(snapshot_seq, snapshot_files(self.snapshot_dir))
                  if seq <= persisted]  # fmt: skip
        if usable:
            gone = prune_segments(self.journal_dir, min(usable), self.journal_archive_dir)
            if gone:
                log.info("matcher %r: %s journal segment(s) %s", self.shard, len(gone),
                         "archived" if self.journal_archive_dir else "removed")  # fmt: skip

    def _execute(
        self, command: object, now: int, touched: set
    ) -> list[tuple[int | None, dict, list[dict]]]:
        """Runs one caller's command (several for `cancel_all`); returns (seq or None if it
        was not journaled, command, events as dicts) for each."""
        if command.__class__ is not dict:
            return [(None, {}, [_refusal(None, "not_an_object")])]
        op = command.get("op")
        if op == "cancel_all":
            return [
                self._execute_one(
                    {"op": "cancel", "id": order_id, "user": command.get("user")}, now, touched
                )
                for order_id in self._live_order_ids(command.get("user"), command.get("symbol"))
            ]
        if op == "status":
            return [(None, command, [self._status()])]
        if op == "balances":
            return [(None, command, [funds_sync.balances_report(self.engine)])]
        if op == "metrics":
            return [(None, command, [self.metrics.report(self.persister)])]
        if op == "cancel_after_state":  # read only: not journaled
            deadline = self.engine.switch_deadline(command.get("user"))
            return [(None, command, [{"kind": "cancel_after", "fires_at": deadline}])]
        if op == "snapshot":
            self._snapshot_asked = True
            return [(None, command, [self._status()])]
        if op == "tick" and not self._expiry_due(now):
            return [(None, command, [])]  # nothing would change: not worth a journal record
        if op == "new" and self._refusing_new:
            return [(None, command, [_refusal("new", "service_busy")])]
        return [self._execute_one(command, now, touched)]

    def _execute_one(self, command: dict, now: int, touched: set):
        engine = self.engine
        command = {**command, "ts": now}
        if command.get("op") == "new":
            command["id"] = self.id_base + engine.seq + 1
        seq_before = engine.seq
        if command.get("op") == "amend":  # the level it may leave changes too
            order = engine.live.get(command.get("id"))
            if order is not None and order.price is not None:
                touched.add((order.market.symbol, order.side, order.price))
        events = engine.process(command)
        self.stats.commands += 1
        if engine.seq == seq_before:  # malformed: not a command, nothing to journal
            return (None, command, [event_dict(engine, event, self.id_base) for event in events])
        self.writer.append(engine.seq, engine.clock, journal_payload(command))
        for event in events:
            kind = event[0]
            if kind is ORDER:
                symbol, side, price = _ORDER_LEVEL(event)
                if price is not None and symbol is not None:
                    touched.add((symbol, side, price))
            elif kind is TRADE:
                symbol, taker_side, price = _TRADE_LEVEL(event)
                touched.add((symbol, "sell" if taker_side == "buy" else "buy", price))
            elif kind is CONFIGURED:
                configured = as_record(event)
                if configured.op in ("symbol", "market"):
                    self.book_feed.prime(engine, configured.ref, engine.seq)
        dicts = command_events(engine, command, events, self.id_base)
        if command.get("client_order_id") is not None:
            _point_to_existing_order(engine, command, dicts)
        return (engine.seq, command, dicts)

    def _expiry_due(self, now: int) -> bool:
        due = self.engine.next_due()
        return due is not None and due <= now

    def _live_order_ids(self, user: object, symbol: object) -> list:
        """The user's live orders (of `symbol`, if given), oldest first: what the user has,
        not what the exchange has (the engine's index by user)."""
        mine = self.engine.live_by_user.get(user, {}) if _hashable(user) else {}
        return sorted(
            order.id for order in mine.values() if symbol is None or order.market.symbol == symbol
        )

    def _status(self) -> dict:
        persister, now = self.persister, time.monotonic()
        return {
            "kind": "status",
            "shard": self.shard,
            "last_seq": self.engine.seq,
            "clock": self.engine.clock,
            "persisted_seq": persister.persisted_seq,
            "commands": self.stats.commands,
            "dropped_late": self.stats.dropped_late,
            "markets": sorted(self.engine.markets),
            "client_order_ids_kept": len(self.engine.client_ids),
            # liveness, read by the health check
            "received_ms_ago": int((now - self.received_at) * 1000),
            "served_ms_ago": int((now - self.served_at) * 1000),
            "journal_error": self.journal_error,
            "persist_lag_seconds": round(persister.lag_seconds(), 3),
            "persist_busy": persister.busy(),
            "persist_stuck_seq": persister.stuck.seq if persister.stuck else None,
        }

    # ---- after durability -----------------------------------------------------------------

    async def _publish(self, done: list, touched: set) -> None:
        replies: list[tuple[str, dict]] = []
        users: dict[object, list[dict]] = {}
        trades: dict[str, list[dict]] = {}
        statuses: list[dict] = []  # MARKET_STATUS events: rare (a breaker, a halt)
        config_results = []
        persisted: list[Item] = []
        for message, results in done:
            for seq, command, events in results:
                if seq is not None:
                    persisted.append(Item(seq, command["ts"], command, events))
                    if command.get("op") in CONFIG_OPS:
                        config_results.append((command, events))
                for event in events:
                    kind = event["kind"]
                    if kind == ORDER and event["symbol"] is not None:
                        users.setdefault(event["user"], []).append(event)
                    elif kind == "balance" and not str(event["user"]).startswith("@"):
                        users.setdefault(event["user"], []).append(event)
                    elif kind == TRADE:
                        trades.setdefault(event["symbol"], []).append(event)
                        users.setdefault(event["maker_user"], []).append(event)
                        if event["taker_user"] != event["maker_user"]:
                            users.setdefault(event["taker_user"], []).append(event)
                    elif kind == MARKET_STATUS:
                        statuses.append(event)
            reply_to = message.get("reply_to")
            if reply_to:
                replies.append((reply_to, protocol.reply(message.get("req"), results)))
        self.persister.put_many(persisted)
        feeds = [
            (protocol.user_group(user), {"type": "user.events", "events": events})
            for user, events in users.items()
        ]
        feeds.extend(
            (
                protocol.trades_group(symbol),
                {"type": "trades.executed", "symbol": symbol, "trades": symbol_trades},
            )
            for symbol, symbol_trades in trades.items()
        )
        feeds.extend(
            (protocol.book_group(update["symbol"]), update)
            for update in self.book_feed.changes(self.engine, touched, self.engine.seq)
        )
        if statuses:
            feeds.extend(map(_market_feed, statuses))
        if replies or feeds:
            try:
                await self._transport.publish(replies, feeds)
            except Exception as error:  # noqa: BLE001 - the transport down: callers time out
                log.debug("matcher: a send failed: %r", error)
        if config_results:
            self._refused_config(config_results)
            asyncio.ensure_future(self._chore("recording configuration results", asyncio.to_thread(
                closing_on_error(record_config_results), config_results
            )))  # fmt: skip

    async def _raise_fences(self, done: list) -> None:
        """A change the engine made to a user's orders by itself (a dead man's switch firing,
        an admin's trading stop) counts as the user's command for the read fence
        (exchange/services/read_fence.py): their reads after it show it (API.md,
        "Consistency"). Raised before anything is answered or published."""
        fences: dict[int, int] = {}
        for _, results in done:
            for seq, _, events in results:
                for event in events:
                    if event.get("kind") == ORDER and event.get("reason") in FENCED_REASONS:
                        fences[event["user"]] = seq
        for user, seq in fences.items():
            await self._chore("read fence", fence_raise(user_id=user, shard=self.shard, seq=seq))

    def _refused_config(self, results: list) -> None:
        for command, events in results:
            version = command.get("version")
            if version is not None and any(event["kind"] == REFUSED for event in events):
                self.refused_versions.add((command.get("symbol"), version))

    def _flush_books(self) -> None:
        """Writes the changed books' L2 snapshots to the cache: at once after a batch that
        changes a book FLUSH_SECONDS or more after the last refresh (so market data shows
        a command within milliseconds of its answer), else at the next tick."""
        dirty = self.book_feed.take_dirty()
        if dirty:
            self._books_flushed_at = time.monotonic()
            now = protocol.now_ms()
            books = {
                protocol.book_cache_key(symbol): self.book_feed.snapshot(self.engine, symbol, now)
                for symbol in dirty
                if symbol in self.engine.markets
            }
            asyncio.get_running_loop().run_in_executor(self._book_writer, _cache_books, books)

    # ---- configuration and heartbeat --------------------------------------------------------

    def _desired_config(self) -> tuple[dict, dict, list[dict], set[int]]:
        transfers = funds_sync.pending_transfers() if self.shard == funds_sync.FUNDS_SHARD else []
        return (
            config_sync.desired_markets(self.shard),
            config_sync.desired_fees(),
            transfers,
            config_sync.desired_trading_stops(),
        )

    def _config_commands(self, desired: tuple[dict, dict, list[dict], set[int]]) -> list[dict]:
        markets, fees, transfers, stops = desired
        return (
            funds_sync.funds_commands(self.engine, transfers, self.sent_transfers)
            + config_sync.market_commands(self.engine, markets, self.refused_versions)
            + config_sync.fee_commands(self.engine, fees)
            + config_sync.trading_commands(self.engine, stops)
        )

    async def _sync_config(self, desired: tuple) -> None:
        now = protocol.now_ms()
        touched: set = set()
        done = [
            ({"internal": True}, self._execute(command, now, touched))
            for command in self._config_commands(desired)
        ]
        if done:
            await self._commit()
            await self._publish(done, touched)

    async def _watch(self) -> None:
        try:
            depth = await self._transport.depth(self.channel)
        except Exception:  # noqa: BLE001 - a gauge is not worth failing housekeeping for
            depth = None
        self.metrics.watch(self.persister, self.engine.seq, depth, self._inbox.qsize())

    async def _heartbeat(self) -> None:
        status = self._status()
        status["ts"] = protocol.now_ms()
        await asyncio.to_thread(save_heartbeat, self.shard, status)


_FLAT = frozenset((str, int, bool, type(None)))


def _fields(record, *names: str) -> itemgetter:
    """A getter of the fields `names` of an engine event of `record`'s layout (events.py):
    reading by name, without making the record."""
    return itemgetter(*(record._fields.index(name) for name in names))


# the book levels an event touches: an order's (symbol, side, price), a trade's resting side
_ORDER_LEVEL = _fields(OrderUpdate, "symbol", "side", "price")
_TRADE_LEVEL = _fields(Trade, "symbol", "taker_side", "price")


def journal_payload(command: dict) -> bytes:
    """`command` as its journal record's compact JSON, read back (matching/recovery.py) as
    the same dict. A flat command of strings, integers, booleans and nulls (every order
    command) by orjson, about ten times quicker than the standard library; the rest by the
    standard library, which orjson does not write alike everywhere (a NaN float becomes
    `null`; an integer past 64 bits or a key that is no string is refused)."""
    if _FLAT.issuperset(map(type, command.values())):
        try:
            return orjson.dumps(command)
        except TypeError:  # an integer past 64 bits, a key that is no string
            pass
    return json.dumps(command, separators=(",", ":")).encode()


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:  # a malformed command's user (a list): it has no orders
        return False
    return True


def _cache_books(books: dict) -> None:
    try:
        cache.set_many(books, None)
    except Exception as error:  # noqa: BLE001 - the cache away: rewritten within 5 s
        log.warning("matcher: the book cache could not be written: %r", error)


def _point_to_existing_order(engine, command: dict, events: list[dict]) -> None:
    """A `new` refused for its client_order_id names the order that holds it (API.md's 409)."""
    for event in events:
        if event["kind"] == ORDER and event["reason"] == "duplicate_client_order_id":
            event["existing_order_id"] = engine.order_id_for_client_id(
                command.get("user"), command["client_order_id"]
            )


def _market_feed(status: dict) -> tuple[str, dict]:
    """A market's new status for its `market` group: every subscriber of its book, trades
    or ticker (exchange/consumers/subscriptions.py), `resumes_at` as ISO time."""
    return (
        protocol.market_group(status["symbol"]),
        {
            "type": "market.status",
            "symbol": status["symbol"],
            "status": status["status"],
            "status_reason": status["status_reason"],
            "resumes_at": iso_from_ms(status["resumes_at"]),
        },
    )


def _refusal(op: object, reason: str) -> dict:
    return {"kind": REFUSED, "op": op, "ref": None, "reason": reason}

"""Checking a matcher shard's journal against the history in the database: the journal is
replayed through the engine (the pure core, as recovery does) up to the shard's
`persisted_seq`, and the trades, ledger entries and order states it produces are compared
with the rows the persister wrote. When retention has pruned the journal's first segments
(and the archive does not hold them), the replay starts from the oldest snapshot the
remaining journal follows, and the check says so."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from audit import history_compare
from audit.journal_read import first_seq, journal_segments, read_records
from exchange.models import MatcherState
from matching.engine import Engine
from matching.engine.events import ORDER, POSTING, TRADE
from matching.journal import JournalCorrupt
from matching.service.event_format import event_dict
from matching.service.matcher import shard_dirs
from matching.snapshots import SnapshotInvalid, read_snapshot, snapshot_files, snapshot_seq

# Commands replayed between two comparisons of trades and ledger entries with the database.
CHUNK_COMMANDS = 5000
REJECTED = "rejected"


@dataclass
class ShardCheck:
    """What the check of one shard found: `problem` is the first difference (None: none)."""

    shard: str
    problem: str | None = None
    from_seq: int = 0  # the replay started after this seq (0: the journal's beginning)
    to_seq: int = 0  # ... and ended here (the shard's persisted_seq)
    notes: list[str] = field(default_factory=list)
    trades: int = 0
    orders: int = 0
    ledger_entries: int = 0

    @property
    def name(self) -> str:
        return self.shard or "(default)"


@dataclass
class _Chunk:
    """What the replay expects of the commands lo < seq <= hi."""

    lo: int
    hi: int = 0
    trades: dict = field(default_factory=dict)
    ledger: dict = field(default_factory=dict)


def journal_check(state: MatcherState, *, data_dir: Path, archive_dir: Path | None) -> ShardCheck:
    """Replays the journal of `state`'s shard (under `data_dir`, old segments also in
    `archive_dir`) up to its persisted_seq and compares the outcome with the database."""
    check = ShardCheck(state.shard, to_seq=state.persisted_seq)
    if state.persisted_seq == 0:
        check.notes.append("nothing persisted yet")
        return check
    journal_dir, snapshot_dir = shard_dirs(data_dir, state.shard)
    files = journal_segments(journal_dir, archive_dir)
    if not files:
        check.problem = f"no journal in {journal_dir} (persisted up to seq {state.persisted_seq})"
        return check
    engine = _starting_engine(check, files, snapshot_dir)
    if engine is None:
        return check
    check.from_seq = engine.seq
    try:
        check.problem = _replay_and_compare(check, engine, files, state)
    except JournalCorrupt as error:
        check.problem = f"the journal cannot be read: {error}"
    return check


def _starting_engine(check: ShardCheck, files: list[Path], snapshot_dir: Path) -> Engine | None:
    """A new engine when the journal starts at seq 1, else the oldest valid snapshot that the
    journal continues (None, with check.problem set, if there is none)."""
    start = first_seq(files[0])
    if start <= 1:
        return Engine()
    usable = [
        path
        for path in reversed(snapshot_files(snapshot_dir))  # oldest first
        if start - 1 <= snapshot_seq(path) <= check.to_seq
    ]
    for path in usable:
        try:
            engine = read_snapshot(path)
        except SnapshotInvalid as error:
            check.notes.append(f"skipped {error}")
            continue
        check.notes.append(
            f"the journal before seq {start} is pruned: checked from the snapshot at seq "
            f"{engine.seq}"
        )
        return engine
    check.problem = (
        f"the journal starts at seq {start} and no valid snapshot in {snapshot_dir} lies "
        f"between seq {start - 1} and {check.to_seq}: nothing to replay from"
    )
    return None


def _replay_and_compare(
    check: ShardCheck, engine: Engine, files: list[Path], state: MatcherState
) -> str | None:
    id_base = state.id_base
    orders: dict[int, tuple[int, dict]] = {}
    chunk = _Chunk(lo=engine.seq)
    owns_ledger = engine.funds is not None
    for record in read_records(files, engine.seq, check.to_seq):
        command = json.loads(record.payload)
        events = engine.process(command)
        if engine.seq != record.seq:
            return f"journal record {record.seq} replays as seq {engine.seq}"
        owns_ledger = owns_ledger or engine.funds is not None
        placed = command.get("id") if command.get("op") == "new" else None
        for position, event in enumerate(events):
            kind = event[0]
            if kind is TRADE:
                trade = event_dict(engine, event, id_base)
                chunk.trades[trade["trade_id"]] = (record.seq, trade)
            elif kind is POSTING:
                chunk.ledger[(record.seq, position)] = event_dict(engine, event, id_base)
            elif kind is ORDER:
                order = event_dict(engine, event, id_base)
                # the persister stores no order rejected on arrival: it never existed
                if not (order["order_id"] == placed and order["status"] == REJECTED):
                    orders[order["order_id"]] = (record.seq, order)
        chunk.hi = record.seq
        if record.seq - chunk.lo >= CHUNK_COMMANDS:
            problem = _compare_chunk(check, chunk, id_base, owns_ledger)
            if problem:
                return problem
            chunk = _Chunk(lo=record.seq)
    if chunk.hi > chunk.lo:
        problem = _compare_chunk(check, chunk, id_base, owns_ledger)
        if problem:
            return problem
    check.orders = len(orders)
    return history_compare.orders_problem(orders, check.from_seq, check.to_seq, id_base)


def _compare_chunk(check: ShardCheck, chunk: _Chunk, id_base: int, owns_ledger: bool):
    check.trades += len(chunk.trades)
    check.ledger_entries += len(chunk.ledger)
    return history_compare.trades_problem(
        chunk.trades, chunk.lo, chunk.hi, id_base
    ) or history_compare.ledger_problem(chunk.ledger, chunk.lo, chunk.hi, owns_ledger)

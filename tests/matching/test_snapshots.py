"""Snapshots (DESIGN.md "Durability"): the whole engine state (books in queue order, icebergs'
hidden quantity, waiting stops, expiry times, fee rates, clock, counters) written to a temporary
file, fsynced, renamed and the directory fsynced; checksummed; the newest five kept; a corrupt
newest snapshot makes recovery fall back to an older one."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from matching.commandfile import read_commands
from matching.engine import Engine
from matching.engine.state import dump_state, state_sha256
from matching.journal import JournalWriter
from matching.recovery import recover
from matching.replay import book_bytes
from matching.snapshots import (
    SnapshotInvalid,
    SnapshotPolicy,
    prune_snapshots,
    read_snapshot,
    snapshot_files,
    snapshot_seq,
    write_snapshot,
)

from .helpers import cancel, fees, limit, market, new, symbol, tick

WORKLOADS = Path(__file__).parent / "workloads"

# A state with something of everything a snapshot must keep.
SETUP = [
    symbol(),
    fees("u9", "-0.0002", "0.003"),
    fees("*", "0.0005", "0.001"),
    limit(1, "u1", "sell", "1.000", "100.00", ts=1_000),
    limit(2, "u2", "sell", "1.000", "100.00"),
    limit(3, "u3", "sell", "5.000", "100.00", display_quantity="1.000"),
    limit(4, "u4", "sell", "1.000", "101.00", tif="GTD", expire_at=50_000),
    limit(5, "u5", "buy", "1.000", "99.00", tif="GTD", expire_at=40_000),
    limit(6, "u6", "buy", "2.000", "98.00", tif="DAY"),
    new(7, "u7", "sell", "stop_loss", "0.500", trigger_price="98.50"),
    new(8, "u8", "buy", "stop_limit", "0.500", trigger_price="100.50", price="101.00"),
    limit(20, "u20", "buy", "0.300", "97.00", tif="GTD", expire_at=40_000),
    market(9, "u9", "buy", "2.500", ts=2_000),  # leaves iceberg 3 with a used slice
    limit(10, "u10", "sell", "1.000", "100.00"),
]
# What comes after the snapshot: it depends on every part of the state.
CONTINUATION = [
    market(11, "u9", "buy", "2.000"),  # the rest of the slice, 10, then the next slice
    limit(12, "u12", "buy", "4.000", "101.00"),  # the iceberg, then 4 at 101: 8 triggers
    market(13, "u13", "sell", "1.500"),  # 5 at 99, part of 6 at 98: stop 7 triggers
    limit(1, "u1", "buy", "1.000", "90.00"),  # id 1 is used already
    tick(41_000),  # 20 expires
    limit(14, "u14", "buy", "1.000", "97.00", tif="GTD", expire_at=45_000),
    limit(15, "u15", "sell", "0.400", "96.00", ts=42_000),
    tick(86_400_001),  # 14 has expired and the DAY order's day is over
    limit(16, "u16", "buy", "9.000", "100.00"),
    cancel(16, "u99"),
    cancel(16, "u16"),
]


def engine_after(commands: list[dict]) -> Engine:
    engine = Engine()
    for cmd in commands:
        engine.process(cmd)
    return engine


def through_a_snapshot(engine: Engine, directory: Path) -> Engine:
    return read_snapshot(write_snapshot(directory, engine))


def orders_of(engine: Engine) -> dict:
    fields = ("side", "type", "tif", "price", "trigger_price", "quantity", "remaining",
              "visible", "display", "filled", "status", "stp", "post_only", "expire_at",
              "placed", "priority")  # fmt: skip
    return {oid: tuple(getattr(o, f) for f in fields) for oid, o in engine.live.items()}


def queues_of(engine: Engine) -> list:
    return [(m.symbol, side, o.id) for m, side, o in engine.resting_orders()]


# ---- the round trip ------------------------------------------------------------------------


@pytest.fixture
def live() -> Engine:
    return engine_after(SETUP)


def test_a_restored_engine_hashes_and_dumps_the_same(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    assert state_sha256(restored) == state_sha256(live)
    assert dump_state(restored) == dump_state(live)
    restored.check_invariants()


def test_books_come_back_in_queue_order(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    assert queues_of(restored) == queues_of(live)
    assert [oid for _, side, oid in queues_of(live) if side == "sell"] == [3, 10, 4]
    assert [oid for _, side, oid in queues_of(live) if side == "buy"] == [5, 6, 20]
    assert book_bytes(restored) == book_bytes(live)


def test_an_iceberg_keeps_its_hidden_quantity_and_used_slice(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    iceberg = restored.live[3]
    assert (iceberg.visible, iceberg.remaining, iceberg.display) == (500, 4500, 1000)
    assert orders_of(restored) == orders_of(live)


def test_waiting_stops_come_back_in_placement_order(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    stops = restored.markets["BTC-USDT"].stops
    assert [o.id for o in stops.orders()] == [7, 8]
    assert stops.size == 2
    assert restored.markets["BTC-USDT"].last_price == live.markets["BTC-USDT"].last_price


def test_expiry_times_come_back(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    expiring = [(o.id, o.expire_at) for o in restored.expiries.orders()]
    assert expiring == [(o.id, o.expire_at) for o in live.expiries.orders()]
    assert [oid for oid, _ in expiring] == [5, 20, 4, 6]


def test_fee_rates_clock_and_counters_come_back(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    assert restored.fees.rates_of("u9") == live.fees.rates_of("u9") == ((-2, 4), (3, 3))
    assert restored.fees.rates_of("nobody") == live.fees.rates_of("nobody") == ((5, 4), (1, 3))
    assert (restored.seq, restored.clock, restored.trade_seq, restored.priority_seq) == (
        live.seq,
        live.clock,
        live.trade_seq,
        live.priority_seq,
    )
    assert (live.seq, live.clock) == (len(SETUP), 2_000)
    assert restored.used_ids == live.used_ids


def test_a_restored_engine_goes_on_exactly_like_the_live_one(tmp_path, live):
    restored = through_a_snapshot(live, tmp_path)
    for cmd in CONTINUATION:
        assert restored.process(cmd) == live.process(cmd), cmd
        restored.check_invariants()
    assert state_sha256(restored) == state_sha256(live)


def test_the_continuation_reaches_every_part_of_the_state():
    engine = engine_after(SETUP)
    events = [event for cmd in CONTINUATION for event in engine.process(cmd)]
    makers = [event[5] for event in events if event[0] == "trade"]
    assert makers[:4] == [3, 10, 3, 3], "the queue, and the iceberg's hidden quantity"
    ended = {(event[1], event[5]) for event in events if event[0] == "order"}
    assert {(8, "filled"), (7, "filled")} <= ended, "both waiting stops triggered"
    assert {(20, "expired"), (14, "expired"), (6, "expired")} <= ended, "expiry times"
    assert ("refused", "new", 1, "u1", "duplicate_order_id") in events, "used ids"
    first = events[0]  # 0.5 at 100.00: u3 makes at the "*" rate, u9 takes at its own
    assert (first[0], first[10], first[11], first[8], first[9]) == (
        "trade",
        "u3",
        "u9",
        2_500_000,  # 0.0005 of 50 USDT, in units of 10**-8
        15_000_000,  # 0.003 of 50 USDT
    ), "fee rates"


@pytest.mark.parametrize("workload", ["full_5k", "standard_10k"])
def test_a_snapshot_at_any_point_of_a_workload_goes_on_like_the_live_engine(tmp_path, workload):
    commands = read_commands(WORKLOADS / f"{workload}.jsonl", lambda *_: None)
    reference = engine_after(commands)
    live = Engine()
    done = 0
    for cut in (0, 1, 2, 777, len(commands) // 2, len(commands) - 1):
        for cmd in commands[done:cut]:
            live.process(cmd)
        done = cut
        restored = through_a_snapshot(live, tmp_path)
        assert state_sha256(restored) == state_sha256(live)
        events = [restored.process(cmd) for cmd in commands[cut:]]
        restored.check_invariants()
        assert state_sha256(restored) == state_sha256(reference), f"cut at {cut}"
        uninterrupted = engine_after(commands[:cut])
        assert events == [uninterrupted.process(cmd) for cmd in commands[cut:]], f"cut at {cut}"


# ---- the file ------------------------------------------------------------------------------


def test_a_snapshot_is_a_checksummed_header_and_the_state(tmp_path, live):
    path = write_snapshot(tmp_path, live)
    assert path.name == f"snapshot-{live.seq:020d}.json"
    head, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    assert header == {"seq": live.seq, "sha256": hashlib.sha256(body).hexdigest(),
                      "bytes": len(body)}  # fmt: skip
    assert json.loads(body) == json.loads(json.dumps(dump_state(live)))


def test_a_snapshot_is_written_to_a_temporary_file_synced_renamed_then_the_directory_synced(
    tmp_path, live, monkeypatch
):
    steps: list[tuple] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        steps.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target) -> None:
        steps.append(("replace", str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    path = write_snapshot(tmp_path, live)
    temporary = str(path.with_suffix(".tmp"))
    assert steps == [
        ("fsync", temporary),
        ("replace", temporary, str(path)),
        ("fsync", str(tmp_path)),
    ]


def test_writing_snapshots_leaves_no_temporary_file(tmp_path):
    engine = Engine()
    for cmd in SETUP:
        engine.process(cmd)
        write_snapshot(tmp_path, engine)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json"] * 5


def test_only_the_newest_five_snapshots_are_kept(tmp_path):
    engine = Engine()
    for cmd in SETUP[:8]:
        engine.process(cmd)
        write_snapshot(tmp_path, engine)
    assert [p.name for p in snapshot_files(tmp_path)] == [
        f"snapshot-{seq:020d}.json" for seq in (8, 7, 6, 5, 4)
    ]


def test_the_newest_snapshot_at_or_before_a_seq_is_kept_besides_the_newest_five(tmp_path):
    """While the database is behind (persisted_seq 2), recovery replays from a snapshot at or
    before it: that one outlives the newest five."""
    engine = Engine()
    for cmd in SETUP[:9]:
        engine.process(cmd)
        write_snapshot(tmp_path, engine, keep_at_or_before=2)
    assert [p.name for p in snapshot_files(tmp_path)] == [
        f"snapshot-{seq:020d}.json" for seq in (9, 8, 7, 6, 5, 2)
    ]
    prune_snapshots(tmp_path, keep=5, keep_at_or_before=7)
    assert [snapshot_seq(p) for p in snapshot_files(tmp_path)] == [9, 8, 7, 6, 5]
    prune_snapshots(tmp_path, keep=1, keep_at_or_before=0)  # none at or before: newest only
    assert [snapshot_seq(p) for p in snapshot_files(tmp_path)] == [9]


def test_newest_means_highest_seq_not_latest_written(tmp_path):
    engine = Engine()
    for cmd in SETUP[:3]:
        engine.process(cmd)
    write_snapshot(tmp_path, engine)
    older = engine_after(SETUP[:1])
    write_snapshot(tmp_path, older)
    assert [read_snapshot(p).seq for p in snapshot_files(tmp_path)] == [3, 1]


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    ["body_byte", "last_byte", "header_byte", "truncated", "empty", "header_seq", "no_newline"],
)
def test_a_damaged_snapshot_is_refused(tmp_path, live, damage):
    path = write_snapshot(tmp_path, live)
    data = path.read_bytes()
    head, _, body = data.partition(b"\n")
    if damage == "body_byte":
        _flip(path, len(head) + 1 + len(body) // 2)
    elif damage == "last_byte":
        _flip(path, len(data) - 1)
    elif damage == "header_byte":
        _flip(path, 12)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) - 10])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "header_seq":
        header = json.loads(head)
        header["seq"] += 1
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    elif damage == "no_newline":
        path.write_bytes(head + body)
    with pytest.raises(SnapshotInvalid, match=str(path)):
        read_snapshot(path)


# ---- falling back ---------------------------------------------------------------------------


def journal_with_snapshots(directory: Path, commands: list[dict], at: set[int]) -> Engine:
    """Journals `commands` one per batch, snapshotting after the seqs in `at`."""
    engine = Engine()
    writer = JournalWriter(directory, 1, fsync="off")
    for cmd in commands:
        engine.process(cmd)
        writer.append(engine.seq, engine.clock, json.dumps(cmd).encode())
        writer.commit()
        if engine.seq in at:
            write_snapshot(directory, engine)
    writer.close()
    return engine


def test_a_corrupt_newest_snapshot_falls_back_to_an_older_one_with_a_warning(tmp_path):
    live = journal_with_snapshots(tmp_path, SETUP + CONTINUATION, at={5, 9, 15})
    newest = snapshot_files(tmp_path)[0]
    _flip(newest, newest.stat().st_size - 3)

    recovered = recover(tmp_path)

    assert recovered.snapshot_seq == 9
    assert recovered.replayed == len(SETUP) + len(CONTINUATION) - 9
    assert state_sha256(recovered.engine) == state_sha256(live)
    assert any(str(newest) in w and "older" in w for w in recovered.warnings)


def test_when_every_snapshot_is_corrupt_the_journal_alone_rebuilds_the_state(tmp_path):
    live = journal_with_snapshots(tmp_path, SETUP, at={4, 8})
    for path in snapshot_files(tmp_path):
        _flip(path, path.stat().st_size - 3)
    recovered = recover(tmp_path)
    assert (recovered.snapshot_seq, recovered.replayed) == (0, len(SETUP))
    assert state_sha256(recovered.engine) == state_sha256(live)
    assert len(recovered.warnings) == 2


def test_a_leftover_temporary_snapshot_is_ignored(tmp_path):
    live = journal_with_snapshots(tmp_path, SETUP, at={6})
    (tmp_path / f"snapshot-{len(SETUP):020d}.tmp").write_bytes(b'{"seq": 13, "sha')
    recovered = recover(tmp_path)
    assert recovered.snapshot_seq == 6
    assert state_sha256(recovered.engine) == state_sha256(live)


def test_snapshot_policy_is_due_after_the_trade_count_or_the_time_whichever_first(monkeypatch):
    import matching.snapshots as snapshots

    now = [1000.0]
    monkeypatch.setattr(snapshots.time, "monotonic", lambda: now[0])
    engine = Engine()
    policy = snapshots.SnapshotPolicy(every_trades=3, every_seconds=300)
    policy.taken(engine)
    assert not policy.due(engine)
    engine.trade_seq = 3
    assert policy.due(engine), "three trades since the last snapshot"
    policy.taken(engine)
    assert not policy.due(engine)
    now[0] += 299.9
    assert not policy.due(engine)
    now[0] += 0.1
    assert policy.due(engine), "five minutes since the last snapshot"


def test_snapshot_policy_with_both_limits_off_is_never_due():
    engine = Engine()
    policy = SnapshotPolicy()
    engine.trade_seq = 10**6
    assert not policy.due(engine)

"""Recovery (DESIGN.md "Durability"): the newest good snapshot, then the journal after it; a
torn tail is cut with a warning, damage elsewhere stops recovery; the recovered state hashes
the same as the live engine's."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from matching.commandfile import read_commands
from matching.engine import Engine
from matching.engine.state import state_sha256
from matching.journal import JournalCorrupt, JournalWriter, segments
from matching.journaled_run import run_journaled
from matching.recovery import recover
from matching.snapshots import SnapshotPolicy, snapshot_files, write_snapshot

from .helpers import with_lines

WORKLOADS = Path(__file__).parent / "workloads"
EMPTY_STATE = state_sha256(Engine())


def workload(name: str) -> list[dict]:
    return read_commands(WORKLOADS / f"{name}.jsonl", lambda *_: None)


def journal(
    directory: Path,
    commands: list[dict],
    *,
    batch: int = 100,
    snapshot_at: tuple[int, ...] = (),
    segment_bytes: int = 1 << 20,
) -> Engine:
    """Runs `commands` with the journal, snapshotting after the batches ending at `snapshot_at`."""
    engine = Engine()
    writer = JournalWriter(directory, 1, fsync="off", segment_bytes=segment_bytes)
    lines = [json.dumps(cmd) for cmd in commands]

    def snapshot(seq: int) -> None:
        if seq in snapshot_at:
            write_snapshot(directory, engine)

    run_journaled(zip(commands, lines, strict=True), engine, writer, batch=batch, on_ack=snapshot)
    writer.close()
    return engine


@pytest.fixture(scope="module")
def full_5k() -> list[dict]:
    return workload("full_5k")


def test_an_empty_directory_recovers_an_empty_engine_at_seq_zero(tmp_path):
    recovered = recover(tmp_path)
    assert (recovered.last_seq, recovered.snapshot_seq, recovered.replayed) == (0, 0, 0)
    assert recovered.warnings == []
    assert state_sha256(recovered.engine) == EMPTY_STATE


def test_a_directory_that_does_not_exist_recovers_an_empty_engine(tmp_path):
    recovered = recover(tmp_path / "never-made")
    assert recovered.last_seq == 0
    assert state_sha256(recovered.engine) == EMPTY_STATE


def test_the_journal_alone_rebuilds_the_state(tmp_path, full_5k):
    live = journal(tmp_path, full_5k)
    recovered = recover(tmp_path)
    assert (recovered.last_seq, recovered.snapshot_seq, recovered.replayed) == (5000, 0, 5000)
    assert recovered.warnings == []
    assert state_sha256(recovered.engine) == state_sha256(live)
    recovered.engine.check_invariants()


def test_a_snapshot_and_the_journal_after_it_rebuild_the_state(tmp_path, full_5k):
    live = journal(tmp_path, full_5k, snapshot_at=(1000, 3000))
    recovered = recover(tmp_path)
    assert (recovered.last_seq, recovered.snapshot_seq, recovered.replayed) == (5000, 3000, 2000)
    assert state_sha256(recovered.engine) == state_sha256(live)


def test_a_snapshot_at_the_end_of_the_journal_needs_no_replay(tmp_path, full_5k):
    live = journal(tmp_path, full_5k, snapshot_at=(5000,))
    recovered = recover(tmp_path)
    assert (recovered.last_seq, recovered.snapshot_seq, recovered.replayed) == (5000, 5000, 0)
    assert state_sha256(recovered.engine) == state_sha256(live)


def test_the_recovered_state_hashes_like_the_live_engine_after_every_batch(tmp_path, full_5k):
    engine = Engine()
    writer = JournalWriter(tmp_path, 1, fsync="off", segment_bytes=32 * 1024)
    checked = []

    def recover_and_compare(seq: int) -> None:
        recovered = recover(tmp_path)
        assert recovered.last_seq == seq == engine.seq
        assert state_sha256(recovered.engine) == state_sha256(engine), f"at seq {seq}"
        checked.append(seq)

    gc.freeze()  # recovery ends with a full collection: keep it from rescanning the test run
    try:
        run_journaled(
            with_lines(full_5k),
            engine,
            writer,
            batch=13,
            on_ack=recover_and_compare,
            snapshot_dir=tmp_path,
            snapshots=SnapshotPolicy(every_trades=40),
        )
    finally:
        gc.unfreeze()
    writer.close()
    assert checked == [*range(13, 5000, 13), 5000]
    assert len(segments(tmp_path)) > 3 and len(snapshot_files(tmp_path)) == 5


def test_a_recovered_engine_goes_on_exactly_like_the_live_one(tmp_path, full_5k):
    live = journal(tmp_path, full_5k[:2500], snapshot_at=(1200,))
    recovered = recover(tmp_path).engine
    for cmd in full_5k[2500:]:
        assert recovered.process(cmd) == live.process(cmd)
    assert state_sha256(recovered) == state_sha256(live)


def test_a_torn_tail_is_cut_and_recovery_reports_it(tmp_path, full_5k):
    live = journal(tmp_path, full_5k[:300])
    [segment] = segments(tmp_path)
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size - 7)
    recovered = recover(tmp_path)
    assert recovered.last_seq == 299
    [warning] = recovered.warnings
    assert str(segment) in warning and "cut off" in warning
    before_last = journal(tmp_path / "reference", full_5k[:299])
    assert state_sha256(recovered.engine) == state_sha256(before_last) != state_sha256(live)


def test_a_corrupt_middle_record_stops_recovery_naming_file_and_offset(tmp_path, full_5k):
    journal(tmp_path, full_5k[:300])
    [segment] = segments(tmp_path)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0x10
    segment.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt, match=rf"{segment}: corrupt record at offset \d+"):
        recover(tmp_path)
    assert segment.read_bytes() == bytes(data), "nothing was cut"


def test_a_missing_segment_after_the_snapshot_stops_recovery(tmp_path, full_5k):
    journal(tmp_path, full_5k[:600], batch=50, segment_bytes=4096, snapshot_at=(100,))
    files = segments(tmp_path)
    later = [path for path in files if int(path.stem.split("-")[1]) > 150]
    later[0].unlink()
    with pytest.raises(JournalCorrupt, match="expected"):
        recover(tmp_path)


def test_segments_wholly_before_the_snapshot_are_not_needed(tmp_path, full_5k):
    live = journal(tmp_path, full_5k[:600], batch=50, segment_bytes=4096, snapshot_at=(400,))
    for path in segments(tmp_path):
        if int(path.stem.split("-")[1]) <= 300:
            path.unlink()
    recovered = recover(tmp_path)
    assert recovered.snapshot_seq == 400
    assert state_sha256(recovered.engine) == state_sha256(live)


def test_a_journal_that_ends_before_the_snapshot_is_reported(tmp_path, full_5k):
    live = journal(tmp_path, full_5k[:300], snapshot_at=(300,))
    [segment] = segments(tmp_path)
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size - 7)
    recovered = recover(tmp_path)
    assert recovered.last_seq == 300
    assert state_sha256(recovered.engine) == state_sha256(live)
    assert any("before the snapshot at 300" in warning for warning in recovered.warnings)


def test_snapshots_may_live_in_their_own_directory(tmp_path, full_5k):
    journal_dir, snapshot_dir = tmp_path / "journal", tmp_path / "snapshots"
    engine = Engine()
    writer = JournalWriter(journal_dir, 1)
    run_journaled(with_lines(full_5k[:3000]), engine, writer)
    writer.close()
    write_snapshot(snapshot_dir, engine)
    writer = JournalWriter(journal_dir, engine.seq + 1)
    run_journaled(with_lines(full_5k[3000:]), engine, writer)
    writer.close()
    recovered = recover(journal_dir, snapshot_dir)
    assert recovered.snapshot_seq == 3000 and recovered.replayed == 2000
    assert state_sha256(recovered.engine) == state_sha256(engine)


def test_snapshots_newer_than_snapshot_at_most_are_passed_over(tmp_path, full_5k):
    """The matcher's start (the database persisted up to some seq): the newest snapshot at or
    before that seq is used, and every command after it is handed to `on_record` again."""
    live = journal(tmp_path, full_5k[:1000], snapshot_at=(300, 600, 900))
    seen: list[int] = []

    recovered = recover(
        tmp_path, snapshot_at_most=700, on_record=lambda engine, seq, *_: seen.append(seq)
    )

    assert recovered.snapshot_seq == 600
    assert seen == list(range(601, live.seq + 1))
    assert state_sha256(recovered.engine) == state_sha256(live)

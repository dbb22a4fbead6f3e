"""Rebuilding the engine after a stop or a crash: the newest good snapshot, then the journal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from matching.engine import Engine
from matching.gc_tuning import collector_paused
from matching.journal import JournalCorrupt, JournalScan
from matching.snapshots import SnapshotInvalid, read_snapshot, snapshot_files
from matching.snapshots import snapshot_seq as seq_of_snapshot


@dataclass
class Recovered:
    engine: Engine
    snapshot_seq: int  # 0 when no snapshot was used
    replayed: int  # journal records applied on top of it
    warnings: list[str] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return self.engine.seq


# Called for each journal record applied: (engine, seq, command, events).
OnRecord = Callable[[Engine, int, dict, list], None]


def recover(
    directory: Path,
    snapshot_dir: Path | None = None,
    *,
    snapshot_at_most: int | None = None,
    on_record: OnRecord | None = None,
) -> Recovered:
    """The state as of the last journaled command in `directory`.

    Uses the newest snapshot (in `snapshot_dir`, by default beside the journal) whose
    checksum holds, older ones if not, then applies the journal records after it. Raises
    JournalCorrupt for damage other than a torn tail.

    `snapshot_at_most` limits the snapshots to those at or before that seq, so that
    `on_record` sees every command after it again (the persister's catch-up).
    """
    warnings: list[str] = []
    engine = Engine()
    snapshot_seq = 0
    for path in snapshot_files(snapshot_dir or directory):
        if snapshot_at_most is not None and seq_of_snapshot(path) > snapshot_at_most:
            continue
        try:
            engine = read_snapshot(path)
        except SnapshotInvalid as error:
            warnings.append(f"{error}; trying an older snapshot")
            continue
        snapshot_seq = engine.seq
        break
    scan = JournalScan(directory, after_seq=engine.seq)
    with collector_paused():
        replayed = _apply(engine, scan, directory, on_record)
    if scan.last_seq < engine.seq and scan.last_seq != 0:
        warnings.append(
            f"the journal ends at seq {scan.last_seq}, before the snapshot at {engine.seq}"
        )
    warnings.extend(scan.warnings)
    return Recovered(engine, snapshot_seq, replayed, warnings)


def _apply(
    engine: Engine, scan: JournalScan, directory: Path, on_record: OnRecord | None = None
) -> int:
    """Applies the scanned records in order; returns how many."""
    replayed = 0
    for record in scan.records():
        if record.seq != engine.seq + 1:
            raise JournalCorrupt(
                f"{directory}: journal jumps from seq {engine.seq} to {record.seq} "
                "(missing records)"
            )
        command = json.loads(record.payload)
        events = engine.process(command)
        if engine.seq != record.seq:
            raise JournalCorrupt(f"{directory}: record {record.seq} is not a command")
        if on_record is not None:
            on_record(engine, record.seq, command, events)
        replayed += 1
    return replayed

"""Rebuilding the engine after a stop or a crash: the newest good snapshot, then the journal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from matching.engine import Engine
from matching.gc_tuning import collector_paused
from matching.journal import JournalCorrupt, JournalScan
from matching.snapshots import SnapshotInvalid, read_snapshot, snapshot_files


@dataclass
class Recovered:
    engine: Engine
    snapshot_seq: int  # 0 when no snapshot was used
    replayed: int  # journal records applied on top of it
    warnings: list[str] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return self.engine.seq


def recover(directory: Path, snapshot_dir: Path | None = None) -> Recovered:
    """The state as of the last journaled command in `directory`.

    Uses the newest snapshot (in `snapshot_dir`, by default beside the journal) whose
    checksum holds, older ones if not, then applies the journal records after it. Raises
    JournalCorrupt for damage other than a torn tail.
    """
    warnings: list[str] = []
    engine = Engine()
    snapshot_seq = 0
    for path in snapshot_files(snapshot_dir or directory):
        try:
            engine = read_snapshot(path)
        except SnapshotInvalid as error:
            warnings.append(f"{error}; trying an older snapshot")
            continue
        snapshot_seq = engine.seq
        break
    scan = JournalScan(directory, after_seq=engine.seq)
    with collector_paused():
        replayed = _apply(engine, scan, directory)
    if scan.last_seq < engine.seq and scan.last_seq != 0:
        warnings.append(
            f"the journal ends at seq {scan.last_seq}, before the snapshot at {engine.seq}"
        )
    warnings.extend(scan.warnings)
    return Recovered(engine, snapshot_seq, replayed, warnings)


def _apply(engine: Engine, scan: JournalScan, directory: Path) -> int:
    """Applies the scanned records in order; returns how many."""
    replayed = 0
    for record in scan.records():
        if record.seq != engine.seq + 1:
            raise JournalCorrupt(
                f"{directory}: journal jumps from seq {engine.seq} to {record.seq} "
                "(missing records)"
            )
        engine.process(json.loads(record.payload))
        if engine.seq != record.seq:
            raise JournalCorrupt(f"{directory}: record {record.seq} is not a command")
        replayed += 1
    return replayed

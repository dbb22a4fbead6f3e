"""Running commands through the engine with the journal: group commit, acks, snapshots.

This is the matcher's durability loop in its simplest form, driven by a command file:
process a batch, append each command to the journal, commit (one write, one fsync), and
only then acknowledge the batch. A crash at any point loses nothing acknowledged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path

from matching.engine import Engine
from matching.journal import JournalWriter
from matching.replay import Gathered
from matching.snapshots import SnapshotPolicy, write_snapshot


def run_journaled(
    entries: Iterable[tuple[dict, str]],
    engine: Engine,
    writer: JournalWriter,
    *,
    batch: int = 1000,
    on_ack: Callable[[int], None] | None = None,
    snapshot_dir: Path | None = None,
    snapshots: SnapshotPolicy | None = None,
) -> tuple[Engine, Gathered, float, int]:
    """Processes and journals the commands of `entries`, each with its JSON line (the
    journal's payload), read a batch at a time.

    Returns the engine, the events gathered (replay.py), the seconds spent processing,
    journaling and snapshotting (reading the next batch and gathering the last one's
    events are off the clock), and how many commands ran. `on_ack(seq)` is called after
    each durable batch with the batch's last seq.
    """
    process, append = engine.process, writer.append
    gathered = Gathered()
    seconds, count = 0.0, 0
    if snapshots is not None:
        snapshots.taken(engine)
    source = iter(entries)
    while chunk := list(islice(source, batch)):
        started = time.perf_counter()
        outputs = []
        keep = outputs.append
        for cmd, line in chunk:
            keep(process(cmd))
            append(engine.seq, engine.clock, line.encode())
        acked = writer.commit()
        if on_ack is not None:
            on_ack(acked)
        if snapshot_dir is not None and snapshots is not None and snapshots.due(engine):
            write_snapshot(snapshot_dir, engine)
            snapshots.taken(engine)
        seconds += time.perf_counter() - started
        gathered.add(outputs)
        count += len(chunk)
    return engine, gathered, seconds, count

"""Running commands through the engine with the journal: group commit, acks, snapshots.

This is the matcher's durability loop in its simplest form, driven by a command file:
process a batch, append each command to the journal, commit (one write, one fsync), and
only then acknowledge the batch. A crash at any point loses nothing acknowledged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from matching.engine import Engine
from matching.journal import JournalWriter
from matching.snapshots import SnapshotPolicy, write_snapshot


def run_journaled(
    commands: list[dict],
    lines: list[str],
    engine: Engine,
    writer: JournalWriter,
    *,
    batch: int = 1000,
    on_ack: Callable[[int], None] | None = None,
    snapshot_dir: Path | None = None,
    snapshots: SnapshotPolicy | None = None,
) -> tuple[Engine, list[list], float]:
    """Processes and journals `commands` (their JSON `lines` are the journal payloads).

    Returns the engine, each command's events and the seconds spent, journal included.
    `on_ack(seq)` is called after each durable batch with the batch's last seq.
    """
    process, append = engine.process, writer.append
    outputs: list[list] = []
    keep = outputs.append
    if snapshots is not None:
        snapshots.taken(engine)
    started = time.perf_counter()
    for start in range(0, len(commands), batch):
        for cmd, line in zip(
            commands[start : start + batch], lines[start : start + batch], strict=True
        ):
            keep(process(cmd))
            append(engine.seq, engine.clock, line.encode())
        acked = writer.commit()
        if on_ack is not None:
            on_ack(acked)
        if snapshot_dir is not None and snapshots is not None and snapshots.due(engine):
            write_snapshot(snapshot_dir, engine)
            snapshots.taken(engine)
    return engine, outputs, time.perf_counter() - started

"""Snapshots of the engine state: checksummed files written atomically, the newest few kept
(and the newest at or before a given seq: the one a recovery that must replay from there
needs, `prune_snapshots`).

A snapshot `snapshot-<seq>.json` is one header line (`{"seq", "sha256", "bytes"}`) and the
canonical state dump (`engine/state.py`); the SHA-256 covers the dump. It is written to a
temporary file, fsynced, renamed into place and the directory fsynced, so a crash leaves
either the whole new snapshot or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from matching.engine import Engine
from matching.engine.state import canonical_json, dump_state, load_state
from matching.journal import fsync_directory

KEEP = 5


class SnapshotInvalid(Exception):
    """A snapshot whose checksum or form does not hold."""


@dataclass
class SnapshotPolicy:
    """When to snapshot: after `every_trades` trades or `every_seconds` seconds since the last
    one, whichever comes first (0 turns a limit off), but never sooner than `min_seconds`
    after the last. The matcher's defaults are 1000 trades, 5 minutes and 30 s (settings): a
    snapshot stops the matcher while it dumps the whole state, which under heavy trading
    (thousands of trades a second) it would otherwise do several times a second, for a
    recovery that replays the journal at over 100,000 commands/s anyway. A replay takes
    none unless asked."""

    every_trades: int = 0
    every_seconds: float = 0
    min_seconds: float = 0
    _trades_at: int = 0
    _time_at: float = field(default_factory=time.monotonic)

    def due(self, engine: Engine) -> bool:
        since = time.monotonic() - self._time_at
        if since < self.min_seconds:
            return False
        return bool(
            (self.every_trades and engine.trade_seq - self._trades_at >= self.every_trades)
            or (self.every_seconds and since >= self.every_seconds)
        )

    def taken(self, engine: Engine) -> None:
        self._trades_at, self._time_at = engine.trade_seq, time.monotonic()


def snapshot_files(directory: Path) -> list[Path]:
    """Snapshot files, newest (highest seq) first."""
    return sorted(directory.glob("snapshot-*.json"), reverse=True)


def snapshot_seq(path: Path) -> int:
    """The seq of the snapshot file `path`, from its name."""
    return int(path.stem.split("-")[1])


def prune_snapshots(directory: Path, keep: int = KEEP, keep_at_or_before: int | None = None):
    """Drops all but the newest `keep` snapshots and, if `keep_at_or_before` is given, the
    newest one whose seq is at or before it."""
    files = snapshot_files(directory)
    kept = set(files[:keep])
    if keep_at_or_before is not None:
        anchor = next((path for path in files if snapshot_seq(path) <= keep_at_or_before), None)
        if anchor is not None:
            kept.add(anchor)
    for old in files:
        if old not in kept:
            old.unlink()


def write_snapshot(
    directory: Path, engine: Engine, keep: int = KEEP, keep_at_or_before: int | None = None
) -> Path:
    """Writes the engine's state durably, then `prune_snapshots(directory, keep,
    keep_at_or_before)`."""
    directory.mkdir(parents=True, exist_ok=True)
    body = canonical_json(dump_state(engine))
    header = {"seq": engine.seq, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
    path = directory / f"snapshot-{engine.seq:020d}.json"
    for leftover in directory.glob("snapshot-*.tmp"):  # from a write a crash cut short
        leftover.unlink()
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as handle:
        handle.write(json.dumps(header).encode() + b"\n" + body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(directory)
    prune_snapshots(directory, keep, keep_at_or_before)
    return path


def read_snapshot(path: Path) -> Engine:
    """The engine stored in `path`; raises SnapshotInvalid if the file does not check out."""
    data = path.read_bytes()
    head, _, body = data.partition(b"\n")
    try:
        header = json.loads(head)
        if hashlib.sha256(body).hexdigest() != header["sha256"] or len(body) != header["bytes"]:
            raise SnapshotInvalid(f"{path}: checksum does not match")
        engine = load_state(json.loads(body))
    except (ValueError, KeyError, TypeError) as error:
        raise SnapshotInvalid(f"{path}: {error}") from error
    if engine.seq != header["seq"]:
        raise SnapshotInvalid(f"{path}: header seq {header['seq']} != state seq {engine.seq}")
    return engine

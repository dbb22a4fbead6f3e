"""Snapshots of the engine state: checksummed files written atomically, the newest few kept.

A snapshot `snapshot-<seq>.json` is one header line (`{"seq", "sha256", "bytes"}`) and the
canonical state dump (`engine/state.py`); the SHA-256 covers the dump. It is written to a
temporary file, fsynced, renamed into place and the directory fsynced, so a crash leaves
either the whole new snapshot or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from matching.engine import Engine
from matching.engine.state import canonical_json, dump_state, load_state
from matching.journal import fsync_directory

KEEP = 5


class SnapshotInvalid(Exception):
    """A snapshot whose checksum or form does not hold."""


def snapshot_files(directory: Path) -> list[Path]:
    """Snapshot files, newest (highest seq) first."""
    return sorted(directory.glob("snapshot-*.json"), reverse=True)


def write_snapshot(directory: Path, engine: Engine, keep: int = KEEP) -> Path:
    """Writes the engine's state durably and drops all but the newest `keep` snapshots."""
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
    for old in snapshot_files(directory)[keep:]:
        old.unlink()
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

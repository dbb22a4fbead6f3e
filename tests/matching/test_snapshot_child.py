"""Snapshots written by a forked child (matching/snapshot_child.py): the file holds the state
at the moment of the fork, whatever the parent does next, and a failed write shows in the
child's exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching.engine.state import state_sha256
from matching.service import snapshot_child
from matching.snapshots import read_snapshot, snapshot_files

from .helpers import limit
from .test_snapshots import SETUP, engine_after

pytestmark = pytest.mark.skipif(not snapshot_child.CAN_FORK, reason="no fork here")


def test_the_child_writes_the_state_of_the_moment_it_was_forked(tmp_path: Path) -> None:
    engine = engine_after(SETUP)
    at_fork = state_sha256(engine)

    child = snapshot_child.start(tmp_path, engine)
    engine.process(limit(99, "u7", "buy", "1.000", "90.00"))  # the parent moves on at once

    assert snapshot_child.finished(child, wait=True) == 0
    [path] = snapshot_files(tmp_path)
    assert state_sha256(read_snapshot(path)) == at_fork != state_sha256(engine)


def test_a_failed_write_is_a_nonzero_exit(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the snapshot directory should be")

    child = snapshot_child.start(blocked, engine_after(SETUP))

    assert snapshot_child.finished(child, wait=True) == 1

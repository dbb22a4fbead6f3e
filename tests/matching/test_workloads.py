"""Every example of SPEC.md's workloads gives exactly its expected files.

The examples are copied from `../shared/workloads/` into `tests/matching/workloads/`, so a
fresh clone tests itself; a new `NAME.jsonl` with a `NAME.expected/` folder is picked up
without code changes.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matching.engine import BUILD

WORKLOADS = Path(__file__).parent / "workloads"
PROJECT = Path(__file__).parents[2]
EXAMPLES = sorted(path.name[: -len(".jsonl")] for path in WORKLOADS.glob("*.jsonl"))
DIGESTS = json.loads((WORKLOADS / "digests.json").read_text())


def replay_cli(command_file: Path, out: Path) -> dict:
    """Runs `python -m matching replay FILE --out DIR` as a user would; returns the summary."""
    done = subprocess.run(
        [sys.executable, "-m", "matching", "replay", str(command_file), "--out", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    # a valid workload reports nothing on stderr but the build that ran it (matching/core.py)
    assert done.stderr == f"core: {BUILD}\n"
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", [n for n in EXAMPLES if (WORKLOADS / f"{n}.expected").is_dir()])
def test_example_gives_exactly_its_expected_files(name: str, tmp_path: Path) -> None:
    summary = replay_cli(WORKLOADS / f"{name}.jsonl", tmp_path)
    for csv in ("orders.csv", "tape.csv", "book.csv"):
        expected = (WORKLOADS / f"{name}.expected" / csv).read_text()
        assert (tmp_path / csv).read_text() == expected, f"{name}: {csv} differs"
    digests = DIGESTS[name]
    for field in ("commands", "trades", "tape_sha256", "orders_sha256", "book_sha256"):
        assert summary[field] == digests[field], f"{name}: {field}"


@pytest.mark.slow
def test_benchmark_mix_of_200k_commands_matches_its_digests(tmp_path: Path) -> None:
    command_file = tmp_path / "standard_200k.jsonl"
    with gzip.open(WORKLOADS / "standard_200k.jsonl.gz", "rb") as packed:
        with command_file.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
    summary = replay_cli(command_file, tmp_path / "out")
    digests = DIGESTS["standard_200k"]
    for field in ("commands", "trades", "tape_sha256", "orders_sha256", "book_sha256"):
        assert summary[field] == digests[field], field

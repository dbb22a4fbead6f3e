"""`python -m matching.bench FILE [--runs N]`: the core's speed, best of N runs.

Runs `python -m matching replay FILE` N times without the journal and N times with it
(`--fsync always`, into a fresh temporary directory each time), each in its own process,
and prints one JSON line with the best and median commands per second of each, and which
build of the core ran (`build`: compiled or pure, as `MATCHING_CORE` chose; matching/core.py).
The machine is shared and noisy, so the best of several runs is the figure that says what
the code can do; the median says what to expect.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _rate(arguments: list[str]) -> dict:
    """The replay's summary line, with `build` from its `core: BUILD` line on stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "matching", "replay", *arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    builds = [line[6:] for line in done.stderr.splitlines() if line.startswith("core: ")]
    return {**json.loads(done.stdout.splitlines()[-1]), "build": builds[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.bench")
    parser.add_argument("file", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    plain, journaled, builds = [], [], set()
    for _ in range(args.runs):
        summary = _rate([str(args.file)])
        plain.append(summary["commands_per_sec"])
        builds.add(summary["build"])
        with tempfile.TemporaryDirectory() as journal:
            summary = _rate([str(args.file), "--journal", journal, "--fsync", "always"])
            journaled.append(summary["commands_per_sec"])
            builds.add(summary["build"])
    report = {
        "build": "+".join(sorted(builds)),  # one build, unless it changed during the runs
        "file": str(args.file),
        "commands": summary["commands"],
        "runs": args.runs,
        "replay_best": max(plain),
        "replay_median": int(statistics.median(plain)),
        "journaled_fsync_always_best": max(journaled),
        "journaled_fsync_always_median": int(statistics.median(journaled)),
        "journaled_share_of_plain": round(
            statistics.median(journaled) / statistics.median(plain), 3
        ),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Crashes of real processes (DESIGN.md "Durability"): `python -m matching replay --journal`
is killed with SIGKILL at random moments; `recover` must then hold every acknowledged command
(`last_seq` >= the last `acked N` printed) and exactly the book of a plain replay of the first
`last_seq` commands, and `replay --resume` must end with the book of an uninterrupted run.
Also: damaged journals and snapshots through the command line, and its refusals."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from matching.commandfile import read_commands
from matching.engine import Engine
from matching.engine.state import state_sha256
from matching.journal import MAGIC, JournalWriter, segments
from matching.journaled_run import run_journaled
from matching.recovery import recover
from matching.replay import book_bytes, replay
from matching.snapshots import snapshot_files, write_snapshot

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ROOT / "tests" / "matching" / "workloads"
BATCH = 50
RUNS = 12
SEED = 20_251_123
PROCESS_TIMEOUT = 30  # seconds; a run takes about one
EMPTY_SHA = hashlib.sha256(b"").hexdigest()
SMALL = "14_fees_tiers_rebates"  # where a whole run is not the point


def workload_file(name: str) -> Path:
    return WORKLOADS / f"{name}.jsonl"


@functools.cache
def commands_of(source: str | Path) -> tuple[list[dict], list[str]]:
    """The commands of a workload (by name) or command file, and their lines."""
    path = source if isinstance(source, Path) else workload_file(source)
    lines: list[str] = []
    return read_commands(path, lambda *_: None, lines), lines


@functools.cache
def reference(source: str | Path, count: int) -> tuple[str, str]:
    """(book_sha256, state_sha256) of a plain replay of the first `count` commands."""
    engine = Engine()
    for cmd in commands_of(source)[0][:count]:
        engine.process(cmd)
    return hashlib.sha256(book_bytes(engine)).hexdigest(), state_sha256(engine)


@functools.cache
def uninterrupted_book(source: str | Path) -> str:
    return replay(commands_of(source)[0]).summary()["book_sha256"]


def matching(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matching", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )


def summary_of(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    return json.loads(lines[-1])


def recover_cli(journal: Path, out: Path | None = None) -> tuple[dict, str]:
    """`recover`'s JSON line (checked against book.csv when `out` is given) and its stderr."""
    args = ["recover", "--journal", journal] + (["--out", out] if out is not None else [])
    done = matching(*args)
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    if out is not None:
        book = (out / "book.csv").read_bytes()
        assert hashlib.sha256(book).hexdigest() == result["book_sha256"]
    return result, done.stderr


def resume_to_the_end(source: str | Path, journal: Path, done: int) -> None:
    """Resumes the run and checks it ends with the uninterrupted run's book and state."""
    path = source if isinstance(source, Path) else workload_file(source)
    summary = summary_of(matching("replay", path, "--journal", journal, "--resume"))
    total = len(commands_of(source)[0])
    assert summary["commands"] == total - done
    assert summary["book_sha256"] == uninterrupted_book(source)
    final = recover(journal)
    assert final.last_seq == total
    assert state_sha256(final.engine) == reference(source, total)[1]


def journal_prefix(directory: Path, name: str, count: int, snapshot_at: tuple = ()) -> None:
    """The journal a run leaves when it dies right after acknowledging `count` commands."""
    commands, lines = commands_of(name)
    engine = Engine()
    writer = JournalWriter(directory, 1, fsync="off")

    def on_ack(seq: int) -> None:
        if seq in snapshot_at:
            write_snapshot(directory, engine)

    entries = zip(commands[:count], lines[:count], strict=True)
    run_journaled(entries, engine, writer, batch=BATCH, on_ack=on_ack)
    writer.close()


# ---- kill -9 at random moments -------------------------------------------------------------


def _crash_plan() -> list:
    """RUNS seeded crash points: which workload, after which ack, how long after it."""
    rng = random.Random(SEED)
    plans = []
    for run in range(RUNS):
        name = ("standard_10k", "full_5k")[run % 2]
        acks = {"standard_10k": 10_000, "full_5k": 5_000}[name] // BATCH
        at_ack = rng.randint(1, acks - 10)
        delay = 0.0 if run % 3 == 0 else round(rng.uniform(0.0005, 0.02), 4)
        snapshots = run % 4 >= 2
        when = "right_after" if delay == 0 else f"{delay * 1000:.1f}ms_after"
        label = f"run{run:02d}-{name}-{when}-ack{at_ack}" + ("-snapshots" if snapshots else "")
        plans.append(pytest.param(name, at_ack, delay, snapshots, id=label))
    return plans


def _acks(text: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("acked ")]


def run_and_kill(path: Path, journal: Path, at_ack: int, delay: float, snapshots: bool) -> int:
    """Starts a journaled replay, kills it with SIGKILL `delay` seconds after its `at_ack`-th
    ack, and returns the last ack it printed."""
    args = ["replay", path, "--journal", journal, "--progress"]
    args += ["--batch", BATCH] + (["--snapshot-every-trades", 250] if snapshots else [])
    process = subprocess.Popen(
        [sys.executable, "-m", "matching", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(PROCESS_TIMEOUT, process.kill)
    watchdog.start()
    printed: list[int] = []
    try:
        for line in process.stdout:
            printed += _acks(line)
            if len(printed) == at_ack:
                if delay:
                    time.sleep(delay)
                os.kill(process.pid, signal.SIGKILL)
                break
        printed += _acks(process.stdout.read())  # printed before it died: acknowledged too
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(timeout=PROCESS_TIMEOUT)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert printed, "the run acknowledged nothing"
    return max(printed)


@pytest.mark.parametrize(("name", "at_ack", "delay", "snapshots"), _crash_plan())
def test_a_killed_run_recovers_every_acknowledged_command_and_resumes_to_the_same_book(
    tmp_path, name, at_ack, delay, snapshots
):
    journal = tmp_path / "journal"
    last_ack = run_and_kill(workload_file(name), journal, at_ack, delay, snapshots)
    assert last_ack >= at_ack * BATCH

    recovered, _ = recover_cli(journal, tmp_path / "out")

    last_seq = recovered["last_seq"]
    assert last_ack <= last_seq <= len(commands_of(name)[0])
    book, state = reference(name, last_seq)
    assert recovered["book_sha256"] == book
    assert recovered["state_sha256"] == state
    resume_to_the_end(name, journal, last_seq)


def test_a_killed_run_of_a_file_with_malformed_lines_resumes_at_the_right_command(tmp_path):
    # malformed lines are skipped, not journaled: seq counts commands, not lines
    lines = workload_file("full_5k").read_text().splitlines()[:1500]
    noise = ["not json", '{"op":"launch"}', "", "# a comment", '{"op":"new","user":"u1"}', "[]"]
    mixed = [x for i, line in enumerate(lines) for x in (noise[i % len(noise)], line)]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(mixed) + "\n")
    journal = tmp_path / "journal"
    assert len(commands_of(source)[0]) == 1499

    last_ack = run_and_kill(source, journal, at_ack=13, delay=0.002, snapshots=False)

    recovered, _ = recover_cli(journal)
    assert recovered["last_seq"] >= last_ack >= 650
    assert recovered["book_sha256"] == reference(source, recovered["last_seq"])[0]
    resume_to_the_end(source, journal, recovered["last_seq"])


# ---- the command line, on journals left in known states -----------------------------------


def test_progress_prints_an_ack_after_each_durable_batch(tmp_path):
    done = matching(
        "replay", workload_file("full_5k"), "--journal", tmp_path, "--progress", "--batch", 300
    )
    summary = summary_of(done)
    assert _acks(done.stdout) == [*range(300, 5000, 300), 5000]
    assert done.stdout.splitlines()[:-1] == [f"acked {n}" for n in _acks(done.stdout)]
    plain = replay(commands_of("full_5k")[0]).summary()
    for key in ("commands", "trades", "tape_sha256", "orders_sha256", "book_sha256"):
        assert summary[key] == plain[key]


def test_recover_prints_one_json_line_and_writes_book_csv(tmp_path):
    summary_of(matching("replay", workload_file("full_5k"), "--journal", tmp_path / "j"))
    result, stderr = recover_cli(tmp_path / "j", tmp_path / "out")
    assert {"last_seq", "state_sha256", "book_sha256"} <= result.keys()
    assert result["last_seq"] == 5000
    assert (result["book_sha256"], result["state_sha256"]) == reference("full_5k", 5000)
    assert stderr == ""


def test_an_empty_journal_directory_recovers_an_empty_book_and_resumes_from_the_start(tmp_path):
    result, _ = recover_cli(tmp_path, tmp_path / "out")
    assert (result["last_seq"], result["book_sha256"]) == (0, EMPTY_SHA)
    assert (tmp_path / "out" / "book.csv").read_bytes() == b""
    resume_to_the_end(SMALL, tmp_path, 0)


def test_a_journal_without_snapshots_recovers_and_resumes(tmp_path):
    journal_prefix(tmp_path, "full_5k", 2250)
    result, _ = recover_cli(tmp_path)
    assert (result["last_seq"], result["snapshot_seq"]) == (2250, 0)
    assert result["book_sha256"] == reference("full_5k", 2250)[0]
    resume_to_the_end("full_5k", tmp_path, 2250)


def test_a_truncated_last_record_is_cut_off_and_the_run_resumes_to_the_same_book(tmp_path):
    journal_prefix(tmp_path, "full_5k", 3000)
    [segment] = segments(tmp_path)
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size - 20)

    result, stderr = recover_cli(tmp_path)

    assert result["last_seq"] == 2999
    assert result["book_sha256"] == reference("full_5k", 2999)[0]
    assert f"warning: {segment}: torn record at offset" in stderr
    resume_to_the_end("full_5k", tmp_path, 2999)


def test_a_flipped_byte_in_the_last_record_is_cut_off_and_the_run_resumes(tmp_path):
    journal_prefix(tmp_path, "full_5k", 1000)
    [segment] = segments(tmp_path)
    data = bytearray(segment.read_bytes())
    data[-5] ^= 0x20
    segment.write_bytes(bytes(data))

    result, stderr = recover_cli(tmp_path)

    assert result["last_seq"] == 999
    assert result["book_sha256"] == reference("full_5k", 999)[0]
    assert str(segment) in stderr and "cut off" in stderr
    resume_to_the_end("full_5k", tmp_path, 999)


def test_a_flipped_byte_in_a_middle_record_stops_recover_and_resume_naming_file_and_offset(
    tmp_path,
):
    journal_prefix(tmp_path, "full_5k", 1000)
    [segment] = segments(tmp_path)
    data = bytearray(segment.read_bytes())
    data[len(data) // 3] ^= 0x20
    segment.write_bytes(bytes(data))

    done = matching("recover", "--journal", tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"recovery stopped: {segment}: corrupt record at offset" in done.stderr

    done = matching("replay", workload_file("full_5k"), "--journal", tmp_path, "--resume")
    assert done.returncode == 1
    assert f"cannot resume: {segment}: corrupt record at offset" in done.stderr
    assert segment.read_bytes() == bytes(data), "the evidence is kept"
    assert segments(tmp_path) == [segment]


def test_a_corrupt_newest_snapshot_falls_back_to_the_one_before(tmp_path):
    journal_prefix(tmp_path, "full_5k", 4000, snapshot_at=(1500, 3000))
    newest = snapshot_files(tmp_path)[0]
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0x01
    newest.write_bytes(bytes(data))

    result, stderr = recover_cli(tmp_path)

    assert (result["last_seq"], result["snapshot_seq"], result["replayed"]) == (4000, 1500, 2500)
    assert result["book_sha256"] == reference("full_5k", 4000)[0]
    assert str(newest) in stderr
    resume_to_the_end("full_5k", tmp_path, 4000)


def test_resume_without_a_journal_is_an_error():
    done = matching("replay", workload_file("full_5k"), "--resume")
    assert done.returncode == 2
    assert "--resume needs --journal" in done.stderr
    assert done.stdout == ""


def test_replaying_into_a_directory_that_holds_a_journal_is_refused_without_resume(tmp_path):
    journal_prefix(tmp_path, "full_5k", 500)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    done = matching("replay", workload_file("full_5k"), "--journal", tmp_path)
    assert done.returncode == 2
    assert "already holds a journal" in done.stderr and "--resume" in done.stderr
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


# A run killed before its first commit leaves a segment holding its magic (or less of it, or
# a torn first record); recovery finds nothing acknowledged, and resuming must start over.
@pytest.mark.parametrize(
    "leftover",
    [MAGIC, MAGIC[:5], b"", MAGIC + b"\x40\x00\x00\x00\x12"],
    ids=["magic_only", "torn_magic", "empty_file", "torn_first_record"],
)
def test_a_run_killed_before_its_first_commit_can_be_resumed(tmp_path, leftover):
    (tmp_path / "journal-00000000000000000001.wal").write_bytes(leftover)
    result, _ = recover_cli(tmp_path)
    assert (result["last_seq"], result["book_sha256"]) == (0, EMPTY_SHA)
    resume_to_the_end(SMALL, tmp_path, 0)


def test_a_finished_run_can_be_resumed_again_and_again(tmp_path):
    summary_of(matching("replay", workload_file(SMALL), "--journal", tmp_path))
    total = len(commands_of(SMALL)[0])
    for _ in range(3):
        resume_to_the_end(SMALL, tmp_path, total)

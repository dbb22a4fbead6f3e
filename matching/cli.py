"""Command line of the matching core.

python -m matching replay FILE.jsonl [--out DIR]
    [--journal DIR [--fsync always|interval|off] [--progress] [--resume]
     [--batch N] [--snapshot-every-trades N] [--snapshot-every-seconds S]]
python -m matching recover --journal DIR [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from matching.commandfile import read_commands
from matching.engine import BUILD, Engine
from matching.engine.state import state_sha256
from matching.gc_tuning import collector_paused
from matching.journal import FSYNC_POLICIES, JournalCorrupt, JournalWriter, segments
from matching.journaled_run import run_journaled
from matching.recovery import Recovered, recover
from matching.replay import book_bytes, replay
from matching.snapshots import SnapshotPolicy, snapshot_files, write_snapshot


def _report_malformed(line: int, reason: str) -> None:
    print(f"line {line}: malformed command skipped ({reason})", file=sys.stderr)


def _print_ack(seq: int) -> None:
    print(f"acked {seq}", flush=True)


def _replay(args: argparse.Namespace) -> int:
    print(f"core: {BUILD}", file=sys.stderr)  # which build the figures are of (matching/core.py)
    # the whole file first: the figures are of the core, not of parsing JSON (interleaved
    # with the run, the parsing's allocations also scatter the book's objects in memory)
    lines: list[str] = []
    try:
        commands = read_commands(args.file, _report_malformed, lines)
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    if args.journal is None:
        with collector_paused():
            result = replay(commands)
    else:
        engine = Engine()
        if args.resume:
            recovered = _recover_or_report(args.journal, "cannot resume")
            if recovered is None:
                return 1
            engine = recovered.engine
        elif args.journal.is_dir() and (segments(args.journal) or snapshot_files(args.journal)):
            print(f"{args.journal} already holds a journal: use --resume", file=sys.stderr)
            return 2
        done = engine.seq
        writer = JournalWriter(args.journal, done + 1, fsync=args.fsync)
        with collector_paused():
            engine, gathered, seconds, count = run_journaled(
                zip(commands[done:], lines[done:], strict=True),
                engine,
                writer,
                batch=args.batch,
                on_ack=_print_ack if args.progress else None,
                snapshot_dir=args.journal,
                snapshots=SnapshotPolicy(args.snapshot_every_trades, args.snapshot_every_seconds),
            )
        writer.close()
        write_snapshot(args.journal, engine)  # a graceful end, as at a matcher's shutdown
        result = gathered.result(engine, seconds, commands=count)
    if args.out is not None:
        result.write(args.out)
    print(json.dumps(result.summary()), flush=True)
    return 0


def _recover_or_report(directory: Path, failure: str) -> Recovered | None:
    """Recovers from `directory`, printing warnings; None (and why) if the journal is corrupt."""
    try:
        recovered = recover(directory)
    except JournalCorrupt as error:
        print(f"{failure}: {error}", file=sys.stderr)
        return None
    for warning in recovered.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return recovered


def _recover(args: argparse.Namespace) -> int:
    recovered = _recover_or_report(args.journal, "recovery stopped")
    if recovered is None:
        return 1
    engine = recovered.engine
    book = book_bytes(engine)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "book.csv").write_bytes(book)
    summary = {
        "last_seq": recovered.last_seq,
        "state_sha256": state_sha256(engine),
        "book_sha256": hashlib.sha256(book).hexdigest(),
        "snapshot_seq": recovered.snapshot_seq,
        "replayed": recovered.replayed,
    }
    print(json.dumps(summary), flush=True)
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching")
    commands = parser.add_subparsers(dest="command", required=True)
    play = commands.add_parser("replay", help="run a command file through the core (SPEC.md §8)")
    play.add_argument("file", type=Path, help="a JSON Lines command file (.jsonl or .jsonl.gz)")
    play.add_argument("--out", type=Path, help="write tape.csv, orders.csv and book.csv here")
    play.add_argument("--journal", type=Path, help="journal every command in this directory")
    play.add_argument("--fsync", choices=FSYNC_POLICIES, default="always")
    play.add_argument("--progress", action="store_true", help="print 'acked N' per durable batch")
    play.add_argument("--resume", action="store_true", help="recover from --journal, go on")
    play.add_argument("--batch", type=_positive_int, default=1000, help="commands per commit")
    play.add_argument(
        "--snapshot-every-trades", type=int, default=0, help="snapshot every N trades (0: off)"
    )
    play.add_argument(
        "--snapshot-every-seconds", type=float, default=0, help="snapshot every S seconds (0: off)"
    )
    play.set_defaults(handler=_replay)
    back = commands.add_parser("recover", help="rebuild the state from a journal directory")
    back.add_argument("--journal", type=Path, required=True)
    back.add_argument("--out", type=Path, help="write book.csv here")
    back.set_defaults(handler=_recover)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "replay" and args.resume and args.journal is None:
        print("--resume needs --journal", file=sys.stderr)
        return 2
    return args.handler(args)

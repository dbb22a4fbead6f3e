"""Command line of the matching core: `python -m matching replay FILE.jsonl [--out DIR]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from matching.commandfile import read_commands
from matching.gc_tuning import collector_paused
from matching.replay import replay


def _report_malformed(line: int, reason: str) -> None:
    print(f"line {line}: malformed command skipped ({reason})", file=sys.stderr)


def _replay(args: argparse.Namespace) -> int:
    try:
        commands = read_commands(args.file, _report_malformed)
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    with collector_paused():
        result = replay(commands)
    if args.out is not None:
        result.write(args.out)
    print(json.dumps(result.summary()), flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("replay", help="run a command file through the core (SPEC.md §8)")
    run.add_argument("file", type=Path, help="a JSON Lines command file (.jsonl or .jsonl.gz)")
    run.add_argument("--out", type=Path, help="write tape.csv, orders.csv and book.csv here")
    run.set_defaults(handler=_replay)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)

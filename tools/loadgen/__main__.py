"""The command line: `python -m tools.loadgen run ...` and `python -m tools.loadgen setup ...`.

Exit codes of `run`: 0 the run completed (some requests may have failed: see the report),
1 the verification found lost, duplicated or made-up orders (or wrong statuses), 2 refused
before starting (a URL that is not loopback, bad arguments, an unreadable keys file, a
`--watch` that matches no process),
3 could not start (the exchange unreachable, unknown market, a key refused on the socket).
`setup` exits 0 with the keys printed, or 1 with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tools.loadgen import progress
from tools.loadgen.loopback import NotLoopback, loopback_base

EXIT_OK, EXIT_VERIFY_FAILED, EXIT_REFUSED, EXIT_START_FAILED = 0, 1, 2, 3


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _ratio(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1: {text}")
    return value


def _price(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal price: {text}") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive price: {text}")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m tools.loadgen",
        description="Load and correctness check of a running exchange (loopback only).",
    )
    commands = top.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="place and cancel orders from many clients, then verify; one JSON line out",
        description="Many concurrent signed clients place and cancel orders for a bounded "
        "time; prints one JSON report line on stdout.",
        epilog="exit codes: 0 the run completed, 1 verification failed (lost, duplicated or "
        "made-up orders, wrong statuses), 2 refused (not a loopback URL, bad arguments or "
        "keys file, a --watch matching no process), 3 could not start (exchange unreachable, "
        "unknown market, key refused)",
    )
    run.add_argument("--url", default="http://127.0.0.1:8000", help="the exchange (loopback)")
    run.add_argument("--transport", choices=("rest", "ws"), default="rest")
    run.add_argument("--clients", type=_positive(int), default=20, help="concurrent clients")
    run.add_argument("--duration", type=_positive(float), default=10.0, help="seconds")
    run.add_argument("--symbol", default="BTC-USDT")
    run.add_argument(
        "--keys", type=Path, required=True, help='JSON list of {"key", "secret"} (round-robin)'
    )
    run.add_argument(
        "--rate",
        type=_positive(float),
        help="total target orders/s, open loop (default: closed loop, each client waits)",
    )
    run.add_argument(
        "--cancel-ratio",
        type=_ratio,
        default=0.3,
        help="after a 201, the chance of cancelling one of the client's resting orders",
    )
    run.add_argument("--mid", type=_price, help="mid price (default: the BBO's, else 50000)")
    run.add_argument("--seed", type=int, help="seed of the clients' random streams")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.add_argument(
        "--watch-pid",
        type=int,
        action="append",
        default=[],
        metavar="PID",
        help="report this process's RSS (kB) at start and end; repeatable",
    )
    run.add_argument(
        "--watch",
        action="append",
        default=[],
        metavar="[NAME=]PID|PATTERN",
        help="report the CPU (s, ms per order) of a group of processes over the measured "
        "phase: a pid, or a regular expression searched in command lines, each with its "
        "descendants (e.g. --watch daphne --watch run_matcher --watch postgres --watch "
        "redis-server); the tool's own process is always reported; repeatable",
    )
    run.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="check afterwards that no order was lost or duplicated (default: on)",
    )
    run.add_argument("--timeout", type=_positive(float), default=10.0, help="per request, s")
    run.add_argument(
        "--verify-timeout",
        type=_positive(float),
        default=15.0,
        help="how long to wait for the database to catch up, s",
    )

    setup = commands.add_parser(
        "setup",
        help="make funded load users with trading keys; prints the keys JSON",
        description="Creates (idempotently) users PREFIX-001..., funds them once through "
        "the matcher and prints a new trading key for each as JSON (run --keys reads it). "
        "Uses Django with the server's environment (DATABASE_URL, SECRET_KEY, ...).",
    )
    setup.add_argument("--users", type=_positive(int), required=True)
    setup.add_argument("--prefix", default="load")
    setup.add_argument("--symbol", default="BTC-USDT", help="the market whose assets to fund")
    setup.add_argument("--usdt", default="1000000000", help="deposit of the quote asset")
    setup.add_argument("--btc", default="100000", help="deposit of the base asset")
    setup.add_argument("--wait", type=_positive(float), default=15.0, help="s for deposits")
    return top


def read_keys(path: Path) -> list[dict]:
    """The keys file: a non-empty JSON list of {"key": str, "secret": str}."""
    keys = json.loads(path.read_text())
    if not isinstance(keys, list) or not keys:
        raise ValueError("the keys file must hold a non-empty JSON list")
    for entry in keys:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("key"), str)
            and isinstance(entry.get("secret"), str)
        ):
            raise ValueError('each key must be {"key": "...", "secret": "..."}')
    return keys


def command_run(args: argparse.Namespace) -> int:
    try:
        base = loopback_base(args.url)
    except NotLoopback as refusal:
        print(f"loadgen: refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        keys = read_keys(args.keys)
    except (OSError, ValueError) as error:
        print(f"loadgen: cannot use --keys {args.keys}: {error}", file=sys.stderr)
        return EXIT_REFUSED

    from tools.loadgen import cpu
    from tools.loadgen.runner import Settings, StartFailed, run

    try:
        watches = cpu.parse_watches(args.watch)
    except ValueError as error:
        print(f"loadgen: refused: --watch: {error}", file=sys.stderr)
        return EXIT_REFUSED
    missing = cpu.unmatched(watches, cpu.Snapshot.take(), os.getpid())
    if missing:
        print(f"loadgen: refused: --watch: no process for {', '.join(missing)}", file=sys.stderr)
        return EXIT_REFUSED

    settings = Settings(
        base=base,
        keys=keys,
        transport=args.transport,
        clients=args.clients,
        duration=args.duration,
        symbol=args.symbol,
        rate=args.rate,
        cancel_ratio=args.cancel_ratio,
        mid=args.mid,
        seed=args.seed,
        progress=progress.wanted(args.no_progress),
        watch_pids=args.watch_pid,
        watches=watches,
        verify=args.verify,
        timeout=args.timeout,
        verify_timeout=args.verify_timeout,
    )
    try:
        report = asyncio.run(run(settings))
    except StartFailed as error:
        print(f"loadgen: {error}", file=sys.stderr)
        return EXIT_START_FAILED
    print(cpu.format_table(report["cpu"]), file=sys.stderr, flush=True)
    print(json.dumps(report), flush=True)
    verified = report["verify"]
    return EXIT_VERIFY_FAILED if verified is not None and not verified["ok"] else EXIT_OK


def command_setup(args: argparse.Namespace) -> int:
    from tools.loadgen.setup import SetupFailed, create_load_users, django_setup

    django_setup()
    try:
        keys = create_load_users(
            users=args.users,
            prefix=args.prefix,
            symbol=args.symbol,
            quote_amount=args.usdt,
            base_amount=args.btc,
            wait=args.wait,
        )
    except SetupFailed as error:
        print(f"loadgen setup: {error}", file=sys.stderr)
        return 1
    print(json.dumps(keys), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return command_run(args) if args.command == "run" else command_setup(args)


if __name__ == "__main__":
    sys.exit(main())

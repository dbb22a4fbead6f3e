"""The embedded exchange (`runexchange`): SQLite, the in-memory layer, everything in one
process; it serves HTTP, its matcher takes the markets from the database, and SIGTERM stops
it cleanly with a snapshot."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

from tests.exchange.processes import ROOT, Process, copy_embedded_template, embedded_env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True,
                   capture_output=True, cwd="/")  # fmt: skip


def _matcher_seq(database) -> int:
    with sqlite3.connect(database) as db:
        row = db.execute("select last_seq from exchange_matcherstate where shard = ''").fetchone()
    return row[0] if row else 0


def test_runexchange_serves_runs_the_matcher_and_stops_cleanly(tmp_path, embedded_template):
    data_dir = tmp_path / "data"
    env = embedded_env(data_dir)
    copy_embedded_template(embedded_template, data_dir)  # migrated, demo bootstrapped
    port = _free_port()
    exchange = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    try:
        exchange.wait_ready()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        deadline = time.monotonic() + 20
        while _matcher_seq(data_dir / "db.sqlite3") < 2:  # both demo markets defined
            assert time.monotonic() < deadline, "".join(exchange.output)
            time.sleep(0.2)
        assert exchange.terminate() == 0
    finally:
        exchange.stop()
    assert list((data_dir / "snapshots").glob("snapshot-*.json"))

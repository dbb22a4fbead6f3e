"""What read-your-writes costs a read (API.md, "Consistency"; exchange/services/read_fence.py).
Not collected by default; run

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/b1 REDIS_URL=redis://127.0.0.1:6379/13 \
    EXCHANGE_REQUIRE_SERVICES=1 .venv/bin/python -m pytest -q -s -n 0 -p no:cacheprovider \
    tests/ws/bench_read_fence.py

Two daphne processes before a run_matcher (PostgreSQL, Redis): each cycle places an order
through one and at once lists orders through the other, BENCH_CYCLES (150) times, read by
the placing user (the read waits for the persister: the fence) and by another user (nothing
to wait for: what a read cost before the fence); the orders are cancelled after each run.
Prints p50/p99 of each read and of the
place, and the cycles a second."""

from __future__ import annotations

import os
import statistics
import time

import pytest

from tests.ws.conftest import key_of
from tests.ws.servers import http

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CYCLES = int(os.environ.get("BENCH_CYCLES", "150"))  # at most max_open_orders (200)
BUY = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "0.001"}


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def _run(write, read, placer: dict, reader: dict) -> tuple[list, list, float]:
    places, reads = [], []
    began = time.perf_counter()
    for n in range(CYCLES):
        start = time.perf_counter()
        status, _ = http(write.base, "POST", "/api/v1/orders", placer,
                         {**BUY, "price": f"{50 + n % 40}.00"})  # fmt: skip
        placed = time.perf_counter()
        assert status == 201
        status, _ = http(read.base, "GET", "/api/v1/orders?limit=10", reader)
        assert status == 200
        places.append(placed - start)
        reads.append(time.perf_counter() - placed)
    rate = CYCLES / (time.perf_counter() - began)
    assert http(write.base, "DELETE", "/api/v1/orders", placer)[0] == 200
    return places, reads, rate


def test_the_read_fence_s_cost(start_server, traders) -> None:
    write, read = start_server(), start_server()
    maker, taker = key_of(traders[0]), key_of(traders[1])
    _run(write, read, maker, maker)  # warm-up

    for label, reader in (("other user's read (no fence)", taker), ("own read (fenced)", maker)):
        places, reads, rate = _run(write, read, maker, reader)
        print(
            f"\n{label}: read {_percentiles(reads)}; place {_percentiles(places)}; "
            f"{rate:.1f} cycles/s"
        )

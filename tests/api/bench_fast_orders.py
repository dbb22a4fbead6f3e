"""CPU of this process per signed order request, through the ASGI application in-process:
the fast path (exchange/api/fast_orders.py) and Django alone. Not collected by default; run

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h3 REDIS_URL=redis://127.0.0.1:6379/13 \
    EXCHANGE_REQUIRE_SERVICES=1 .venv/bin/python -m pytest -q -s -p no:cacheprovider \
    tests/api/bench_fast_orders.py

The matcher is another process: its CPU is not counted here. BENCH_ORDERS (400) requests of
each kind a round, BENCH_CONCURRENCY (1) of them in flight at once, BENCH_ROUNDS (3) rounds
after a warm-up, the best kept; BENCH_OLD=path
adds another version of fast_orders.py to compare (e.g. `git show HEAD:exchange/api/
fast_orders.py > /tmp/old.py`); BENCH_PROFILE=cumtime profiles the fast path's loop, in CPU
time (BENCH_PROFILE_OUT=file keeps the profile for pstats)."""

from __future__ import annotations

import asyncio
import cProfile
import gc
import importlib.util
import json
import os
import pstats
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application

from exchange.api.fast_orders import fast_orders
from exchange.models import Market
from tests.api.clients import SignedClient, signed_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

N = int(os.environ.get("BENCH_ORDERS", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
IN_FLIGHT = int(os.environ.get("BENCH_CONCURRENCY", "1"))
PROFILE = os.environ.get("BENCH_PROFILE")  # a pstats sort key: the fast path profiled


async def _request(app, client: SignedClient, method: str, path: str, body: bytes) -> dict:
    headers = signed_headers(client.key, client.secret, method, path, body)
    pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    pairs += [(b"host", b"testserver"), (b"content-type", b"application/json")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": pairs, "client": ("127.0.0.1", 1), "server": ("t", 80),
    }  # fmt: skip
    sent = [{"type": "http.request", "body": body, "more_body": False}]
    out: list[dict] = []

    async def receive():
        if sent:
            return sent.pop()
        await asyncio.Event().wait()  # Django listens for a disconnect: none comes

    async def send(message):
        out.append(message)

    await app(scope, receive, send)
    assert out[0]["status"] in (200, 201), (out[0]["status"], out[1]["body"])
    return json.loads(out[1]["body"])


async def _run(app, client: SignedClient, price: str) -> tuple[float, float, float, float]:
    ids = []
    profiler = cProfile.Profile(time.process_time) if PROFILE and price == "90" else None
    if profiler:
        profiler.enable()  # on the event loop's thread
    body = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": price,
            "quantity": "0.001"}  # fmt: skip
    # each order with a client_order_id of its own, as the load tool's and most programs'
    bodies = [json.dumps({**body, "client_order_id": uuid.uuid4().hex}).encode() for _ in range(N)]
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, N, IN_FLIGHT):
        answers = await asyncio.gather(
            *(
                _request(app, client, "POST", "/api/v1/orders", placed)
                for placed in bodies[start : start + IN_FLIGHT]
            )
        )
        ids += [answer["order_id"] for answer in answers]
    place = (time.process_time() - cpu, time.perf_counter() - wall)
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, N, IN_FLIGHT):
        await asyncio.gather(
            *(
                _request(app, client, "DELETE", f"/api/v1/orders/{order_id}", b"")
                for order_id in ids[start : start + IN_FLIGHT]
            )
        )
    cancel = (time.process_time() - cpu, time.perf_counter() - wall)
    if profiler:
        profiler.disable()
        if os.environ.get("BENCH_PROFILE_OUT"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        pstats.Stats(profiler).sort_stats(PROFILE).print_stats(
            int(os.environ.get("BENCH_PROFILE_LINES", "45"))
        )
    return place[0], place[1], cancel[0], cancel[1]


@pytest.fixture(autouse=True)
def connections_of_finished_threads_closed():
    yield
    gc.collect()


def _old_fast_orders():
    """BENCH_OLD: the path of another version of fast_orders.py, to compare with."""
    spec = importlib.util.spec_from_file_location("old_fast_orders", os.environ["BENCH_OLD"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fast_orders


@pytest.fixture
def unlimited_matcher(transactional_db, market, request):
    """The matcher, its market taking any number of open orders (BENCH_ORDERS rest at once)."""
    Market.objects.filter(pk=market.pk).update(max_open_orders=0)
    return request.getfixturevalue("matcher")


def test_cpu_per_request(unlimited_matcher, maker_client) -> None:
    django = get_asgi_application()
    apps = {"fast path": fast_orders(django), "django": django}
    if os.environ.get("BENCH_OLD"):
        apps["old fast"] = _old_fast_orders()(django)
    assert maker_client.get("/api/v1/orders").status_code == 200
    best: dict[str, list[float]] = {}
    for round_ in range(ROUNDS + 1):  # the first round warms up
        names = list(apps)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]  # each goes first
        for name in names:
            figures = async_to_sync(_run)(
                apps[name], maker_client, str(90 - list(apps).index(name))
            )
            if round_:
                best[name] = list(map(min, best.get(name, figures), figures))
    for name, (place_cpu, place_wall, cancel_cpu, cancel_wall) in best.items():
        print(
            f"\n{name:9}: place {place_cpu / N * 1e3:.3f} ms CPU ({place_wall / N * 1e3:.3f} ms "
            f"wall), cancel {cancel_cpu / N * 1e3:.3f} ms CPU ({cancel_wall / N * 1e3:.3f} ms "
            f"wall), per request, best of {ROUNDS} rounds of {N}"
        )

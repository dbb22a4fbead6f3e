"""Fixtures and helpers for tests that run a real matcher: in the test process
(tests/exchange/matcher_thread.py) when the settings are the embedded ones (the in-memory
transport), or as a `run_matcher` process when they are production's (PostgreSQL, Redis:
CI sets DATABASE_URL and REDIS_URL)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from exchange.models import Market, MatcherState
from matching.service import client
from matching.service.transport import get_transport
from matching.service.transport_memory import InMemoryTransport
from matching.service.transport_redis import RedisTransport
from tests import services
from tests.exchange import processes
from tests.exchange.matcher_thread import MatcherThread


def in_process() -> bool:
    """Whether a matcher runs in the test process: the transport is this process's memory."""
    return isinstance(get_transport(), InMemoryTransport)


@pytest.fixture
def production_like(redis_url: str) -> None:
    """The test must run on PostgreSQL and the Redis transport, as production does."""
    if connection.vendor != "postgresql":
        services.unavailable("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")
    if not isinstance(get_transport(), RedisTransport):
        services.unavailable("Redis", "the transport is not Redis (REDIS_URL)")


@pytest.fixture
def market(db) -> Market:
    return Market.objects.create(base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001")


@pytest.fixture
def traders(db) -> tuple:
    users = get_user_model().objects
    return users.create_user("maker"), users.create_user("taker")


# What each trader is given when the matcher starts: enough for any test's orders.
TRADER_FUNDS = {"USDT": "1000000000", "BTC": "1000000"}


def start_matcher(data_dir: Path, **settings: object):
    """A real matcher of the default shard, made with `settings` (Django settings, e.g.
    EXCHANGE_MATCHER_TIMEOUT_MS=500): in this process on the embedded settings, else a
    `run_matcher` process (which needs PostgreSQL and Redis, as production)."""
    if in_process():
        return MatcherThread(data_dir, **settings)
    if connection.vendor != "postgresql":
        services.unavailable("PostgreSQL", "a matcher process on Redis needs it (DATABASE_URL)")
    return processes.start_matcher(data_dir, **{name: str(v) for name, v in settings.items()})


@pytest.fixture
def matcher(tmp_path, market, traders, transactional_db):
    """The running matcher, the market on its books, each trader funded with TRADER_FUNDS;
    the test's writes are committed, where the matcher and its persister see them."""
    running = start_matcher(tmp_path / "data")
    try:
        wait_for(lambda: "BTC-USDT" in status()["markets"], "the market reaches the matcher")
        funded = max(fund(trader, TRADER_FUNDS) for trader in traders)
        # A deposit is no command of the trader's, so no read waits for it (the read fence):
        # the tests start once the database shows it, as a trader's first read would.
        wait_for(lambda: persisted_seq() >= funded, "the deposits reach the database")
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


def placed_order(reply: dict) -> dict:
    """The latest event of the order a `new` command placed (holds may come before it)."""
    events = reply["events"]
    return [e for e in events if e["kind"] == "order" and e["order_id"] == reply["order_id"]][-1]


def fund(user, amounts: dict[str, str]) -> int:
    """Deposits `amounts` for `user` straight through the matcher (the tests' bank); the seq
    of the last deposit."""
    seq = 0
    for asset, amount in amounts.items():
        reply = client.call_sync(
            {
                "op": "credit",
                "transfer_id": f"fund-{user.pk}-{asset}-{amount}",
                "user": user.pk,
                "asset": asset,
                "amount": amount,
            }  # fmt: skip
        )
        assert not [e for e in reply["events"] if e["kind"] == "refused"], reply
        seq = max(seq, reply["seq"] or 0)
    return seq


def persisted_seq(shard: str = "") -> int:
    """How far the persister has written the shard's journal into the database."""
    state = MatcherState.objects.filter(shard=shard).first()
    return state.persisted_seq if state is not None else 0


def status() -> dict:
    return client.call_sync({"op": "status"}, timeout_ms=5000)["events"][0]


def wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)

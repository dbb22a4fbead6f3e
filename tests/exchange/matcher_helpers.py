"""Fixtures and helpers for tests that run a real matcher process."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from exchange.models import Market
from matching.service import client
from tests import services
from tests.exchange.processes import start_matcher


@pytest.fixture
def production_like(redis_url: str, settings) -> None:
    """The test must run on PostgreSQL and the Redis layer, as production does."""
    if connection.vendor != "postgresql":
        services.unavailable("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")
    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        services.unavailable("Redis", "the channel layer is not Redis (REDIS_URL)")


@pytest.fixture
def market(production_like) -> Market:
    return Market.objects.create(base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001")


@pytest.fixture
def traders(production_like) -> tuple:
    users = get_user_model().objects
    return users.create_user("maker"), users.create_user("taker")


# What each trader is given when the matcher starts: enough for any test's orders.
TRADER_FUNDS = {"USDT": "1000000000", "BTC": "1000000"}


@pytest.fixture
def matcher(tmp_path, market, traders):
    process = start_matcher(tmp_path / "data")
    wait_for(lambda: "BTC-USDT" in status()["markets"], "the market reaches the matcher")
    for trader in traders:
        fund(trader, TRADER_FUNDS)
    yield process
    process.stop()


def placed_order(reply: dict) -> dict:
    """The latest event of the order a `new` command placed (holds may come before it)."""
    events = reply["events"]
    return [e for e in events if e["kind"] == "order" and e["order_id"] == reply["order_id"]][-1]


def fund(user, amounts: dict[str, str]) -> None:
    """Deposits `amounts` for `user` straight through the matcher (the tests' bank)."""
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


def status() -> dict:
    return client.call_sync({"op": "status"}, timeout_ms=5000)["events"][0]


def wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)

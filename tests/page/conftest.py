"""A real embedded exchange (`runexchange`) with funded users and a seeded book, and a real
headless Chromium (Debian's package) driven by Playwright. No browser is ever downloaded."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import services
from tests.exchange.processes import (
    ROOT,
    Process,
    copy_embedded_template,
    embedded_env,
    manage_many,
)
from tests.exchange.test_embedded_rest import _request
from tests.exchange.test_runexchange import _free_port, _manage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "page"
PASSWORD = "page-test-Secret-42"
# The page's traders, and what `credit` gives each.
TRADERS = {"maker": [("BTC", "1"), ("USDT", "20000")], "taker": [("BTC", "0.5"), ("USDT", "50000")]}
# Seeded by the demo users: trades around 50,000 (a candle), then resting levels a side.
SEED_TRADES = ["50000.00", "50060.00", "49980.00", "50120.00", "50040.00"]
SEED_ASKS = [(f"{50200 + 25 * i}.00", f"{0.012 + 0.017 * i:.3f}") for i in range(12)]
SEED_BIDS = [(f"{49975 - 25 * i}.00", f"{0.015 + 0.021 * i:.3f}") for i in range(12)]


@dataclass
class Exchange:
    base: str
    env: dict
    process: Process


def _create_users(env: dict, usernames: list[str]) -> None:
    code = (
        "from accounts.models import User\n"
        f"for username in {usernames!r}:\n"
        "    User.objects.filter(username=username).exists() or "
        f"User.objects.create_user(username, password={PASSWORD!r})\n"
    )
    _manage("shell", "-c", code, env=env)


def _place(base: str, key: dict, order: dict, deadline: float) -> dict:
    while True:  # the matcher takes the demo markets and deposits in within a second
        status, body = _request(base, "POST", "/api/v1/orders", key, order)
        if status == 201 or time.monotonic() > deadline:
            assert status == 201, body
            return body
        time.sleep(0.3)


def _seed(exchange: Exchange, alice: dict, bob: dict) -> None:
    deadline = time.monotonic() + 30
    order = {"symbol": "BTC-USDT", "type": "limit", "quantity": "0.05"}
    for price in SEED_TRADES:
        _place(exchange.base, alice, {**order, "side": "sell", "price": price}, deadline)
        _place(exchange.base, bob, {**order, "side": "buy", "price": price}, deadline)
    for key, side, levels in ((alice, "sell", SEED_ASKS), (bob, "buy", SEED_BIDS)):
        for price, quantity in levels:
            level = {**order, "side": side, "price": price, "quantity": quantity}
            _place(exchange.base, key, level, deadline)


@pytest.fixture(scope="module")
def exchange(tmp_path_factory, embedded_template) -> Iterator[Exchange]:
    """The embedded exchange on a free port: demo markets, two funded traders, a seeded book."""
    data_dir = tmp_path_factory.mktemp("exchange") / "data"
    # both browsers share 127.0.0.1, and a page load asks for several resources at once
    env = embedded_env(data_dir, EXCHANGE_RATE_PER_IP="1000")
    copy_embedded_template(embedded_template, data_dir)
    _create_users(env, list(TRADERS))
    port = _free_port()
    process = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    running = Exchange(f"http://127.0.0.1:{port}", env, process)
    try:
        process.wait_ready()
        # the deposits, then the demo users' keys, in one process (a process each takes seconds)
        credits = [("credit", user, *funds) for user, each in TRADERS.items() for funds in each]
        *deposits, alice, bob = map(
            json.loads,
            manage_many(env, *credits, ("create_api_key", "alice"), ("create_api_key", "bob")),
        )
        assert [deposit["status"] for deposit in deposits] == ["done"] * len(credits)
        _seed(running, alice, bob)
        yield running
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; skipped (or failed, with EXCHANGE_REQUIRE_SERVICES) when
    it or Playwright is missing."""
    if not CHROMIUM.exists():
        services.unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        services.unavailable("Playwright", str(error))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the screenshots of the run are kept (var/ is not committed)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS

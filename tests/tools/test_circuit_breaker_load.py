"""The load tool against a market whose circuit breaker trips and reopens again and again
under load (API.md, "Market safety"): orders are refused `symbol_paused` during pauses,
collected in their auction windows and uncrossed when they end, and the tool's own check
finds no acknowledged order lost or duplicated, no cancel undone."""

from __future__ import annotations

import json
import time

import pytest

from exchange.models import Market, MarketStatus, OrderEvent
from matching.service import client
from tests.exchange.matcher_helpers import wait_for
from tests.tools.test_loadgen import loadgen
from tests.ws.conftest import key_of

PAUSE_S = 2


@pytest.fixture
def breaker(transactional_db, market) -> None:
    """A breaker that a walk of 5 ticks from 50000 trips (the tool's orders reach 10 ticks
    past the mid), pausing 2 s, the last 1 s an auction window; set before the matcher
    starts."""
    Market.objects.filter(pk=market.pk).update(
        breaker_move_pct="0.0001", breaker_window_s=1, breaker_pause_s=PAUSE_S,
        breaker_auction_s=1,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_breaker_tripping_and_reopening_under_load_loses_nothing(
    breaker, start_server, traders, tmp_path
) -> None:
    server = start_server()
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([key_of(trader) for trader in traders]))

    result = loadgen(
        "run", "--url", server.base, "--transport", "rest", "--clients", "6",
        "--duration", "6", "--keys", str(keys), "--cancel-ratio", "0.3", "--seed", "11",
        "--mid", "50000", "--no-progress",
    )  # fmt: skip
    time.sleep(PAUSE_S + 0.1)
    client.call_sync({"op": "tick"})  # a pause the run left ends

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{server.output()}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(report))  # shown when the test fails
    verified = report["verify"]
    assert verified["ok"] is True, report
    assert verified["acknowledged"] == report["orders"]["ok"] > 0
    assert report["errors"].get("symbol_paused", 0) > 0, report  # paused at least once
    assert not [status for status in report["statuses"] if status.startswith("5")], report
    assert OrderEvent.objects.filter(reason="circuit_breaker").exists()
    wait_for(
        lambda: MarketStatus.objects.filter(market_id="BTC-USDT", status="trading").exists(),
        "the market reopens",
    )

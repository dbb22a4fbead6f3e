"""The load tool (`python -m tools.loadgen`): short real runs over REST and the WebSocket
against daphne and a real matcher, whose own check finds no order lost or duplicated; the
loopback guard; and its parts (statistics, signing, workload, the check, setup) one by one.
Nothing here asserts speed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal

import pytest

from accounts.api_keys import signature
from accounts.authentication import authenticate_signed
from accounts.models import Transfer
from exchange.api.order_input import CLIENT_ORDER_ID
from exchange.models import Order
from tests.exchange.processes import ROOT
from tests.ws.conftest import key_of
from tools.loadgen.loopback import NotLoopback, loopback_base
from tools.loadgen.setup import create_load_users
from tools.loadgen.signing import Signer, now_ms
from tools.loadgen.stats import CANCEL, PLACE, Answer, Recorder, percentile, summary_ms
from tools.loadgen.verify import Journal, check
from tools.loadgen.workload import Market, Workload, client_order_prefix, new_run_id


def loadgen(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m tools.loadgen ARGS` from the checkout, as a person runs it."""
    return subprocess.run(
        [sys.executable, "-m", "tools.loadgen", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---- whole runs against a real exchange ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("transport", ["rest", "ws"])
def test_a_short_run_loses_and_duplicates_no_order(transport, start_server, traders, tmp_path):
    server = start_server()
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([key_of(trader) for trader in traders]))
    daphne_pid = str(server.pid)

    result = loadgen(
        "run", "--url", server.base, "--transport", transport, "--clients", "5",
        "--duration", "3", "--keys", str(keys), "--cancel-ratio", "0.3", "--seed", "7",
        "--no-progress", "--watch-pid", daphne_pid, "--watch", f"web={daphne_pid}",
    )  # fmt: skip

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{server.output()}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(report))  # shown when the test fails
    assert (report["transport"], report["clients"]) == (transport, 5)
    assert report["orders"]["ok"] > 0 and report["cancels"]["sent"] > 0
    assert not [status for status in report["statuses"] if status.startswith("5")], report
    assert report["latency_ms"]["place"]["count"] > 0
    assert set(report["rss_kb"][daphne_pid]) == {"start", "end"}
    assert report["rss_kb"][daphne_pid]["end"] > 0
    cpu = report["cpu"]  # the server worked, and the tool's own process is always watched
    assert list(cpu["groups"]) == ["loadgen", "web"] and cpu["orders"] == report["orders"]["ok"]
    assert cpu["groups"]["web"]["cpu_s"] > 0 and cpu["groups"]["web"]["ms_per_order"] > 0
    assert cpu["total"]["cpu_s"] == pytest.approx(
        sum(group["cpu_s"] for group in cpu["groups"].values())
    )
    assert "CPU over the measured" in result.stderr
    verified = report["verify"]
    assert (verified["lost"], verified["duplicated"], verified["phantom"]) == ([], [], []), report
    assert verified["not_cancelled"] == [] and verified["status_mismatch"] == [], report
    assert verified["acknowledged"] == report["orders"]["ok"]
    assert verified["ok"] is True
    # the database agrees with the tool's own reading of the API
    prefix = client_order_prefix(report["run_id"])
    in_database = Order.objects.filter(client_order_id__startswith=prefix).count()
    assert in_database == verified["found"] >= verified["acknowledged"]


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3:8000", "http://192.168.1.1", "http://[2001:db8::1]:8000"]
)
def test_run_refuses_any_address_but_loopback(url, tmp_path) -> None:
    result = loadgen("run", "--url", url, "--keys", str(tmp_path / "unread.json"), timeout=30)

    assert result.returncode == 2
    assert "refused" in result.stderr and "loopback" in result.stderr
    assert result.stdout == ""


def test_the_guard_takes_loopback_names_and_addresses_only() -> None:
    for url in (
        "http://localhost:8000",
        "http://127.0.0.1:8000/",
        "http://127.9.8.7",
        "http://[::1]:8000",
    ):
        assert loopback_base(url) == url.rstrip("/")
    for url in (
        "http://10.1.2.3",
        "ws://127.0.0.1:8000",
        "http://127.0.0.1:8000/api/v1",
        "http://",
    ):
        with pytest.raises(NotLoopback):
            loopback_base(url)


# ---- the parts -------------------------------------------------------------------------------


def test_percentiles_are_nearest_rank_in_milliseconds() -> None:
    latencies = [i / 1000 for i in range(1, 101)]
    random.Random(1).shuffle(latencies)

    assert summary_ms(latencies) == {
        "p50": 50.0,
        "p95": 95.0,
        "p99": 99.0,
        "max": 100.0,
        "count": 100,
    }
    assert [percentile(list(range(1, 11)), p) for p in (10, 50, 95, 99, 100)] == [1, 5, 10, 10, 10]
    assert summary_ms([0.002]) == {"p50": 2.0, "p95": 2.0, "p99": 2.0, "max": 2.0, "count": 1}
    assert summary_ms([])["count"] == 0 and summary_ms([])["p50"] is None


def test_the_recorder_counts_statuses_and_error_codes() -> None:
    recorder = Recorder()
    limited = {"error": {"code": "rate_limited", "message": "", "field": None}}
    missing = {"error": {"code": "order_not_found", "message": "", "field": None}}
    for answer in (Answer(201, {}, 0.001), Answer(201, {}, 0.003), Answer(429, limited, 0.002)):
        recorder.record(PLACE, answer)
    recorder.record(PLACE, Answer(None, None, 5.0, "timeout"))
    recorder.record(CANCEL, Answer(200, {}, 0.004))
    recorder.record(CANCEL, Answer(404, missing, 0.001))
    recorder.record(CANCEL, Answer(502, None, 0.001))

    report = recorder.report(elapsed=2.0)

    assert report["orders"] == {"sent": 4, "ok": 2, "per_second": 1.0, "skipped": 0}
    assert report["cancels"] == {"sent": 3, "ok": 1, "per_second": 0.5}
    assert report["statuses"] == {"200": 1, "201": 2, "404": 1, "429": 1, "502": 1}
    assert report["errors"] == {
        "http_502": 1, "order_not_found": 1, "rate_limited": 1, "timeout": 1
    }  # fmt: skip
    assert report["latency_ms"]["place"]["count"] == 3  # a timeout has no latency to keep
    assert report["latency_ms"]["all"]["max"] == 4.0


def test_signatures_are_the_servers() -> None:
    signer = Signer("k" * 32, "s3cret")
    body = b'{"symbol":"BTC-USDT","side":"buy"}'

    assert signer.sign(1700000000000, "POST", "/api/v1/orders", body) == signature(
        "s3cret", 1700000000000, "POST", "/api/v1/orders", body
    )
    assert signer.sign("17", "DELETE", "/api/v1/orders/5") == signature(
        "s3cret", "17", "DELETE", "/api/v1/orders/5"
    )
    headers = signer.headers("GET", "/api/v1/orders?status=all")
    assert headers["X-API-SIGNATURE"] == signature(
        "s3cret", headers["X-API-TIMESTAMP"], "GET", "/api/v1/orders?status=all"
    )
    auth = signer.ws_auth()
    assert auth["signature"] == signature("s3cret", auth["timestamp"], "GET", "/ws/v1")
    assert (auth["op"], auth["key"]) == ("auth", "k" * 32)


def test_orders_fit_the_market_rules_and_some_cross() -> None:
    market = Market("BTC-USDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.002"), Decimal(150))
    prefix = client_order_prefix(new_run_id())
    workload = Workload(market, Decimal("50000.004"), prefix)
    rng = random.Random(3)

    orders = [workload.order(rng, client, n) for client in (0, 9999) for n in range(1, 501)]

    ids = [order["client_order_id"] for order in orders]
    assert len(set(ids)) == len(ids)
    assert all(CLIENT_ORDER_ID.fullmatch(cid) and len(cid) <= 36 for cid in ids)
    assert workload.client_order_id(9999, 99_999_999).startswith(prefix)
    assert len(workload.client_order_id(9999, 99_999_999)) <= 36
    for order in orders:
        price, quantity = Decimal(order["price"]), Decimal(order["quantity"])
        assert price % market.tick_size == 0 and quantity % market.lot_size == 0
        assert quantity >= market.min_qty and price * quantity >= market.min_notional
        assert (order["type"], order["time_in_force"]) == ("limit", "GTC")
    buys = [Decimal(o["price"]) for o in orders if o["side"] == "buy"]
    sells = [Decimal(o["price"]) for o in orders if o["side"] == "sell"]
    assert buys and sells and max(buys) > Decimal(50000) > min(sells)  # some cross the mid
    assert sum(p < Decimal(50000) for p in buys) > len(buys) / 2  # most rest


def test_the_check_finds_lost_duplicated_and_made_up_orders() -> None:
    journal = Journal("lgabc-")
    for cid in ("lgabc-0-1", "lgabc-0-2", "lgabc-0-3", "lgabc-0-4", "lgabc-1-1", "lgabc-1-2"):
        journal.placing(cid)
    journal.placed("lgabc-0-1", Answer(201, {"order_id": 1, "status": "new"}, 0.001))
    journal.placed("lgabc-0-2", Answer(201, {"order_id": 2, "status": "filled"}, 0.001))
    journal.placed("lgabc-0-3", Answer(201, {"order_id": 3, "status": "new"}, 0.001))
    journal.placed("lgabc-0-4", Answer(None, None, 10.0, "timeout"))
    journal.placed("lgabc-1-1", Answer(201, {"order_id": 5, "status": "new"}, 0.001))
    journal.placed("lgabc-1-2", Answer(400, {"error": {"code": "tick_size"}}, 0.001))
    journal.cancel_answered(1, Answer(200, {"order_id": 1, "status": "cancelled"}, 0.001))

    def row(order_id: int, cid: str, status: str = "new") -> dict:
        return {"order_id": order_id, "client_order_id": cid, "status": status}

    clean = [
        [row(1, "lgabc-0-1", "cancelled"), row(2, "lgabc-0-2", "filled"), row(3, "lgabc-0-3")],
        [row(5, "lgabc-1-1"), row(4, "lgabc-0-4")],
        [row(5, "lgabc-1-1")],  # a second key of the same user lists the same order
    ]
    report = check(journal, clean)
    assert report["ok"] is True
    assert (report["acknowledged"], report["found"], report["unacknowledged_found"]) == (4, 5, 1)

    broken = [
        [row(1, "lgabc-0-1"), row(2, "lgabc-0-2", "cancelled"), row(5, "lgabc-1-1")],
        [row(5, "lgabc-1-1"), row(5, "lgabc-1-1"), row(6, "lgabc-0-1", "new")],
        [row(7, "lgabc-9-9"), row(8, "lgabc-1-2", "rejected")],
    ]
    report = check(journal, broken)
    assert report["ok"] is False
    assert report["lost"] == ["lgabc-0-3"]
    assert "order 5" in report["duplicated"] and "lgabc-0-1" in report["duplicated"]
    assert report["phantom"] == ["lgabc-9-9"] and report["rejected_found"] == ["lgabc-1-2"]
    assert report["not_cancelled"] == [1]
    assert report["status_mismatch"] == ["lgabc-0-2: answered filled, listed cancelled"]


@pytest.mark.django_db(transaction=True)
def test_setup_funds_users_once_and_prints_working_keys(matcher) -> None:
    first = create_load_users(users=2, prefix="lgt", quote_amount="5000", base_amount="2")
    again = create_load_users(users=2, prefix="lgt", quote_amount="5000", base_amount="2")

    assert (
        [key["user"] for key in first] == [key["user"] for key in again] == ["lgt-001", "lgt-002"]
    )
    assert {key["key"] for key in first}.isdisjoint(key["key"] for key in again)
    transfers = Transfer.objects.filter(transfer_id__startswith="lgt-")
    assert sorted(transfers.values_list("transfer_id", "status")) == [
        ("lgt-lgt-001-BTC", "done"), ("lgt-lgt-001-USDT", "done"),
        ("lgt-lgt-002-BTC", "done"), ("lgt-lgt-002-USDT", "done"),
    ]  # fmt: skip
    for key in first + again:  # each key checks out, as the server checks a signed request
        stamp = now_ms()
        signed = signature(key["secret"], stamp, "GET", "/ws/v1")
        api_key = authenticate_signed(key["key"], stamp, signed, "GET", "/ws/v1", b"")
        assert (api_key.user.username, api_key.can_trade) == (key["user"], True)

"""The embedded exchange (SQLite, in-memory layer, one process) takes signed orders over REST:
a key made by `create_api_key` and deposits made by `credit` from another shell while it
runs work at once (within a second), orders match and settle, and the health check says ok."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.api.clients import signed_headers
from tests.exchange.processes import ROOT, Process, copy_embedded_template, embedded_env
from tests.exchange.test_runexchange import _free_port


def _request(base: str, method: str, path: str, key: dict | None = None, body: dict | None = None):
    data = b"" if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers.update(signed_headers(key["key"], key["secret"], method, path, data))
    request = urllib.request.Request(base + path, data=data or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _manage_json(env: dict, *args: str) -> dict:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd="/")
    return json.loads(result.stdout)


# The 10 s below cover two `credit` processes starting Django: on a busy machine that takes
# longer, with the other xdist worker's test running beside them.
@pytest.mark.alone
def test_the_embedded_exchange_matches_signed_rest_orders(tmp_path, embedded_template) -> None:
    data_dir = tmp_path / "data"
    env = embedded_env(data_dir)
    copy_embedded_template(embedded_template, data_dir)  # migrated, demo bootstrapped
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    exchange = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    try:
        exchange.wait_ready()
        seller = _manage_json(env, "create_api_key", "seller")
        buyer = _manage_json(env, "create_api_key", "buyer")
        started = time.monotonic()
        deposits = [
            _manage_json(env, "credit", "seller", "BTC", "1"),
            _manage_json(env, "credit", "buyer", "USDT", "1000"),
        ]
        assert [deposit["status"] for deposit in deposits] == ["done", "done"]
        assert time.monotonic() - started < 10  # each within about a second of the poll
        order = {"symbol": "BTC-USDT", "type": "limit", "price": "50000", "quantity": "0.01"}
        deadline = time.monotonic() + 20
        while True:  # the matcher takes the demo markets from the database within a second
            status, sell = _request(
                base, "POST", "/api/v1/orders", seller, {**order, "side": "sell"}
            )
            if status == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        status, buy = _request(base, "POST", "/api/v1/orders", buyer, {**order, "side": "buy"})
        health_status, health = _request(base, "GET", "/api/v1/health")
        time.sleep(1)  # the persister writes the balances a moment later
        _, buyer_balances = _request(base, "GET", "/api/v1/account/balances", buyer)

        assert (sell["status"], status, buy["status"]) == ("new", 201, "filled"), exchange.output
        assert buy["fills"][0]["price"] == "50000.00"
        # 500 for 0.01 BTC at 50000, and the Base tier's taker fee of 0.2 % on it
        assert {row["asset"]: row["available"] for row in buyer_balances} == {
            "BTC": "0.01",
            "USDT": "499",
        }
        assert (health_status, health["status"], health["matcher"]["up"]) == (200, "ok", True)
        assert exchange.terminate() == 0
    finally:
        exchange.stop()

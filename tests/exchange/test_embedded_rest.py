"""The embedded exchange (SQLite, in-memory layer, one process) takes signed orders over REST:
a key made by `create_api_key` from another shell while it runs works at once, orders
match, and the health check says ok."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.api.clients import signed_headers
from tests.exchange.processes import ROOT, Process, process_env
from tests.exchange.test_runexchange import _free_port, _manage


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


def _create_api_key(user: str, env: dict) -> dict:
    command = [sys.executable, str(ROOT / "manage.py"), "create_api_key", user]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd="/")
    return json.loads(result.stdout)


def test_the_embedded_exchange_matches_signed_rest_orders(tmp_path) -> None:
    env = process_env(tmp_path / "data")
    env.pop("DATABASE_URL")
    env.pop("REDIS_URL", None)
    _manage("migrate", "--no-input", env=env)
    _manage("bootstrap_demo", env=env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    exchange = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    try:
        exchange.wait_ready()
        seller, buyer = _create_api_key("seller", env), _create_api_key("buyer", env)
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

        assert (sell["status"], status, buy["status"]) == ("new", 201, "filled"), exchange.output
        assert buy["fills"][0]["price"] == "50000.00"
        assert (health_status, health["status"], health["matcher"]["up"]) == (200, "ok", True)
        assert exchange.terminate() == 0
    finally:
        exchange.stop()

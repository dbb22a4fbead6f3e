"""`GET /api/v1/performance` and `GET /metrics` against real servers: orders placed and
cancelled over REST and the socket show up in the matcher's and the end-to-end figures, and
every series the operator watches is exposed."""

from __future__ import annotations

import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ws.conftest import key_of
from tests.ws.servers import http

SELL = {"symbol": "BTC-USDT", "side": "sell", "type": "limit", "quantity": "0.001"}
PERCENTILES = ("p50", "p95", "p99", "max")
MATCHER_SERIES = {
    "exchange_matcher_up",
    "exchange_matcher_order_seconds",
    "exchange_matcher_commands",
    "exchange_matcher_dropped_late",
    "exchange_journal_fsync_seconds",
    "exchange_journal_batch_records",
    "exchange_channel_layer_queue_depth",
    "exchange_persister_lag_commands",
    "exchange_persister_lag_seconds",
    "exchange_matcher_resident_memory_bytes",
}
WEB_SERIES = {
    "exchange_order_seconds",
    "exchange_ws_connections",
    "exchange_ws_slow_consumers_dropped",
    "process_resident_memory_bytes",
}
# a web process asks the matchers at most this often and serves that report meanwhile
REPORT_KEPT_SECONDS = 1.0


def after_the_kept_report() -> None:
    """Waits until the next request asks the matchers afresh."""
    time.sleep(REPORT_KEPT_SECONDS + 0.1)


def performance(server) -> dict:
    status, body = http(server.base, "GET", "/api/v1/performance")
    assert status == 200, body
    return body


def scrape(server) -> dict[str, object]:
    with urllib.request.urlopen(server.base + "/metrics", timeout=20) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(families: dict, name: str, **labels: str) -> float:
    family_name = name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
    return next(
        s.value
        for s in families[family_name].samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def assert_ordered_percentiles(section: dict) -> None:
    values = [section[name] for name in PERCENTILES]
    assert all(isinstance(value, int) and value > 0 for value in values), section
    assert values == sorted(values), section


def test_orders_over_rest_and_the_socket_show_in_the_performance_figures(embedded, connect) -> None:
    before = performance(embedded)
    placed = [
        http(
            embedded.base,
            "POST",
            "/api/v1/orders",
            embedded.keys["alice"],
            {**SELL, "price": f"{95000 + n}.00"},
        )  # fmt: skip
        for n in range(5)
    ]
    assert [status for status, _ in placed] == [201] * 5
    cancelled = http(
        embedded.base, "DELETE", f"/api/v1/orders/{placed[0][1]['order_id']}",
        embedded.keys["alice"],
    )  # fmt: skip
    assert cancelled[0] == 200
    socket = connect(embedded.ws_url)
    socket.auth(embedded.keys["alice"])
    for n in range(3):
        assert socket.request("order.place", **SELL, price=f"{96000 + n}.00")["status"] == 201

    after_the_kept_report()
    after = performance(embedded)

    assert (after["window_seconds"], after["unit"]) == (60, "us")
    edge, matcher = after["end_to_end"], after["matcher"]
    assert edge["rest"]["count"] - before["end_to_end"]["rest"]["count"] >= 6
    assert edge["websocket"]["count"] - before["end_to_end"]["websocket"]["count"] >= 3
    assert edge["count"] - before["end_to_end"]["count"] >= 9
    assert matcher["up"] is True
    assert matcher["count"] - before["matcher"]["count"] >= 9
    for section in (edge, edge["rest"], edge["websocket"], matcher):
        assert_ordered_percentiles(section)
    # the matcher's part is inside the end-to-end time
    assert matcher["p50"] < edge["p50"]
    assert after["throughput"]["orders_per_second"] == edge["per_second"] > 0
    assert after["throughput"]["commands_per_second"] >= matcher["per_second"] > 0
    assert after["persister"]["lag_commands"] >= 0


def test_metrics_expose_the_matcher_and_the_web_process(embedded, connect) -> None:
    socket = connect(embedded.ws_url)
    socket.auth(embedded.keys["bob"])
    assert socket.request("order.place", **SELL, price="97000.00")["status"] == 201
    status, _ = http(
        embedded.base, "POST", "/api/v1/orders", embedded.keys["bob"], {**SELL, "price": "97001.00"}
    )
    assert status == 201

    after_the_kept_report()
    families = scrape(embedded)

    assert MATCHER_SERIES | WEB_SERIES <= set(families)
    assert sample(families, "exchange_matcher_up", shard="") == 1
    assert sample(families, "exchange_ws_connections") >= 1
    assert sample(families, "exchange_order_seconds_count", transport="rest", op="place") >= 1
    assert sample(families, "exchange_order_seconds_count", transport="websocket", op="place") >= 1
    assert sample(families, "exchange_matcher_order_seconds_count", shard="", op="new") >= 2
    assert sample(families, "exchange_matcher_commands_total", shard="") >= 2
    assert sample(families, "exchange_journal_fsync_seconds_count", shard="") >= 1
    assert sample(families, "exchange_journal_batch_records_count", shard="") >= 1
    assert sample(families, "exchange_channel_layer_queue_depth", shard="", queue="inbox") >= 0
    assert sample(families, "exchange_matcher_resident_memory_bytes", shard="") > 0


@pytest.mark.django_db(transaction=True)
def test_metrics_reach_daphne_from_a_matcher_over_the_transport(start_server, traders) -> None:
    server = start_server()
    key = key_of(traders[0])
    status, order = http(server.base, "POST", "/api/v1/orders", key, {**SELL, "price": "90.00"})
    assert status == 201, order
    assert http(server.base, "DELETE", f"/api/v1/orders/{order['order_id']}", key)[0] == 200

    families = scrape(server)
    figures = performance(server)

    assert sample(families, "exchange_matcher_up", shard="") == 1
    assert sample(families, "exchange_matcher_order_seconds_count", shard="", op="cancel") >= 1
    # the matcher measures its channel's backlog in the transport (empty once it answered)
    assert sample(families, "exchange_channel_layer_queue_depth", shard="", queue="channel") >= 0
    assert figures["matcher"]["count"] >= 2 and figures["end_to_end"]["rest"]["count"] == 2
    assert figures["matcher"]["shards"][0]["shard"] == ""
    assert figures["persister"]["lag_commands"] >= 0

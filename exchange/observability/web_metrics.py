"""The web process's own series, in prometheus-client's default registry (beside its process
and GC collectors), and the one-minute windows of end-to-end order latency.

End to end is measured at the server's edge: for REST from the request's arrival at the ASGI
application to its last response byte handed to daphne (`order_timing.py`), for the socket
from an order message's arrival to its response queued for the client.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from matching.service.metrics import LATENCY_BUCKETS
from matching.service.rolling import LatencyWindow

TRANSPORTS = ("rest", "websocket")

ORDER_SECONDS = Histogram(
    "exchange_order_seconds",
    "Order placing and cancelling end to end in the server, by transport and operation",
    ["transport", "op"],
    buckets=LATENCY_BUCKETS,
)
WS_CONNECTIONS = Gauge("exchange_ws_connections", "Open WebSocket connections")
WS_SLOW_CONSUMERS = Counter(
    "exchange_ws_slow_consumers_dropped",
    "WebSocket clients cut off for falling too far behind (close code 4008)",
)

# for /api/v1/performance: each transport, and both together
WINDOWS = {transport: LatencyWindow() for transport in TRANSPORTS}
ALL_ORDERS = LatencyWindow()
_children = {
    (transport, op): ORDER_SECONDS.labels(transport, op)
    for transport in TRANSPORTS
    for op in ("place", "cancel")
}


def order_handled(transport: str, op: str, seconds: float) -> None:
    """An order placed or cancelled (answered, whatever the answer) over `transport`."""
    _children[(transport, op)].observe(seconds)
    WINDOWS[transport].record(seconds)
    ALL_ORDERS.record(seconds)


def performance() -> dict:
    """The end-to-end summaries of this process over the last minute."""
    summary = ALL_ORDERS.summary()
    summary.update({transport: window.summary() for transport, window in WINDOWS.items()})
    return summary

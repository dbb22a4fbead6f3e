"""Times REST order requests end to end at the ASGI edge: from the request's arrival to the
last byte of the response handed to the server, whatever Django does in between (auth,
throttling, the matcher's answer, rendering)."""

from __future__ import annotations

import re
import time

from exchange.observability.web_metrics import order_handled

ORDERS_PATH = "/api/v1/orders"
_ONE_ORDER = re.compile(r"/api/v1/orders/[^/]+/?")


def _order_op(scope: dict) -> str | None:
    """ "place" or "cancel" for the requests that place or cancel orders, else None."""
    path, method = scope.get("path", ""), scope.get("method")
    if method == "POST" and path.rstrip("/") == ORDERS_PATH:
        return "place"
    if method == "DELETE" and _ONE_ORDER.fullmatch(path):
        return "cancel"
    return None


def order_timed(app):
    """Wraps the HTTP ASGI application `app`."""

    async def timed(scope, receive, send):
        op = _order_op(scope) if scope["type"] == "http" else None
        if op is None:
            return await app(scope, receive, send)
        started = time.perf_counter()

        async def send_and_time(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                order_handled("rest", op, time.perf_counter() - started)

        return await app(scope, receive, send_and_time)

    return timed

"""The Procfile's `web:` command (uvicorn), as the Procfile says it, in front of a `run_matcher`
on PostgreSQL and Redis: a signed REST order placed and cancelled; a subscription and an order
over the socket; the client's address is the peer's, whatever X-Forwarded-For a client writes
(the exchange decides whom to trust, exchange/client_address.py); a head past 16 KiB is
refused (exchange/uvicorn_http.py); and a client that stops
reading is cut off while one that reads gets every update (tests/ws/test_slow_consumer.py's
scenario, under this server)."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from tests.ws.conftest import key_of
from tests.ws.servers import ProcfileWeb, Server, start_web
from tests.ws.test_book_stream import rebuilt_equals_rest
from tests.ws.test_slow_consumer import QUEUE, assert_a_stalled_client_is_cut_off_and_slows_no_one
from tests.ws.wsclient import rest_levels

pytestmark = [pytest.mark.django_db(transaction=True)]

ORDER = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "0.001"}


@pytest.fixture
def start_procfile_web(production_like, matcher, tmp_path) -> Iterator[Callable[..., Server]]:
    """Starts the Procfile's web command with `overrides` of its settings; PostgreSQL and
    Redis are required (`production_like`: skipped without them, failed with
    EXCHANGE_REQUIRE_SERVICES=1)."""
    servers: list[Server] = []

    def start(**overrides: object) -> Server:
        overrides = {"EXCHANGE_RATE_PER_KEY": 100_000, **overrides}
        environment = {name: str(value) for name, value in overrides.items()}
        server = start_web(tmp_path / f"web-{len(servers)}", ProcfileWeb, **environment)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.process.stop()
        print(f"web at {server.base}:\n{server.output()}")  # shown if the test failed


def handshake_status(port: int, *headers: str) -> bytes:
    """The status line answering a WebSocket handshake sent with `headers`."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/v1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        + "".join(f"{header}\r\n" for header in headers)
        + "\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n" not in head and (chunk := sock.recv(1)):
            head += chunk
    return head.strip()


def test_rest_and_socket_orders_through_the_procfile_web_command(
    start_procfile_web, traders, connect
) -> None:
    server = start_procfile_web(EXCHANGE_WS_MAX_PER_ADDRESS=2)
    server.keys["maker"] = key_of(traders[0])

    status, placed = server.http("POST", "/api/v1/orders", "maker", {**ORDER, "price": "90.00"})
    assert (status, placed["status"]) == (201, "new"), placed
    status, cancelled = server.http("DELETE", f"/api/v1/orders/{placed['order_id']}", "maker")
    assert (status, cancelled["status"]) == (200, "cancelled"), cancelled

    watcher = connect(server.ws_url)
    assert watcher.subscribe("book", "BTC-USDT")["type"] == "subscribed"
    trader = connect(server.ws_url)
    assert trader.auth(key_of(traders[1]))["type"] == "authenticated"
    response = trader.request("order.place", **ORDER, price="95.00")
    assert (response["status"], response["body"]["status"]) == (201, "new"), response
    book, rest = rebuilt_equals_rest(watcher, server.http)
    assert book.levels() == rest_levels(rest)
    assert [Decimal(price) for price, _ in rest_levels(rest)["bids"]] == [Decimal("95.00")]

    # a third socket from 127.0.0.1 is one too many, whatever address it claims
    spoofed = handshake_status(server.port, "X-Forwarded-For: 203.0.113.9")
    assert spoofed.startswith(b"HTTP/1.1 403"), spoofed
    # a request's line and headers past 16 KiB, as daphne (exchange/uvicorn_http.py)
    oversized = handshake_status(server.port, "X-Filler: " + "a" * 17_000)
    assert oversized.startswith(b"HTTP/1.1 431"), oversized


def test_a_client_that_stops_reading_is_cut_off_under_the_procfile_web_command(
    start_procfile_web, traders, connect
) -> None:
    server = start_procfile_web(EXCHANGE_WS_QUEUE_SIZE=QUEUE, EXCHANGE_WS_SEND_BUFFER_BYTES=8192)
    assert_a_stalled_client_is_cut_off_and_slows_no_one(server, traders, connect)

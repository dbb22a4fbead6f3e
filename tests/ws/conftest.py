"""Fixtures of the WebSocket tests: one embedded exchange for the session, a daphne in front
of a real matcher (PostgreSQL and Redis) per production-mode test, and clients that close."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from tests.api.clients import SignedClient
from tests.exchange.matcher_helpers import market, matcher, production_like, traders
from tests.ws.servers import Server, start_daphne, start_embedded
from tests.ws.wsclient import WsClient

__all__ = ["market", "matcher", "production_like", "traders"]

HEARTBEAT_MS = 1000  # the embedded exchange's idle heartbeat (10 s by default)
MAX_SUBSCRIPTIONS = 6  # per connection on the embedded exchange (100 by default)


@pytest.fixture(scope="session")
def embedded(tmp_path_factory) -> Iterator[Server]:
    """The embedded exchange (runexchange), shared by the tests that need no other settings."""
    data_dir = tmp_path_factory.mktemp("embedded") / "data"
    server = start_embedded(
        data_dir,
        EXCHANGE_WS_HEARTBEAT_MS=str(HEARTBEAT_MS),
        EXCHANGE_WS_MAX_SUBSCRIPTIONS=str(MAX_SUBSCRIPTIONS),
        EXCHANGE_RATE_PER_KEY="100000",
    )
    yield server
    server.process.stop()
    print(f"runexchange at {server.base}:\n{server.output()}")


@pytest.fixture(autouse=True)
def clean_cache() -> None:
    """Production-mode tests share Redis: no book or order left from another test (this runs
    before the matcher starts and writes its books)."""
    cache.clear()


@pytest.fixture
def connect() -> Iterator[Callable[..., WsClient]]:
    """Opens WebSocket clients, all closed after the test."""
    clients: list[WsClient] = []

    def open_client(url: str, **options) -> WsClient:
        client = WsClient(url, **options)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        try:
            client.close()
        except Exception:  # a connection the server cut off
            pass


@pytest.fixture
def start_server(matcher, tmp_path) -> Iterator[Callable[..., Server]]:
    """Starts daphne (with extra settings if given) in front of the test's matcher."""
    servers: list[Server] = []

    def start(**settings: str) -> Server:
        # bursts of orders must not meet the REST rate limit, unless a test asks for it
        settings = {"EXCHANGE_RATE_PER_KEY": "100000", **settings}
        server = start_daphne(tmp_path / f"daphne-{len(servers)}", **settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.process.stop()
        print(f"daphne at {server.base}:\n{server.output()}")  # shown if the test failed


def key_of(user, permission: str = "trade") -> dict:
    """A new API key of `user` as {"key", "secret"}."""
    client = SignedClient.for_user(user, permission=permission)
    return {"key": client.key, "secret": client.secret}

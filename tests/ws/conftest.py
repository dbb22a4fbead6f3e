"""Fixtures of the WebSocket tests: one embedded exchange for the session; daphne in front of
the test's own real matcher (a daphne process before a `run_matcher` on PostgreSQL and Redis,
or on the embedded settings daphne in a thread of the test process before the in-process
matcher); and clients that close."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from exchange.observability import web_metrics
from exchange.services.disconnect_registry import disconnect_registry
from matching.service.rolling import LatencyWindow
from tests.api.clients import SignedClient
from tests.exchange.matcher_helpers import in_process, market, matcher, production_like, traders
from tests.ws.servers import (
    DaphneThread,
    ServedInProcess,
    Server,
    daphne_thread,
    start_daphne,
    start_embedded,
)
from tests.ws.wsclient import WsClient

__all__ = ["market", "matcher", "production_like", "traders"]

HEARTBEAT_MS = 1000  # the embedded exchange's idle heartbeat (10 s by default)
MAX_SUBSCRIPTIONS = 6  # per connection on the embedded exchange (100 by default)


@pytest.fixture(scope="session")
def embedded(tmp_path_factory, embedded_template) -> Iterator[Server]:
    """The embedded exchange (runexchange), shared by the tests that need no other settings."""
    data_dir = tmp_path_factory.mktemp("embedded") / "data"
    server = start_embedded(
        embedded_template,
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


@pytest.fixture(autouse=True)
def fresh_disconnect_registry() -> None:
    """Each test's matcher starts with an empty in-memory disconnect registry: order ids
    start again with each test's matcher, and a record left by another test's socket (its
    cancel unanswered, that matcher stopped) must not be reaped by this one."""
    disconnect_registry.cache_clear()


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


@pytest.fixture(scope="session")
def in_process_daphne() -> Iterator[DaphneThread]:
    """Daphne in this process, for the session (its reactor runs once in a process's life:
    the WebSocket and the load tool's tests share it)."""
    daphne = daphne_thread()
    yield daphne
    daphne.shut_down()


@pytest.fixture
def start_server(matcher, tmp_path, settings, request) -> Iterator[Callable[..., Server]]:
    """Starts daphne in front of the test's matcher, with `overrides` of its settings (Django
    settings, e.g. EXCHANGE_RATE_PER_KEY=5): a daphne process per call before a `run_matcher`,
    or this process's daphne (the same for every call) before the in-process matcher."""
    servers: list[Server] = []

    def start(**overrides: object) -> Server:
        # bursts of orders must not meet the REST rate limit, unless a test asks for it
        overrides = {"EXCHANGE_RATE_PER_KEY": 100_000, **overrides}
        if in_process():
            daphne = request.getfixturevalue("in_process_daphne")
            for name, value in overrides.items():
                setattr(settings, name, value)
            caplog = request.getfixturevalue("caplog")
            caplog.set_level(logging.INFO)
            fresh_order_windows(request.getfixturevalue("monkeypatch"))
            server = Server(daphne.port, ServedInProcess(daphne, caplog), {})
        else:
            environment = {name: str(value) for name, value in overrides.items()}
            server = start_daphne(tmp_path / f"daphne-{len(servers)}", **environment)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.process.stop()
        print(f"daphne at {server.base}:\n{server.output()}")  # shown if the test failed


def fresh_order_windows(monkeypatch) -> None:
    """The shared daphne's end-to-end figures start empty for each test, as a new daphne
    process's do (web_metrics: one-minute windows of this process)."""
    monkeypatch.setattr(web_metrics, "ALL_ORDERS", LatencyWindow())
    for transport in web_metrics.TRANSPORTS:
        monkeypatch.setitem(web_metrics.WINDOWS, transport, LatencyWindow())


def key_of(user, permission: str = "trade") -> dict:
    """A new API key of `user` as {"key", "secret"}."""
    client = SignedClient.for_user(user, permission=permission)
    return {"key": client.key, "secret": client.secret}

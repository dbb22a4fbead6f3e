"""Public reads that cost little whoever asks and however often: candles never aggregate the
trade table, the ticker's 24 h figures and the matchers' reports are computed at most once a
second per process, and database connections last (CONN_MAX_AGE) and recover when dropped."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.db import Error, connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exchange.models import Market, Trade
from exchange.observability import matcher_reports
from exchange.selectors import db_thread
from exchange.services import orders, ticker
from tests.api.test_trades_public import record_trade

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_book_writer")]


@pytest.fixture
def market() -> Market:
    return Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.001")


def test_candle_requests_never_read_the_trade_table(client: Client, market: Market) -> None:
    now = timezone.now()
    for minutes in range(0, 3000, 7):
        record_trade(market, f"{100 + minutes % 13}", "0.5", now - timedelta(minutes=minutes))
    trade_table = Trade._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        for interval in ("1m", "5m", "1h", "1d") * 5:
            response = client.get(f"/api/v1/candles/ETH-EUR?interval={interval}")
            assert response.status_code == 200
            assert response.json()["results"], interval

    assert queries.captured_queries
    touching = [query["sql"] for query in queries if trade_table in query["sql"]]
    assert touching == []


@pytest.fixture
def window_reads(monkeypatch) -> list[str]:
    """The symbols whose whole 24 h window was read, one entry a read."""
    reads: list[str] = []
    real = ticker.ticker_window

    def counting(**kwargs):
        reads.append(kwargs["market"].symbol)
        return real(**kwargs)

    monkeypatch.setattr(ticker, "ticker_window", counting)
    return reads


def test_two_ticker_requests_within_a_second_read_the_window_once(
    client: Client, market: Market, window_reads: list[str]
) -> None:
    record_trade(market, "100", "1", timezone.now() - timedelta(hours=1))

    first = client.get("/api/v1/ticker/ETH-EUR").json()
    second = client.get("/api/v1/ticker/eth-eur").json()

    assert first == second
    assert first["last"] == "100.00"
    assert window_reads == ["ETH-EUR"]


def test_a_new_trade_shows_in_the_ticker_at_once_without_reading_the_window_again(
    client: Client, market: Market, window_reads: list[str]
) -> None:
    record_trade(market, "100", "1", timezone.now() - timedelta(minutes=5))
    assert client.get("/api/v1/ticker/ETH-EUR").json()["last"] == "100.00"

    record_trade(market, "101", "2")
    record_trade(market, "99.5", "1")
    seen = client.get("/api/v1/ticker/ETH-EUR").json()

    assert window_reads == ["ETH-EUR"]
    assert (seen["last"], seen["open"], seen["high"], seen["low"]) == (
        "99.50", "100.00", "101.00", "99.50"
    )  # fmt: skip
    assert (seen["volume"], seen["quote_volume"], seen["count"]) == ("4.000", "401.50000", 3)
    assert seen["change_pct"] == "-0.50"


def test_the_window_is_read_again_after_a_second(
    client: Client, market: Market, window_reads: list[str], monkeypatch
) -> None:
    monkeypatch.setattr(settings, "EXCHANGE_TICKER_CACHE_SECONDS", 0.2)
    # a trade about to leave the window: still in at the first read, out at the next
    leaving = timezone.now() - timedelta(hours=24) + timedelta(milliseconds=150)
    record_trade(market, "90", "1", leaving)
    record_trade(market, "100", "1", timezone.now() - timedelta(minutes=1))
    assert client.get("/api/v1/ticker/ETH-EUR").json()["low"] == "90.00"

    time.sleep(0.25)
    seen = client.get("/api/v1/ticker/ETH-EUR").json()

    assert window_reads == ["ETH-EUR", "ETH-EUR"]
    assert (seen["low"], seen["count"]) == ("100.00", 1)


def test_the_ticker_s_bid_and_ask_are_not_held_with_the_figures(
    client: Client, market: Market
) -> None:
    from django.core.cache import cache

    from matching.service.protocol import book_cache_key

    assert client.get("/api/v1/ticker/ETH-EUR").json()["bid"] is None
    book = {"symbol": "ETH-EUR", "seq": 3, "bids": [["99.00", "1", 1]], "asks": [], "ts": 1}
    cache.set(book_cache_key("ETH-EUR"), book)

    assert client.get("/api/v1/ticker/ETH-EUR").json()["bid"] == "99.00"


def test_matcher_reports_are_asked_once_a_second(client: Client, monkeypatch) -> None:
    asked = []

    async def report(shard: str, timeout_ms: int) -> dict | None:
        asked.append(shard)
        return None

    monkeypatch.setattr(matcher_reports, "_report", report)
    monkeypatch.setattr(matcher_reports.REPORTS, "seconds", 0.5)
    matcher_reports.REPORTS.clear()

    for _ in range(5):
        assert client.get("/api/v1/performance").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    once = len(asked)
    time.sleep(0.6)
    client.get("/api/v1/performance")

    assert once == 1
    assert len(asked) == 2


def test_postgresql_connections_last_and_are_checked() -> None:
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        assert database["CONN_MAX_AGE"] == 60
        assert database["CONN_HEALTH_CHECKS"] is True
    else:  # SQLite: a file to open, nothing to keep
        assert database["CONN_MAX_AGE"] == 0


def _connection_id() -> object:
    """The thread's DB-API connection after a query (the object: an id could be reused)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.connection


def _drop_connection() -> None:
    """The database connection goes away under Django (a server restart, a dropped socket)."""
    if connection.vendor == "postgresql":
        connection.connection.pgconn.finish()
    else:
        connection.connection.close()


def one_shared_thread() -> None:
    """The event loop's shared threads made one, so every call lands on the same."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))


def test_a_shared_thread_keeps_its_connection_and_recovers_from_a_dead_one() -> None:
    async def scenario() -> tuple[list[object], type | None, object]:
        one_shared_thread()
        kept = [await db_thread.db_read(_connection_id) for _ in range(5)]
        await db_thread.db_read(_drop_connection)
        failure = None
        try:
            await db_thread.db_read(_connection_id)
        except Error as error:  # the first use of the dead connection fails and drops it
            failure = type(error)
        return kept, failure, await db_thread.db_read(_connection_id)

    kept, failure, after = asyncio.run(scenario())

    assert all(each is kept[0] for each in kept)  # one connection, used again and again
    assert failure is not None
    assert after is not kept[0]


def test_a_dead_connection_idle_for_a_while_is_replaced_before_use(monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no health check: a file cannot drop its connection")
    monkeypatch.setattr(db_thread, "HEALTH_CHECK_IDLE_SECONDS", 0.1)

    async def scenario() -> tuple[object, object]:
        one_shared_thread()
        before = await db_thread.db_read(_connection_id)
        await db_thread.db_read(_drop_connection)
        await asyncio.sleep(0.2)
        return before, await db_thread.db_read(_connection_id)

    before, after = asyncio.run(scenario())

    assert after is not before


@pytest.mark.django_db(transaction=True)
def test_the_order_path_reads_markets_and_shards_on_the_shared_threads(market: Market) -> None:
    """Not on a thread of the request's own (the ORM's async methods would): the order fast
    path makes one per request and sends no request_finished, so a connection opened there
    would stay open until the garbage collector found it; 10 requests would open 10."""
    opened: list[int] = []

    def count(sender, connection, **kwargs) -> None:
        opened.append(threading.get_ident())

    async def scenario() -> None:
        one_shared_thread()
        for _ in range(10):
            orders.forget_markets()
            async with ThreadSensitiveContext():  # as each request on the fast path
                await orders.market_of(market.symbol)
                await orders.shard_of_order(10**15, None)

    connection_created.connect(count)
    try:
        asyncio.run(scenario())
    finally:
        connection_created.disconnect(count)

    assert len(opened) <= 1

"""exchange/selectors/loop_reads.py: the order path's one-row reads, as settings choose them.

PostgreSQL is read from the event loop on the loop's own psycopg connections: kept between
reads, never more than the reader allows at once, replaced when the server dropped them,
closed past CONN_MAX_AGE, and failing as Django fails (OperationalError: a 503 at the API).
Any other database is read on a shared thread.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import warnings

import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError, connection
from django.utils.module_loading import import_string

from exchange.selectors import loop_reads
from exchange.selectors.loop_reads import OnSharedThread, PsycopgOnLoop
from tests import services

pytestmark = pytest.mark.django_db(transaction=True)

PID = "SELECT pg_backend_pid()"


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        services.unavailable("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_settings_read_postgresql_on_the_loop_and_other_databases_on_a_thread() -> None:
    chosen = import_string(settings.EXCHANGE_LOOP_READS["BACKEND"])

    assert chosen is (PsycopgOnLoop if connection.vendor == "postgresql" else OnSharedThread)


def test_the_configured_reader_answers_the_first_row_or_none(django_user_model) -> None:
    user = django_user_model.objects.create_user("reader")
    sql = f"SELECT username FROM {django_user_model._meta.db_table} WHERE id = %s"

    async def scenario():
        return await loop_reads.first_row(sql, [user.pk]), await loop_reads.first_row(sql, [0])

    assert asyncio.run(scenario()) == (("reader",), None)


def test_a_thread_reader_answers_on_any_database(django_user_model) -> None:
    user = django_user_model.objects.create_user("threaded")

    sql = f"SELECT username FROM {django_user_model._meta.db_table} WHERE id = %s"

    row = asyncio.run(OnSharedThread().first_row(sql, [user.pk]))

    assert row == ("threaded",)


def test_a_connection_is_kept_from_one_read_to_the_next(postgres) -> None:
    reader = PsycopgOnLoop()

    async def scenario():
        return [await reader.first_row(PID, []) for _ in range(3)]

    first, second, third = asyncio.run(scenario())
    assert first == second == third


def test_a_read_cancelled_while_it_waits_for_a_connection_takes_no_slot(postgres) -> None:
    reader = PsycopgOnLoop(max_connections=1)
    sql = "SELECT pg_backend_pid() FROM pg_sleep(0.1)"

    async def scenario():
        holding = asyncio.ensure_future(reader.first_row(sql, []))
        await asyncio.sleep(0.02)
        waiting = asyncio.ensure_future(reader.first_row(sql, []))
        await asyncio.sleep(0.02)
        waiting.cancel()
        await holding
        return await asyncio.wait_for(reader.first_row(PID, []), 5)

    assert asyncio.run(scenario())


def test_never_more_connections_at_once_than_allowed(postgres) -> None:
    reader = PsycopgOnLoop(max_connections=2)
    sql = "SELECT pg_backend_pid() FROM pg_sleep(0.05)"

    async def scenario():
        return await asyncio.gather(*(reader.first_row(sql, []) for _ in range(6)))

    assert len(set(asyncio.run(scenario()))) == 2


def test_a_connection_the_server_dropped_is_replaced_and_the_read_answers(postgres) -> None:
    reader = PsycopgOnLoop()

    async def scenario():
        (dropped,) = await reader.first_row(PID, [])
        await asyncio.to_thread(_terminate, dropped)  # while it is idle
        (replacing,) = await reader.first_row(PID, [])
        return dropped, replacing

    dropped, replacing = asyncio.run(scenario())
    assert replacing != dropped


def _terminate(pid: int) -> None:
    """Ends the server process `pid` from another connection, and waits until it is gone."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert _gone(pid)
    finally:
        connection.close()  # this thread's own


def test_a_connection_past_conn_max_age_is_closed_after_its_read(postgres, monkeypatch) -> None:
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    reader = PsycopgOnLoop()

    async def scenario():
        return [await reader.first_row(PID, []) for _ in range(2)]

    (first,), (second,) = asyncio.run(scenario())
    assert first != second
    assert _gone(first)


def test_a_server_that_cannot_be_reached_is_an_operational_error(postgres, monkeypatch) -> None:
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(_free_port()))

    with pytest.raises(OperationalError):
        asyncio.run(PsycopgOnLoop().first_row(PID, []))


def test_a_bad_query_fails_as_django_fails_and_the_next_read_answers(postgres) -> None:
    reader = PsycopgOnLoop()

    async def scenario():
        with pytest.raises(ProgrammingError):
            await reader.first_row("SELECT no_such_column FROM no_such_table", [])
        return await reader.first_row("SELECT 1", [])

    assert asyncio.run(scenario()) == (1,)


def test_the_connections_of_a_loop_that_ended_are_closed(postgres) -> None:
    reader = PsycopgOnLoop(max_connections=1)

    async def scenario():  # two at once: one waits for the other's connection
        return await asyncio.gather(reader.first_row(PID, []), reader.first_row(PID, []))

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        (pid,), (same,) = asyncio.run(scenario())
        gc.collect()

    assert pid == same
    assert _gone(pid)
    # closed by the reader, not left to psycopg's finaliser ("deleted while still open"; the
    # collection may find other tests' connections too: only asynchronous ones are the reader's)
    assert not [
        str(each.message)
        for each in warned
        if issubclass(each.category, ResourceWarning) and "AsyncConnection" in str(each.message)
    ]


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether the server process `pid` ends within `within` seconds."""
    deadline = time.monotonic() + within
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() == (0,):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


@pytest.mark.parametrize(
    ("prepared", "options", "kept"),
    [
        (True, {}, 1),
        (False, {}, 0),
        (True, {"prepare_threshold": None}, 0),  # the database's OPTIONS decide
    ],
    ids=["prepared", "not-prepared", "options-decide"],
)
def test_statements_are_prepared_in_the_server_unless_told_not_to(
    postgres, monkeypatch, prepared, options, kept
) -> None:
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    reader = PsycopgOnLoop(prepared=prepared)

    async def scenario():
        await reader.first_row("SELECT 41 + %s", [1])
        return await reader.first_row(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT 41 + %"],
        )

    assert asyncio.run(scenario()) == (kept,)

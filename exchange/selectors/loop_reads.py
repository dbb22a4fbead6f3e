"""One-row reads on the order path, answered from the event loop, as settings choose.

An order that carries a client_order_id asks the database whether the user used that id
before (exchange/services/orders.py), and a cancel may ask for an order's status: one small
query each, on the hot path. `db_read` (db_thread.py) hands such a query to a shared thread
and Django's cursor; under load that hop costs the web process about as much as the query,
and PostgreSQL needs no thread: psycopg speaks to it from the event loop.

settings.EXCHANGE_LOOP_READS names the reader like Django's CACHES name a cache,
`{"BACKEND": dotted path, "OPTIONS": {...}}`; the settings give `PsycopgOnLoop` for
PostgreSQL and `OnSharedThread` for any other database (SQLite, the embedded default).
Both take the same SQL (`%s` placeholders), give the first row or None, and fail as Django
does: django.db.OperationalError or InterfaceError, which the API answers with a 503.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Sequence

import psycopg
from django.db import connection, connections, utils

from exchange.configured import FromSettings
from exchange.selectors.db_thread import db_read


def _first_row_sync(sql: str, params: Sequence) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


class OnSharedThread:
    """Any database: the query on a shared thread, with its lasting connection (db_read)."""

    async def first_row(self, sql: str, params: Sequence) -> tuple | None:
        return await db_read(_first_row_sync, sql, params)


class _Kept:
    __slots__ = ("conn", "close_at")

    def __init__(self, conn: psycopg.AsyncConnection, close_at: float) -> None:
        self.conn, self.close_at = conn, close_at


class _Lost(Exception):
    """The connection broke (the server closed it, or went away)."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


class _Slots:
    """At most `size` holders at once, the others waiting in turn. (asyncio.Semaphore would
    keep its loop once anyone waited, and the loop is the weak key of this state: it would
    never be collected.)"""

    __slots__ = ("free", "waiting")

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiting: deque[asyncio.Future] = deque()

    async def __aenter__(self) -> None:
        if self.free and not self.waiting:
            self.free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await turn  # the slot is handed over by the holder that leaves
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._leave()  # handed over, then cancelled: hand it on
            raise  # (else `_leave` passes over the cancelled turn)

    async def __aexit__(self, *exc_info) -> None:
        self._leave()

    def _leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class PsycopgOnLoop:
    """PostgreSQL: the query sent from the event loop on one of its own psycopg connections,
    in autocommit, made with the parameters Django's connection uses, its statements
    prepared in the server unless `prepared` is False or the database's OPTIONS set
    `prepare_threshold` (Django prepares none by default, for a pooler in transaction mode
    older than PgBouncer 1.21; prepared, an order's lookup costs PostgreSQL about a third).

    Each event loop keeps up to `max_connections` connections (a query waits when all are
    busy). A connection is kept for the database's CONN_MAX_AGE seconds (at least one
    query), then closed; one that fails is closed at once; those of a loop that is gone are
    closed when the loop is collected. A query that fails on a kept connection (the server
    closed it while it was idle, or restarted) is sent once more on a new one: the read
    changes nothing, so sending it twice is harmless."""

    def __init__(
        self, max_connections: int = 8, alias: str = "default", prepared: bool = True
    ) -> None:
        self.max_connections, self.alias, self.prepared = max_connections, alias, prepared
        self._loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def first_row(self, sql: str, params: Sequence) -> tuple | None:
        idle, slots = self._of_loop()
        async with slots:
            try:
                while idle:
                    try:
                        return await self._on(idle.pop(), idle, sql, params)
                    except _Lost:
                        pass  # it went away while idle: the next one, else a new one
                return await self._on(await self._connect(), idle, sql, params)
            except _Lost as lost:
                raise _as_django(lost.error) from lost.error
            except psycopg.Error as error:
                raise _as_django(error) from error

    async def _on(self, kept: _Kept, idle: deque, sql: str, params: Sequence) -> tuple | None:
        """The row, `kept` given back to `idle` unless it is past its age; raises _Lost if
        the connection was found broken, else psycopg's error (the connection closed)."""
        conn = kept.conn
        try:
            cursor = await conn.execute(sql, params)
            row = await cursor.fetchone()
        except psycopg.Error as error:
            broken = conn.broken
            await _close(conn)
            if broken:
                raise _Lost(error) from error
            raise
        except BaseException:  # cancelled mid-query: the connection's state is unknown
            await _close(conn)
            raise
        if time.monotonic() < kept.close_at:
            idle.append(kept)
        else:
            await _close(conn)
        return row

    async def _connect(self) -> _Kept:
        wrapper = connections[self.alias]
        params = wrapper.get_connection_params()
        params.pop("cursor_factory", None)  # Django's sync cursor; the async default serves
        if self.prepared and "prepare_threshold" not in wrapper.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = 0  # Django's default is never
        conn = await psycopg.AsyncConnection.connect(autocommit=True, **params)
        max_age = wrapper.settings_dict.get("CONN_MAX_AGE") or 0
        return _Kept(conn, time.monotonic() + (float("inf") if max_age is None else max_age))

    def _of_loop(self) -> tuple[deque, _Slots]:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            idle: deque = deque()
            state = self._loops[loop] = (idle, _Slots(self.max_connections))
            # a loop that ends (asyncio.run, async_to_sync) leaves its connections behind
            weakref.finalize(loop, _finish, idle)
        return state


def _finish(idle: deque) -> None:
    """The kept connections of a loop that is gone, closed without it."""
    while idle:
        conn = idle.pop().conn  # held: freed before `finish`, it would warn of being open
        conn.pgconn.finish()


# psycopg's DB-API errors, most specific first, by the name Django gives its own
_DB_API_ERRORS = (
    "DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
    "NotSupportedError", "DatabaseError", "InterfaceError", "Error",
)  # fmt: skip


def _as_django(error: psycopg.Error) -> utils.Error:
    """Django's error of the same kind (as Django's cursor raises it)."""
    name = next(name for name in _DB_API_ERRORS if isinstance(error, getattr(psycopg, name)))
    return getattr(utils, name)(*error.args)


async def _close(conn: psycopg.AsyncConnection) -> None:
    try:
        await conn.close()
    except psycopg.Error:
        pass


_reader = FromSettings("EXCHANGE_LOOP_READS")


async def first_row(sql: str, params: Sequence) -> tuple | None:
    """The first row `sql` (with `%s` placeholders for `params`) reads, or None."""
    return await _reader().first_row(sql, params)

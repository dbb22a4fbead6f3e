"""Database reads for async code, on the event loop's shared worker threads.

`sync_to_async` with its default (thread-sensitive) runs the call on the request's own
thread: under Django's ASGI handler a new thread per request, hence a new PostgreSQL
connection (a server process forked) per request that reads. The shared threads here keep
their connection from one call to the next, as Django keeps one between requests
(`CONN_MAX_AGE`, `CONN_HEALTH_CHECKS`): one older than `CONN_MAX_AGE` is closed before the
next call, and one idle for more than `HEALTH_CHECK_IDLE_SECONDS` is checked (a `SELECT 1`)
at its next use and replaced if the server dropped it. One that fails with a database error
(of any kind: a connection the server closed raises InterfaceError, which is no
DatabaseError) is closed, so the next call on that thread connects afresh.
`closing_on_error` does the same for any other long-lived thread that uses the database
(the matcher's chores).

A request thread's own connection is closed when the request ends
(`close_request_thread_connections`): that thread ends with the request, so a connection
kept there could never be used again and would stay open until garbage-collected.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import SyncToAsync, sync_to_async
from django.db import Error, close_old_connections, connection, connections

T = TypeVar("T")
HEALTH_CHECK_IDLE_SECONDS = 1.0

_last_call = threading.local()


def closing_on_error(function: Callable[..., T]) -> Callable[..., T]:
    """`function`, which closes the thread's connection when the database fails it."""

    @functools.wraps(function)
    def call(*args, **kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Error:
            connection.close()
            raise

    return call


def _ready_connection() -> None:
    """Before a call on a lasting thread: closes a connection past its age, and has one
    idle for a while checked at its next use (both as Django does between requests)."""
    now = time.monotonic()
    idle = now - getattr(_last_call, "at", now)
    _last_call.at = now
    if idle > HEALTH_CHECK_IDLE_SECONDS:
        close_old_connections()
    elif connection.close_at is not None and connection.settings_dict["CONN_MAX_AGE"]:
        if now >= connection.close_at:
            connection.close()


def _on_shared_thread(function: Callable[..., T], *args, **kwargs) -> T:
    _ready_connection()
    return closing_on_error(function)(*args, **kwargs)


async def db_read(function: Callable[..., T], *args, **kwargs) -> T:
    """`function(*args, **kwargs)` on a shared worker thread with a lasting connection."""
    return await sync_to_async(_on_shared_thread, thread_sensitive=False)(function, *args, **kwargs)


def close_request_thread_connections(**kwargs) -> None:
    """`request_finished` receiver: closes the connections of a thread that asgiref made for
    one request (Django's ASGI handler); elsewhere (a lasting thread, WSGI, the test client)
    it does nothing."""
    if SyncToAsync.thread_sensitive_context.get(None) is None:
        return
    for each in connections.all(initialized_only=True):
        if not each.in_atomic_block:
            each.close()

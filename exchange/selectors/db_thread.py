"""Database reads for async code, on the event loop's shared worker threads.

`sync_to_async` with its default (thread-sensitive) runs the call on the request's own
thread: under Django's ASGI handler a new thread per request, hence a new PostgreSQL
connection (a server process forked) per request that reads. The shared threads here keep
their connection from one call to the next; one that fails with a database error (of any
kind: a connection the server closed raises InterfaceError, which is no DatabaseError) is
closed, so the next call on that thread connects afresh (a database restart costs one failed
call per thread, as it would a request). `closing_on_error` does the same for any other
long-lived thread that uses the database (the matcher's chores).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.db import Error, connection

T = TypeVar("T")


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


async def db_read(function: Callable[..., T], *args, **kwargs) -> T:
    """`function(*args, **kwargs)` on a shared worker thread with a lasting connection."""
    return await sync_to_async(closing_on_error(function), thread_sensitive=False)(*args, **kwargs)

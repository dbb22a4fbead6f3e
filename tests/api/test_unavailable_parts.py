"""A database or message layer that is down or restarting is a `503` with the envelope, never
a 500 (exchange/api/errors.py), and a thread that met such an error drops its connection, so
its next call connects afresh (exchange/selectors/db_thread.py)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from exchange.api.errors import as_api_error
from exchange.selectors import db_thread
from matching.service.transport import TransportUnavailable


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("could not connect to server: Connection refused"),
        InterfaceError("connection already closed"),
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        TransportUnavailable("Connection closed by server."),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_part_that_is_down_is_503_service_unavailable(error) -> None:
    mapped = as_api_error(error)

    assert mapped.status == 503
    assert mapped.code == "service_unavailable"
    assert mapped.headers == {"Retry-After": "1"}
    assert "connect" not in mapped.message.lower()  # no internals in the message


def test_a_bug_is_still_a_500() -> None:
    assert as_api_error(IntegrityError("duplicate key")).status == 500


class Connection:
    closed = 0

    def close(self) -> None:
        self.closed += 1


@pytest.mark.parametrize(
    ("error", "closes"),
    [
        (InterfaceError("connection already closed"), True),  # no DatabaseError
        (OperationalError("server closed the connection unexpectedly"), True),
        (ValueError("not the database's"), False),
    ],
)
def test_a_database_error_drops_the_thread_s_connection(monkeypatch, error, closes) -> None:
    connection = Connection()
    monkeypatch.setattr(db_thread, "connection", connection)

    def read():
        raise error

    with pytest.raises(type(error)):
        db_thread.closing_on_error(read)()

    assert connection.closed == (1 if closes else 0)

"""exchange/redis_connection.py: hiredis packs what redis-py's asyncio client packs, byte for
byte, and refuses what it refuses; a write past the socket timeout fails as redis-py's does;
the exchange's asyncio clients connect with it."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

from exchange import redis_connection, redis_turn
from exchange.redis_connection import PackedConnection, connection_options
from matching.service.transport_redis import RedisTransport

COMMANDS = [
    ("GET", "key"),
    ("SET", "k", b"\x00\xff binary", "PX", 600_000, "NX"),
    ("EVALSHA", "a" * 40, 2, "asgi:one", "asgi:two", b"x" * 70_000, 1000, "1733580000.123456"),
    ("ZADD", "z", 1.5, "m", 1e20, "n", -0.0, "o", float("inf"), "p", 1 / 3, "q"),
    ("SET", "é✓", "ünïcode", "EX", 12345678901234567890),
    ("CONFIG GET", "maxmemory"),  # a command of two words
    (b"CLIENT SETNAME", b"name"),
    ("SET", "view", memoryview(b"viewed")),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: str(command[0]))
def test_the_same_bytes_as_redis_py(command) -> None:
    assert b"".join(PackedConnection().pack_command(*command)) == b"".join(
        Connection().pack_command(*command)
    )


@pytest.mark.parametrize(
    "value", [None, True, object(), [1]], ids=["None", "bool", "object", "list"]
)
def test_a_value_redis_cannot_take_is_a_data_error(value) -> None:
    with pytest.raises(DataError):
        Connection().pack_command("SET", "k", value)
    with pytest.raises(DataError):
        PackedConnection().pack_command("SET", "k", value)


@contextlib.asynccontextmanager
async def to_a_server_that_never_reads():
    """A connection (socket timeout 0.3 s) to a server that accepts and never reads: a large
    enough write fills the socket's buffers and waits for room."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        connection = PackedConnection(port=server.getsockname()[1], socket_timeout=0.3)
        await connection._connect()  # the socket alone: the server never answers a HELLO
        yield connection


def test_a_write_past_the_socket_timeout_is_a_timeout_and_drops_the_connection() -> None:
    async def scenario() -> None:
        async with to_a_server_that_never_reads() as connection:
            assert connection.is_connected
            with pytest.raises(RedisTimeoutError, match="Timeout writing to socket"):
                await connection.send_command("SET", "k", b"x" * 64_000_000, check_health=False)
            assert not connection.is_connected

    asyncio.run(scenario())


def test_a_write_the_socket_takes_at_once_arms_no_timer(monkeypatch) -> None:
    """Only a write that can wait for room is bounded: one that went out whole is not."""
    armed = []
    real_timeout = asyncio.timeout

    def counting_timeout(delay):
        armed.append(delay)
        return real_timeout(delay)

    monkeypatch.setattr(redis_connection.asyncio, "timeout", counting_timeout)

    async def scenario() -> None:
        async with to_a_server_that_never_reads() as connection:
            await connection.send_command("SET", "k", b"small", check_health=False)
            assert armed == []
            with pytest.raises(RedisTimeoutError):
                await connection.send_command("SET", "k", b"x" * 64_000_000, check_health=False)
            assert armed == [0.3]

    asyncio.run(scenario())


def test_only_a_plain_tcp_url_takes_it() -> None:
    assert connection_options("redis://127.0.0.1:6379/1") == {"connection_class": PackedConnection}
    assert connection_options("rediss://127.0.0.1:6380/1") == {}
    assert connection_options("unix:///run/redis.sock") == {}


def test_the_exchange_clients_connect_with_it() -> None:
    async def classes() -> tuple[type, type, type, type]:
        transport = RedisTransport(hosts=[{"address": "redis://127.0.0.1:6379/9"}])
        secure = RedisTransport(hosts=[{"address": "rediss://127.0.0.1:6380/9"}])
        unix = redis_turn.loop_client("unix:///run/redis.sock")
        return (
            transport.create_pool(0).connection_class,
            secure.create_pool(0).connection_class,
            redis_turn.loop_client("redis://127.0.0.1:6379/9").connection_pool.connection_class,
            unix.connection_pool.connection_class,
        )

    assert asyncio.run(classes()) == (
        PackedConnection,
        SSLConnection,
        PackedConnection,
        UnixDomainSocketConnection,
    )

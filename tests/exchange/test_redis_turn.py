"""exchange/redis_turn.py against a real Redis: the commands of one turn of the event loop
leave in one pipeline, each caller gets its own result or its own error, and a server that
cannot be reached is every caller's error."""

from __future__ import annotations

import asyncio
import socket

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from exchange import redis_turn
from exchange.redis_turn import in_turn


@pytest.fixture
def url(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    client.delete("turn:a", "turn:b", "turn:list")
    yield redis_url
    client.delete("turn:a", "turn:b", "turn:list")


@pytest.fixture
def pipelines(monkeypatch) -> list[int]:
    """The number of commands of each pipeline sent."""
    sent: list[int] = []
    real = redis_turn._send

    async def counting(client, entries):
        sent.append(len(entries))
        await real(client, entries)

    monkeypatch.setattr(redis_turn, "_send", counting)
    return sent


def test_commands_of_one_turn_share_a_pipeline_and_each_gets_its_result(
    url: str, pipelines: list[int]
) -> None:
    async def scenario():
        return await asyncio.gather(
            in_turn(url, lambda pipe: pipe.set("turn:a", b"1", nx=True)),
            in_turn(url, lambda pipe: pipe.set("turn:a", b"2", nx=True)),
            in_turn(url, lambda pipe: pipe.get("turn:a")),
            in_turn(url, lambda pipe: pipe.eval("return ARGV[1] + 1", 0, 41)),
        )

    assert asyncio.run(scenario()) == [True, None, b"1", 42]
    assert pipelines == [4]


def test_a_command_alone_in_its_turn_is_sent_alone(url: str, pipelines: list[int]) -> None:
    async def scenario():
        first = await in_turn(url, lambda pipe: pipe.set("turn:b", b"x"))
        return first, await in_turn(url, lambda pipe: pipe.get("turn:b"))

    assert asyncio.run(scenario()) == (True, b"x")
    assert pipelines == [1, 1]


@pytest.mark.parametrize("others", [0, 2])
def test_a_refused_command_is_its_caller_s_error_only(url: str, others: int) -> None:
    async def scenario():
        await in_turn(url, lambda pipe: pipe.rpush("turn:list", b"x"))
        return await asyncio.gather(
            in_turn(url, lambda pipe: pipe.incr("turn:list")),  # not a number: refused
            *(in_turn(url, lambda pipe: pipe.llen("turn:list")) for _ in range(others)),
            return_exceptions=True,
        )

    refused, *rest = asyncio.run(scenario())
    assert isinstance(refused, ResponseError)
    assert rest == [1] * others


def test_a_server_that_cannot_be_reached_is_every_caller_s_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"

    async def scenario():
        return await asyncio.gather(
            in_turn(url, lambda pipe: pipe.get("turn:a")),
            in_turn(url, lambda pipe: pipe.get("turn:b")),
            return_exceptions=True,
        )

    errors = asyncio.run(scenario())
    assert [type(error) for error in errors] == [RedisConnectionError] * 2

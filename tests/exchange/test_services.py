"""Real round trips to PostgreSQL and Redis: the services the deployed exchange uses."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import redis
from channels_redis.core import RedisChannelLayer


def test_postgres_answers_a_query(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, connect_timeout=3) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_redis_stores_and_returns_a_value(redis_url: str) -> None:
    key = f"exchange-test:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url, socket_timeout=3)
    try:
        client.set(key, "hello", ex=60)
        assert client.get(key) == b"hello"
    finally:
        client.delete(key)
        client.close()


def _layer(url: str) -> RedisChannelLayer:
    # A prefix of its own keeps this run apart from anything else on the server.
    return RedisChannelLayer(hosts=[url], prefix=f"exchange-test-{uuid.uuid4().hex}")


def test_redis_channel_layer_delivers_to_a_channel(redis_url: str) -> None:
    async def round_trip() -> dict[str, object]:
        layer = _layer(redis_url)
        try:
            channel = await layer.new_channel()
            await layer.send(channel, {"type": "order.place", "n": 1})
            return await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.flush()
            await layer.close_pools()

    assert asyncio.run(round_trip()) == {"type": "order.place", "n": 1}


def test_redis_channel_layer_delivers_to_a_group(redis_url: str) -> None:
    async def round_trip() -> dict[str, object]:
        layer = _layer(redis_url)
        try:
            channel = await layer.new_channel()
            await layer.group_add("book.BTC-USDT", channel)
            await layer.group_send("book.BTC-USDT", {"type": "book.update", "seq": 7})
            return await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.flush()
            await layer.close_pools()

    assert asyncio.run(round_trip()) == {"type": "book.update", "seq": 7}

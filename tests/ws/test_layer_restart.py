"""After the message layer restarted and lost its groups (a Redis restart), a connection
joins its groups again as soon as the layer answers, each book sends a fresh snapshot and
each feed that has nothing to send again a `gap` notice (exchange/consumers/
subscriptions.py). A stand-in layer whose `generation` changes plays the restart."""

from __future__ import annotations

import asyncio

import pytest
from django.db import OperationalError

from exchange.consumers import subscriptions as subscriptions_module
from exchange.consumers.messages import Subscription
from exchange.consumers.subscriptions import Subscriptions

# a market subscription reads its market's status (none here) from the database
pytestmark = [pytest.mark.django_db(transaction=True)]


class Layer:
    def __init__(self) -> None:
        self.generation_now: str | Exception = "run-1"
        self.added: list[str] = []
        self.members: set[str] = set()

    async def generation(self) -> str:
        if isinstance(self.generation_now, Exception):
            raise self.generation_now
        return self.generation_now

    async def group_add(self, group: str, channel: str) -> None:
        if isinstance(self.generation_now, Exception):
            raise self.generation_now
        self.added.append(group)
        self.members.add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        self.members.discard(group)


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def put_many(self, messages) -> bool:
        self.sent.extend(messages)
        return True


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch) -> None:
    monkeypatch.setattr(subscriptions_module, "GENERATION_CHECK_SECONDS", 0.01)


async def _run(layer: Layer, outbox: Outbox, script) -> None:
    subscriptions = Subscriptions(
        layer, "specific.x!1", outbox, buffer_limit=100, on_book_given_up=lambda symbol: None
    )
    await subscriptions.add(Subscription("orders"), user_id=7)
    await subscriptions.add(Subscription("trades", "BTC-USDT"), user_id=7)
    keeper = asyncio.create_task(subscriptions.keep_groups())
    try:
        await script(subscriptions)
    finally:
        keeper.cancel()
        await subscriptions.close()


def test_a_restart_rejoins_the_groups_and_tells_of_the_gap() -> None:
    layer, outbox = Layer(), Outbox()

    async def script(subscriptions) -> None:
        await asyncio.sleep(0.1)
        # orders: the user's group; trades: the market's trades and status groups
        assert outbox.sent == [] and len(layer.added) == 3  # nothing happened: no rejoin
        layer.members.clear()
        layer.generation_now = ConnectionError("Connection refused")  # down for a while
        await asyncio.sleep(0.1)
        layer.generation_now = "run-2"  # back, empty
        for _ in range(100):
            if len(layer.members) == 3 and outbox.sent:
                break
            await asyncio.sleep(0.01)
        assert layer.members == set(layer.added)  # every group joined again

    asyncio.run(_run(layer, outbox, script))

    assert len(layer.added) == 6 and sorted(layer.added[3:]) == sorted(layer.added[:3])
    assert sorted((m["type"], m["channel"]) for m in outbox.sent) == [
        ("gap", "orders"),
        ("gap", "trades"),
    ]
    assert all("REST" in m["message"] for m in outbox.sent)


def test_a_layer_that_never_restarted_is_not_rejoined() -> None:
    layer, outbox = Layer(), Outbox()

    async def script(subscriptions) -> None:
        await asyncio.sleep(0.2)

    asyncio.run(_run(layer, outbox, script))

    assert len(layer.added) == 3 and outbox.sent == []


def test_a_market_subscription_stands_when_the_database_is_away(monkeypatch) -> None:
    """The status a market subscription reads is not worth refusing the subscription for."""

    def away(symbol: str):
        raise OperationalError("connection refused")

    monkeypatch.setattr(subscriptions_module, "market_status_get", away)
    layer, outbox = Layer(), Outbox()

    async def script(subscriptions) -> None:
        assert Subscription("trades", "BTC-USDT") in subscriptions

    asyncio.run(_run(layer, outbox, script))

    assert outbox.sent == []

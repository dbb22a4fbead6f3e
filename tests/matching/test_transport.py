"""The matcher's transport (matching/service/transport.py), one contract run against both
implementations: in memory, and Redis (a real one; skipped or failed without it, see
tests/services.py)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from django.core.exceptions import ImproperlyConfigured

from matching.service.transport import Transport, get_transport
from matching.service.transport_memory import InMemoryTransport
from matching.service.transport_redis import RedisTransport

PROMPT = 2.0  # far above a round trip, well under the Redis layer's 5 s blocking pop


@pytest.fixture(params=["memory", "redis"])
def run(request):
    """Runs `scenario(transport)` on a fresh transport of the parameter's kind, made with
    `config` (capacity...), in an event loop of its own."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")

        def make(**config) -> Transport:
            return RedisTransport(hosts=[url], prefix=f"exchange-test-{uuid.uuid4().hex}", **config)
    else:
        make = InMemoryTransport

    def run_scenario(scenario, **config):
        async def main():
            transport = make(**config)
            try:
                return await scenario(transport)
            finally:
                await transport.flush()
                if isinstance(transport, RedisTransport):
                    await transport.close_pools()

        return asyncio.run(main())

    return run_scenario


async def answer(transport: Transport, count: int, reverse: bool = False) -> list[int]:
    """A stand-in matcher: takes `count` requests off "matching" and publishes a reply to
    each with its own number (last first if `reverse`); returns the numbers as they came."""
    requests = []
    while len(requests) < count:
        requests += await asyncio.wait_for(transport.receive_many("matching"), PROMPT)
    replies = [(r["reply_to"], {"type": "reply", "n": r["n"]}) for r in requests]
    await transport.publish(replies[::-1] if reverse else replies, [])
    return [r["n"] for r in requests]


def calling(transport: Transport, count: int, timeout: float = PROMPT) -> list[asyncio.Future]:
    """`count` calls in flight, numbered 0, 1, ..."""
    return [
        asyncio.ensure_future(
            transport.call(
                "matching", lambda to, n=n: {"type": "c", "n": n, "reply_to": to}, timeout
            )
        )
        for n in range(count)
    ]


def test_both_implementations_are_transports() -> None:
    assert issubclass(InMemoryTransport, Transport) and issubclass(RedisTransport, Transport)
    # and channel layers, which the WebSocket consumers use as such
    assert issubclass(InMemoryTransport, InMemoryChannelLayer)


def test_call_gets_each_caller_its_own_reply(run) -> None:
    async def scenario(transport):
        calls = calling(transport, 20)
        order = await answer(transport, 20, reverse=True)
        return order, [(await call)["n"] for call in calls]

    order, replies = run(scenario)
    assert order == list(range(20))  # the matcher reads them in the order they were sent
    assert replies == list(range(20))


def test_a_call_not_answered_times_out_and_its_late_reply_harms_no_one(run) -> None:
    async def scenario(transport):
        with pytest.raises(TimeoutError):
            await transport.call("matching", lambda to: {"type": "c", "n": 1, "reply_to": to}, 0.2)
        await answer(transport, 1)  # the late reply: nobody waits for it
        (second,) = calling(transport, 1)
        await answer(transport, 1)
        return (await second)["n"]

    assert run(scenario) == 0


def test_a_call_to_a_full_channel_is_refused(run) -> None:
    async def scenario(transport):
        calls = calling(transport, 3)
        await asyncio.wait(calls, timeout=0.5)
        refused = [c for c in calls if c.done() and isinstance(c.exception(), ChannelFull)]
        await answer(transport, 2)
        return len(refused), [(await call)["n"] for call in calls if call not in refused]

    assert run(scenario, capacity=2) == (1, [0, 1])


def test_receive_many_takes_a_backlog_at_once_in_order(run) -> None:
    async def scenario(transport):
        for n in range(7):
            await transport.send("matching", {"type": "c", "n": n})
        batch = await asyncio.wait_for(transport.receive_many("matching", count=5), PROMPT)
        rest = await asyncio.wait_for(transport.receive_many("matching"), PROMPT)
        return [m["n"] for m in batch], [m["n"] for m in rest]

    assert run(scenario) == ([0, 1, 2, 3, 4], [5, 6])


def test_receive_many_waits_for_the_first_message(run) -> None:
    async def scenario(transport):
        receiving = asyncio.ensure_future(transport.receive_many("matching"))
        await asyncio.sleep(0.2)
        waited = not receiving.done()
        await transport.send("matching", {"type": "c", "n": 1})
        return waited, await asyncio.wait_for(receiving, PROMPT)

    assert run(scenario) == (True, [{"type": "c", "n": 1}])


def test_publish_sends_the_replies_and_the_group_messages_in_order(run) -> None:
    async def scenario(transport):
        reply_to, member, other = [await transport.new_channel() for _ in range(3)]
        await transport.group_add("feed", member)
        await transport.group_add("feed", other)
        await transport.group_add("more", member)
        full = await transport.publish(
            [(reply_to, {"type": "reply", "n": 1})],
            [
                ("feed", {"type": "event", "n": 2}),
                ("empty", {"type": "event", "n": 0}),
                ("more", {"type": "event", "n": 3}),
            ],
        )
        reply = await asyncio.wait_for(transport.receive(reply_to), PROMPT)
        events = [(await asyncio.wait_for(transport.receive(member), PROMPT))["n"] for _ in "ab"]
        others = (await asyncio.wait_for(transport.receive(other), PROMPT))["n"]
        return full, reply["n"], events, others

    assert run(scenario) == (0, 1, [2, 3], 2)


def test_publish_drops_what_a_full_member_cannot_take_and_counts_it(run) -> None:
    async def scenario(transport):
        slow = await transport.new_channel()
        await transport.group_add("g", slow)
        full = await transport.publish([], [("g", {"type": "m", "n": n}) for n in range(4)])
        return full, [(await asyncio.wait_for(transport.receive(slow), PROMPT))["n"] for _ in "ab"]

    assert run(scenario, capacity=2) == (2, [0, 1])


def test_depth_counts_the_messages_waiting_in_a_channel(run) -> None:
    async def scenario(transport):
        before = await transport.depth("matching")
        for n in range(3):
            await transport.send("matching", {"type": "c", "n": n})
        waiting = await transport.depth("matching")
        await transport.receive_many("matching")
        return before, waiting, await transport.depth("matching")

    assert run(scenario) == (0, 3, 0)


def test_a_message_arrives_as_the_wire_carries_it(run) -> None:
    """What the matcher receives is what crossed Redis: exact str (the engine checks types),
    lists for tuples; a value the wire cannot carry is refused at the sender."""

    class Status(str):
        pass

    async def scenario(transport):
        await transport.send("matching", {"status": Status("halted"), "pair": (1, 2)})
        (message,) = await asyncio.wait_for(transport.receive_many("matching"), PROMPT)
        with pytest.raises(TypeError):
            await transport.send("matching", {"price": Decimal("1.5")})
        return message["status"].__class__, message["pair"], await transport.depth("matching")

    assert run(scenario) == (str, [1, 2], 0)


def test_ping_answers(run) -> None:
    async def scenario(transport):
        return await asyncio.wait_for(transport.ping(), PROMPT)

    assert run(scenario) is None


def test_the_configured_layer_is_the_transport(settings) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "matching.service.transport_memory.InMemoryTransport"}
    }
    assert isinstance(get_transport(), InMemoryTransport)


def test_a_layer_that_is_not_a_transport_is_a_configuration_error(settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with pytest.raises(ImproperlyConfigured, match="InMemoryChannelLayer"):
        get_transport()

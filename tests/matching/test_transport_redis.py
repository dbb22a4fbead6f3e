"""The Redis transport (matching/service/transport_redis.py) against a real Redis: it
delivers what the stock layer delivers, in order, loses nothing to a cancelled receive,
never leaves a receiver waiting on a fetch that another, cancelled receiver started, and
tells a channel's depth and whether Redis answers."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.exceptions import ChannelFull

from matching.service.transport_redis import RedisTransport

# a functional bound, far above a round trip, well under the layer's 5 s blocking pop
PROMPT = 2.0


def run(redis_url: str, scenario, **config) -> object:
    async def main():
        layer = RedisTransport(
            hosts=[redis_url], prefix=f"exchange-test-{uuid.uuid4().hex}", **config
        )
        try:
            return await scenario(layer)
        finally:
            await layer.flush()
            await layer.close_pools()

    return asyncio.run(main())


def test_specific_channel_messages_arrive_in_order(redis_url: str) -> None:
    async def scenario(layer):
        channel = await layer.new_channel()
        for n in range(5):
            await layer.send(channel, {"type": "t", "n": n})
        return [(await asyncio.wait_for(layer.receive(channel), PROMPT))["n"] for _ in range(5)]

    assert run(redis_url, scenario) == [0, 1, 2, 3, 4]


def test_a_group_message_reaches_every_member_in_the_process(redis_url: str) -> None:
    async def scenario(layer):
        first, second = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("g", first)
        await layer.group_add("g", second)
        await layer.group_send("g", {"type": "hello"})
        return [await asyncio.wait_for(layer.receive(c), PROMPT) for c in (first, second)]

    assert run(redis_url, scenario) == [{"type": "hello"}, {"type": "hello"}]


def test_a_cancelled_receive_loses_nothing_and_holds_up_no_one(redis_url: str) -> None:
    async def scenario(layer):
        gone, waiting = await layer.new_channel(), await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(gone))
        await asyncio.sleep(0.2)  # it is now blocked in the fetch
        receiving.cancel()
        await layer.send(gone, {"type": "late"})
        await layer.send(waiting, {"type": "reply"})
        reply = await asyncio.wait_for(layer.receive(waiting), PROMPT)
        late = await asyncio.wait_for(layer.receive(gone), PROMPT)
        return reply, late

    assert run(redis_url, scenario) == ({"type": "reply"}, {"type": "late"})


def test_receive_many_takes_a_general_channels_backlog_at_once(redis_url: str) -> None:
    async def scenario(layer):
        for n in range(7):
            await layer.send("matching", {"type": "c", "n": n})
        batch = await asyncio.wait_for(layer.receive_many("matching", count=5), PROMPT)
        rest = await asyncio.wait_for(layer.receive_many("matching"), PROMPT)
        return [m["n"] for m in batch], [m["n"] for m in rest]

    assert run(redis_url, scenario) == ([0, 1, 2, 3, 4], [5, 6])


def test_send_many_delivers_each_message_to_its_channel(redis_url: str) -> None:
    async def scenario(layer):
        channels = [await layer.new_channel() for _ in range(3)]
        await layer.send_many([(c, {"type": "r", "to": i}) for i, c in enumerate(channels)])
        return [(await asyncio.wait_for(layer.receive(c), PROMPT))["to"] for c in channels]

    assert run(redis_url, scenario) == [0, 1, 2]


def test_sends_go_on_after_redis_forgot_the_send_script(redis_url: str) -> None:
    async def scenario(layer):
        channels = [await layer.new_channel() for _ in range(2)]
        await layer.send_many([(channels[0], {"type": "r", "to": 0})])
        await layer.connection(0).script_flush()  # as a Redis restarted would have
        await layer.send_many([(channels[1], {"type": "r", "to": 1})])
        return [(await asyncio.wait_for(layer.receive(c), PROMPT))["to"] for c in channels]

    assert run(redis_url, scenario) == [0, 1]


def test_group_sends_go_on_after_redis_forgot_the_scripts(redis_url: str) -> None:
    """A group send runs both of the layer's scripts: the one that reads the members and
    the one that delivers."""

    async def scenario(layer):
        channel = await layer.new_channel()
        await layer.group_add("watchers", channel)
        await layer.group_send_many([("watchers", {"type": "g", "to": 0})])
        await layer.connection(0).script_flush()  # as a Redis restarted would have
        await layer.group_send_many([("watchers", {"type": "g", "to": 1})])
        return [(await asyncio.wait_for(layer.receive(channel), PROMPT))["to"] for _ in "ab"]

    assert run(redis_url, scenario) == [0, 1]


def test_a_full_channel_refuses_a_send(redis_url: str) -> None:
    async def scenario(layer):
        await layer.send("small", {"type": "a"})
        await layer.send("small", {"type": "b"})
        with pytest.raises(ChannelFull):
            await layer.send("small", {"type": "c"})
        return await layer.receive_many("small")

    assert run(redis_url, scenario, capacity=2) == [{"type": "a"}, {"type": "b"}]


def test_reply_channel_names_are_unique_and_of_this_process(redis_url: str) -> None:
    async def scenario(layer):
        names = {await layer.new_channel() for _ in range(1000)}
        return names, layer.client_prefix

    names, prefix = run(redis_url, scenario)
    assert len(names) == 1000
    assert all(name.startswith(f"specific.{prefix}!") for name in names)


def test_group_send_many_reaches_each_groups_members_in_order(redis_url: str) -> None:
    """Several groups, a channel in two of them, a group with no one, two messages to one
    group: each member gets its groups' messages, in the order given."""

    async def scenario(layer):
        a, b, c = [await layer.new_channel() for _ in range(3)]
        for group, channel in (("g1", a), ("g1", b), ("g2", b), ("g3", c)):
            await layer.group_add(group, channel)
        full = await layer.group_send_many(
            [
                ("g1", {"type": "m", "n": 1}),
                ("g2", {"type": "m", "n": 2}),
                ("nobody", {"type": "m", "n": 0}),
                ("g1", {"type": "m", "n": 3}),
            ]
        )
        got = {}
        for name, channel, count in (("a", a, 2), ("b", b, 3)):
            got[name] = [
                (await asyncio.wait_for(layer.receive(channel), PROMPT))["n"] for _ in range(count)
            ]
        await layer.group_send_many([("g3", {"type": "m", "n": "last"})])
        got["c"] = [(await asyncio.wait_for(layer.receive(c), PROMPT))["n"]]  # nothing before
        return full, got

    assert run(redis_url, scenario) == (0, {"a": [1, 3], "b": [1, 2, 3], "c": ["last"]})


def test_group_send_many_drops_what_a_full_channel_cannot_take(redis_url: str) -> None:
    """A slow member misses messages (as with group_send) and the others still get theirs."""

    async def scenario(layer):
        slow = await layer.new_channel()
        await layer.group_add("g", slow)
        full = await layer.group_send_many([("g", {"type": "m", "n": n}) for n in range(4)])
        return full, [(await asyncio.wait_for(layer.receive(slow), PROMPT))["n"] for _ in range(2)]

    assert run(redis_url, scenario, capacity=2) == (2, [0, 1])


def test_the_hosts_generation_is_asked_once_for_callers_that_come_together(redis_url) -> None:
    async def scenario(layer):
        asked = []
        connection = layer.connection(0)
        info = connection.info

        async def counted_info(*args, **kwargs):
            asked.append(args)
            await asyncio.sleep(0.05)  # answered while the others come
            return await info(*args, **kwargs)

        connection.info = counted_info
        first = await asyncio.gather(*(layer.generation() for _ in range(20)))
        again = await layer.generation()  # within GENERATION_SECONDS: the answer kept
        return asked, first, again, (await info("server"))["run_id"]

    asked, first, again, run_id = run(redis_url, scenario)
    assert asked == [("server",)]
    assert set(first) == {again} == {run_id}


def test_a_caller_cancelled_leaves_the_others_their_answer(redis_url) -> None:
    async def scenario(layer):
        gone = asyncio.ensure_future(layer.generation())
        staying = asyncio.ensure_future(layer.generation())
        await asyncio.sleep(0)
        gone.cancel()
        return await asyncio.wait_for(staying, PROMPT), gone.cancelled()

    answer, cancelled = run(redis_url, scenario)
    assert answer and cancelled

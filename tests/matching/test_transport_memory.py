"""The in-memory transport (matching/service/transport_memory.py) across threads and event
loops, as the tests' in-process matcher uses it: the matcher on a loop of its own in one
thread, its callers and the sockets' consumers on other loops in other threads. Also the
rules it keeps from Channels' in-memory layer: copies, expiry, groups, flush."""

from __future__ import annotations

import asyncio
import threading

import pytest

from matching.service import transport_memory
from matching.service.transport_memory import InMemoryTransport

PROMPT = 2.0


class LoopThread:
    """An event loop running in a thread of its own, as the in-process matcher's."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def submit(self, coroutine) -> object:
        """Schedules `coroutine` on this loop; returns its concurrent future."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(PROMPT)
        self.loop.close()


@pytest.fixture
def loop_thread():
    thread = LoopThread()
    yield thread
    thread.close()


async def serve(transport: InMemoryTransport, count: int) -> list[int]:
    """A stand-in matcher: answers `count` requests, each with its own number doubled."""
    seen: list[int] = []
    while len(seen) < count:
        batch = await transport.receive_many("matching")
        seen += [request["n"] for request in batch]
        await transport.publish(
            [(r["reply_to"], {"type": "reply", "n": 2 * r["n"]}) for r in batch], []
        )
    return seen


def test_callers_on_other_threads_and_loops_get_their_replies(loop_thread) -> None:
    transport = InMemoryTransport(capacity=1000)
    served = loop_thread.submit(serve(transport, 40))
    answers: dict[int, list[int]] = {}

    def caller(number: int) -> None:
        async def calls() -> list[int]:
            replies = await asyncio.gather(
                *(
                    transport.call("matching", lambda to, n=n: {"n": n, "reply_to": to}, PROMPT)
                    for n in range(number * 10, number * 10 + 10)
                )
            )
            return [reply["n"] for reply in replies]

        answers[number] = asyncio.run(calls())  # a loop of this thread's own, then closed

    threads = [threading.Thread(target=caller, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * PROMPT)

    assert sorted(served.result(PROMPT)) == list(range(40))
    assert answers == {n: [2 * i for i in range(n * 10, n * 10 + 10)] for n in range(4)}
    assert transport.channels == {}  # every reply went straight to its caller


def test_a_receiver_on_another_loop_is_woken_by_a_send(loop_thread) -> None:
    transport = InMemoryTransport()
    received = loop_thread.submit(transport.receive("feed.x!1"))

    async def send() -> None:
        await asyncio.sleep(0.1)  # the receiver is waiting by now
        await transport.send("feed.x!1", {"type": "event"})

    asyncio.run(send())

    assert received.result(PROMPT) == {"type": "event"}


def test_group_messages_reach_members_waiting_on_other_loops(loop_thread) -> None:
    transport = InMemoryTransport()

    async def join_and_receive() -> dict:
        await transport.group_add("book.BTC-USDT", "socket.x!1")
        return await transport.receive("socket.x!1")

    received = loop_thread.submit(join_and_receive())

    async def publish() -> int:
        while not transport.groups:
            await asyncio.sleep(0.01)
        return await transport.publish([], [("book.BTC-USDT", {"type": "book", "seq": 7})])

    assert asyncio.run(publish()) == 0
    assert received.result(PROMPT) == {"type": "book", "seq": 7}


def test_a_reply_to_a_caller_that_gave_up_is_dropped(loop_thread) -> None:
    transport = InMemoryTransport()

    async def give_up() -> str:
        with pytest.raises(TimeoutError):
            await transport.call("matching", lambda to: {"reply_to": to}, 0.05)
        return (await transport.receive_many("matching"))[0]["reply_to"]

    reply_to = asyncio.run(give_up())  # its loop is closed now, too
    asyncio.run(transport.publish([(reply_to, {"type": "reply"})], []))

    assert transport.channels == {}


def test_a_cancelled_receive_loses_nothing() -> None:
    async def scenario():
        transport = InMemoryTransport()
        receiving = asyncio.ensure_future(transport.receive("matching"))
        await asyncio.sleep(0.05)
        receiving.cancel()
        await transport.send("matching", {"n": 1})
        return await asyncio.wait_for(transport.receive("matching"), PROMPT)

    assert asyncio.run(scenario()) == {"n": 1}


def test_a_receive_cancelled_as_a_message_arrives_stays_cancelled() -> None:
    """The matcher's receive loop, stopped as a command arrives, must stop (Python 3.11's
    wait_for returned the message instead, and the loop went on receiving)."""

    async def scenario():
        transport = InMemoryTransport()
        receiving = asyncio.ensure_future(transport.receive_many("matching", timeout=5))
        await asyncio.sleep(0.05)
        await transport.send("matching", {"n": 1})  # wakes the receiver...
        receiving.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await receiving
        return await transport.receive_many("matching", timeout=PROMPT)

    assert asyncio.run(scenario()) == [{"n": 1}]


def test_a_message_is_copied_on_its_way_in() -> None:
    async def scenario():
        transport = InMemoryTransport()
        message = {"events": [{"n": 1}]}
        await transport.send("matching", message)
        await transport.group_add("g", "socket.x!1")
        await transport.publish([], [("g", message)])
        message["events"][0]["n"] = 2
        return await transport.receive("matching"), await transport.receive("socket.x!1")

    assert asyncio.run(scenario()) == ({"events": [{"n": 1}]}, {"events": [{"n": 1}]})


def test_an_expired_message_is_dropped_and_its_channel_leaves_its_groups(monkeypatch) -> None:
    monkeypatch.setattr(transport_memory, "CLEAN_SECONDS", 0)

    async def scenario():
        transport = InMemoryTransport(expiry=0.05)
        await transport.group_add("g", "socket.x!1")
        await transport.send("socket.x!1", {"n": 1})
        await asyncio.sleep(0.1)
        await transport.group_send("g", {"n": 2})  # cleans first: nobody left in "g"
        return transport.channels, transport.groups["g"]

    assert asyncio.run(scenario()) == ({}, {})


def test_group_discard_and_flush_forget_members_and_messages() -> None:
    async def scenario():
        transport = InMemoryTransport()
        await transport.group_add("g", "socket.x!1")
        await transport.group_add("g", "socket.x!2")
        await transport.group_discard("g", "socket.x!1")
        await transport.group_send("g", {"n": 1})
        members, depth = dict(transport.groups["g"]), len(transport.channels)
        await transport.flush()
        return list(members), depth, transport.groups, transport.channels

    assert asyncio.run(scenario()) == (["socket.x!2"], 1, {}, {})

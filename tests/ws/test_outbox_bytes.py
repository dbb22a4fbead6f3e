"""A socket's outbox is bounded in bytes as well as in messages (issue 18): a client that lets
a few large messages pile up is cut off like one that lets many small ones."""

from __future__ import annotations

import asyncio
import json

from exchange.consumers.outbox import Outbox


def outbox(sent: list, cut: list, **limits) -> Outbox:
    async def send(message: dict) -> None:
        sent.append(message)

    return Outbox(send, heartbeat_seconds=60, on_cut_off=lambda: cut.append(True), **limits)


def test_past_its_bytes_the_client_is_cut_off_and_told_why() -> None:
    async def scenario() -> tuple[list, list, bool]:
        sent, cut = [], []
        box = outbox(sent, cut, limit=1000, limit_bytes=10_000)
        box.set_writable(False)  # the client stopped reading
        taken = [box.put({"type": "book", "blob": "x" * 3000}) for _ in range(4)]
        box.set_writable(True)
        await asyncio.wait_for(box.run(), 5)
        return sent, cut, taken

    sent, cut, taken = asyncio.run(scenario())

    assert taken == [True, True, True, False]  # the fourth would pass 10,000 bytes
    assert cut == [True]
    last = json.loads(sent[-2]["text"])
    assert last["code"] == "slow_consumer" and "10000 bytes" in last["message"]
    assert sent[-1] == {"type": "websocket.close", "code": 4008}


def test_within_its_bytes_everything_is_written_in_order() -> None:
    async def scenario() -> tuple[list, list]:
        sent, cut = [], []
        box = outbox(sent, cut, limit=1000, limit_bytes=10_000)
        writer = asyncio.ensure_future(box.run())
        for n in range(500):  # 10,000 bytes and more in all, never that much waiting
            assert box.put({"type": "trade", "n": n, "pad": "y" * 20})
            if n % 50 == 0:
                await asyncio.sleep(0)
        while box.pending:
            await asyncio.sleep(0)
        box.close()
        await asyncio.wait_for(writer, 5)
        return sent, cut

    sent, cut = asyncio.run(scenario())

    assert [json.loads(m["text"])["n"] for m in sent] == list(range(500))
    assert cut == []

"""The matcher keeps serving through faults of what is around it (matching/service/matcher.py):
its receive loop survives transport errors, a journal write that fails (a full disk) is
retried with nothing answered before it is durable, and its heartbeat says so meanwhile.
The real matcher runs in this process (tests/exchange/matcher_thread.py)."""

from __future__ import annotations

import asyncio
import errno
import time

import pytest
from django.core.cache import cache

from matching.service import client
from matching.service.matcher import MAX_BATCH
from matching.service.matcher_db import status_cache_key
from matching.service.transport import get_transport
from tests.exchange.matcher_thread import MatcherThread

pytestmark = pytest.mark.django_db(transaction=True)


def answered_status(timeout_ms: int = 3000) -> dict:
    return client.call_sync({"op": "status"}, timeout_ms=timeout_ms)["events"][0]


def eventually(condition, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_a_transport_error_in_the_receive_loop_is_survived(tmp_path, market, monkeypatch):
    transport_class = type(get_transport())
    real_receive_many = transport_class.receive_many
    failures = {"left": 3}

    async def failing_receive_many(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("Connection closed by server.")
        return await real_receive_many(self, *args, **kwargs)

    monkeypatch.setattr(transport_class, "receive_many", failing_receive_many)
    running = MatcherThread(tmp_path / "data")
    try:
        assert eventually(lambda: failures["left"] == 0)

        assert answered_status()["kind"] == "status"  # it reads commands again
        assert running.matcher._tasks[0].done() is False
    finally:
        running.stop()


def test_a_journal_that_cannot_be_written_stalls_answers_until_it_can(tmp_path, market, traders):
    running = MatcherThread(tmp_path / "data")
    try:
        writer = running.matcher.writer
        real_commit = writer.commit
        disk = {"full": True}

        def commit():
            if disk["full"] and writer.pending:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_commit()

        writer.commit = commit
        before = answered_status()["last_seq"]
        credit = {"op": "credit", "transfer_id": "full-disk-1", "user": traders[0].pk,
                  "asset": "USDT", "amount": "5"}  # fmt: skip
        with pytest.raises(client.MatcherUnavailable):  # not answered: it is not durable
            client.call_sync(credit, timeout_ms=300)
        beat = eventually(lambda: (cache.get(status_cache_key("")) or {}).get("journal_error"))
        assert "No space left" in beat
        assert running.matcher.served_at < time.monotonic() - 0.5  # its loop is stalled

        disk["full"] = False

        after = eventually(lambda: answered_status()["last_seq"] > before and answered_status())
        assert after["last_seq"] == before + 1  # the credit, journaled once
        assert eventually(lambda: cache.get(status_cache_key(""))["journal_error"] is None)
    finally:
        running.stop()


@pytest.mark.parametrize("swallowed_as", ["a batch", "an error"])
def test_the_matcher_stops_even_if_a_read_swallows_its_cancellation(
    tmp_path, market, monkeypatch, swallowed_as
):
    """A Redis read once swallowed the receive loop's cancellation at shutdown: it returned a
    batch, which the loop then waited to put into an inbox nothing drains any more, or it
    raised an error of its own (a read timeout), after which the loop's supervisor started
    the loop again. Either way SIGTERM left the process up for good. Here the read does
    that on purpose (a batch larger than the inbox); the matcher must stop all the same,
    running none of it."""
    transport_class = type(get_transport())
    swallowed = []
    flood = [{"command": {"op": "tick"}} for _ in range(10 * MAX_BATCH + 5)]

    async def swallowing_receive_many(self, *args, **kwargs):
        try:
            await asyncio.sleep(3600)  # nothing comes: only the shutdown's cancel ends the read
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)
            if swallowed_as == "an error":
                raise TimeoutError("Timeout reading from redis") from None
            return [dict(message) for message in flood]
        return []

    monkeypatch.setattr(transport_class, "receive_many", swallowing_receive_many)
    running = MatcherThread(tmp_path / "data")
    seq = running.matcher.engine.seq
    assert running.terminate(timeout=20) == 0
    assert swallowed, "the read was cancelled at shutdown"
    assert running.matcher.engine.seq == seq  # none of the flood ran

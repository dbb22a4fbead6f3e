"""The load tool sends an order whose outcome is unknown again with the same
client_order_id (tools/loadgen/runner.py); a 409 on the repeat means an earlier attempt
placed it, and the verify journal counts it acknowledged, not rejected."""

from __future__ import annotations

import asyncio
import random
import time
from decimal import Decimal

import pytest

from tools.loadgen import runner
from tools.loadgen.runner import Client
from tools.loadgen.stats import Answer, Recorder
from tools.loadgen.verify import Journal
from tools.loadgen.workload import Market, Workload

MARKET = Market("BTC-USDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("1"))


class Trader:
    def __init__(self, answers: list[Answer]) -> None:
        self.answers, self.orders = answers, []

    async def place(self, order: dict) -> Answer:
        self.orders.append(dict(order))
        return self.answers.pop(0)

    async def cancel(self, order_id: int) -> Answer:
        raise AssertionError("no cancel expected")


def unknown() -> Answer:
    return Answer(503, {"error": {"code": "matcher_unavailable", "message": "?"}}, 5.0)


def cycle(answers: list[Answer]) -> tuple[Trader, Journal, Answer]:
    trader, journal = Trader(answers), Journal(prefix="t")
    client = Client(0, trader, Workload(MARKET, Decimal(50000), "t"), Recorder(), journal,
                    random.Random(1), cancel_ratio=0.0)  # fmt: skip
    answer = asyncio.run(client.cycle(time.perf_counter() + 60))
    return trader, journal, answer


@pytest.fixture(autouse=True)
def quick(monkeypatch) -> None:
    monkeypatch.setattr(runner, "RETRY_PAUSE", 0.01)


def test_a_repeat_that_meets_409_counts_the_earlier_attempt_as_the_placement() -> None:
    duplicate = Answer(409, {"error": {"code": "duplicate_client_order_id", "order_id": 41}}, 0.1)

    trader, journal, _ = cycle([unknown(), duplicate])

    assert len(trader.orders) == 2 and trader.orders[0] == trader.orders[1]
    (cid,) = journal.sent
    assert journal.acked == {cid: (41, None)}
    assert not journal.rejected and not journal.unacknowledged


def test_an_answer_on_a_repeat_is_the_order_s_answer() -> None:
    placed = Answer(201, {"order_id": 9, "status": "new"}, 0.1)

    trader, journal, answer = cycle([unknown(), Answer(None, None, 5.0, "timeout"), placed])

    assert answer is placed and len({o["client_order_id"] for o in trader.orders}) == 1
    assert list(journal.acked.values()) == [(9, "new")]


def test_it_gives_up_after_its_retries_and_says_the_outcome_is_unknown() -> None:
    trader, journal, _ = cycle([unknown() for _ in range(runner.RETRIES + 1)])

    assert len(trader.orders) == runner.RETRIES + 1
    assert journal.unacknowledged == journal.sent and not journal.acked


def test_a_refusal_is_not_sent_again() -> None:
    refused = Answer(400, {"error": {"code": "tick_size", "message": "no"}}, 0.1)

    trader, journal, _ = cycle([refused])

    assert len(trader.orders) == 1 and journal.rejected == journal.sent

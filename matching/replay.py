"""Replaying a command file through the core alone and writing SPEC.md §8's outputs.

The run is timed around `Engine.process` only: the commands are processed a chunk at a
time, and keeping what the CSV files need of each chunk's events happens off the clock (the
rest is let go); turning that into the three files happens at the end.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from matching.engine import Engine
from matching.engine.events import ORDER, TRADE
from matching.engine.units import format_units


@dataclass
class ReplayResult:
    commands: int
    trades: int
    seconds: float
    tape: bytes
    orders: bytes
    book: bytes

    def summary(self) -> dict:
        """The summary line of SPEC.md §8, as a dict in its field order."""
        seconds = max(self.seconds, 1e-9)
        return {
            "commands": self.commands,
            "trades": self.trades,
            "seconds": self.seconds,
            "commands_per_sec": int(self.commands / seconds),
            "tape_sha256": hashlib.sha256(self.tape).hexdigest(),
            "orders_sha256": hashlib.sha256(self.orders).hexdigest(),
            "book_sha256": hashlib.sha256(self.book).hexdigest(),
        }

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "tape.csv").write_bytes(self.tape)
        (out_dir / "orders.csv").write_bytes(self.orders)
        (out_dir / "book.csv").write_bytes(self.book)


CHUNK = 1000  # commands processed between two gatherings of their events


class Gathered:
    """What SPEC.md §8's files are made of, kept as the events come: every trade, and the
    latest update of each order (in the order orders first appeared). The other events are
    let go, so a long run holds only these. The lines are written at the end (`result`),
    with each market as it then is, as they always were."""

    __slots__ = ("trades", "orders")

    def __init__(self) -> None:
        self.trades: list[tuple] = []
        self.orders: dict[int | str, tuple] = {}

    def add(self, outputs: list[list[tuple]]) -> None:
        """Keeps what the files need of some commands' events (a list per command)."""
        trades, orders = self.trades, self.orders
        for events in outputs:
            for event in events:
                kind = event[0]
                if kind is TRADE:
                    trades.append(event)
                elif kind is ORDER:
                    orders[event[1]] = event

    def result(self, engine: Engine, seconds: float, *, commands: int) -> ReplayResult:
        """The three CSV files (as bytes) from the events kept and the engine's final book."""
        markets = engine.markets
        tape = [tape_line(markets[event[2]], event) for event in self.trades]
        order_lines = [order_line(markets.get(event[3]), event) for event in self.orders.values()]
        return ReplayResult(
            commands=commands,
            trades=len(tape),
            seconds=seconds,
            tape=_encode(tape),
            orders=_encode(order_lines),
            book=book_bytes(engine),
        )


def run(
    commands: Iterable[dict], engine: Engine | None = None
) -> tuple[Engine, Gathered, float, int]:
    """Processes `commands` in order; returns the engine, the events gathered, the seconds
    spent in `Engine.process` and how many commands ran. The commands are taken a chunk at
    a time, processed under the clock, and their events gathered after it, so memory holds
    one chunk's events and what the files need, not every event of the run."""
    engine = engine or Engine()
    process = engine.process
    gathered = Gathered()
    seconds, count = 0.0, 0
    source = iter(commands)
    while chunk := list(islice(source, CHUNK)):
        started = time.perf_counter()
        outputs = [process(cmd) for cmd in chunk]
        seconds += time.perf_counter() - started
        gathered.add(outputs)
        count += len(chunk)
    return engine, gathered, seconds, count


def replay(commands: Iterable[dict]) -> ReplayResult:
    """Runs `commands` through a new engine and gives SPEC.md §8's outputs."""
    engine, gathered, seconds, count = run(commands)
    return gathered.result(engine, seconds, commands=count)


def _encode(lines: list[str]) -> bytes:
    # An id may hold a lone surrogate (valid JSON, not valid UTF-8): write it escaped.
    return "".join(lines).encode("utf-8", "backslashreplace")


def _price(market, ticks: int) -> str:
    return format_units(ticks, market.tick_num, market.tick_places)


def _quantity(market, lots: int) -> str:
    return format_units(lots, market.lot_num, market.lot_places)


def tape_line(market, trade: tuple) -> str:
    """`trade_id,symbol,price,quantity,maker_order_id,taker_order_id,taker_side,maker_fee,taker_fee`"""
    _, trade_id, symbol, price, quantity, maker_id, taker_id, side, maker_fee, taker_fee = trade[
        :10
    ]
    precision = market.quote_precision
    return (
        f"{trade_id},{symbol},{_price(market, price)},{_quantity(market, quantity)},"
        f"{maker_id},{taker_id},{side},{format_units(maker_fee, 1, precision)},"
        f"{format_units(taker_fee, 1, precision)}\n"
    )


def order_line(market, update: tuple) -> str:
    """`order_id,status,filled_quantity,reason`; an unknown symbol's fill prints as `0`."""
    filled = _quantity(market, update[8]) if market is not None else "0"
    return f"{update[1]},{update[5]},{filled},{update[11]}\n"


def book_bytes(engine: Engine) -> bytes:
    """book.csv as SPEC.md §8 writes it."""
    return _encode(book_lines(engine))


def book_lines(engine: Engine) -> list[str]:
    """`symbol,side,price,order_id,visible_quantity,remaining_quantity` for each resting order."""
    return [
        f"{market.symbol},{side},{_price(market, order.price)},{order.id},"
        f"{_quantity(market, order.visible)},{_quantity(market, order.remaining)}\n"
        for market, side, order in engine.resting_orders()
    ]

"""Replaying a command file through the core alone and writing SPEC.md §8's outputs.

The run is timed around `Engine.process` only; turning events into the three CSV files
happens afterwards.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
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


def run(commands: list[dict], engine: Engine | None = None) -> tuple[Engine, list[list], float]:
    """Processes `commands` in order; returns the engine, each command's events, and the
    seconds spent processing."""
    engine = engine or Engine()
    process = engine.process
    outputs: list[list] = []
    append = outputs.append
    started = time.perf_counter()
    for cmd in commands:
        append(process(cmd))
    return engine, outputs, time.perf_counter() - started


def replay(commands: list[dict]) -> ReplayResult:
    """Runs `commands` through a new engine and gives SPEC.md §8's outputs."""
    return summarize(*run(commands), commands=len(commands))


def summarize(
    engine: Engine, outputs: list[list], seconds: float, *, commands: int
) -> ReplayResult:
    """The three CSV files (as bytes) from a run's events and its engine's final book."""
    tape, orders = [], {}
    markets = engine.markets
    for events in outputs:
        for event in events:
            kind = event[0]
            if kind is TRADE:
                tape.append(tape_line(markets[event[2]], event))
            elif kind is ORDER:
                orders[event[1]] = event
    order_lines = [order_line(markets.get(event[3]), event) for event in orders.values()]
    return ReplayResult(
        commands=commands,
        trades=len(tape),
        seconds=seconds,
        tape=_encode(tape),
        orders=_encode(order_lines),
        book=book_bytes(engine),
    )


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

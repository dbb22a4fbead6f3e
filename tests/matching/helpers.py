"""Helpers for the matching-core tests: build command dicts, run them through a fresh
`Engine` (checking its invariants after every command), and read SPEC.md §8's three CSV
outputs as lists of lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from matching.engine import Engine
from matching.engine.events import ORDER, TRADE, as_record
from matching.replay import replay

SYMBOL = "BTC-USDT"


def symbol(name: str = SYMBOL, tick: str = "0.01", lot: str = "0.001", **extra) -> dict:
    base, _, quote = name.partition("-")
    cmd = {
        "op": "symbol",
        "symbol": name,
        "base": base or name,
        "quote": quote or "USDT",
        "tick_size": tick,
        "lot_size": lot,
    }
    cmd.update(extra)
    return cmd


def new(order_id, user, side, order_type, quantity, **extra) -> dict:
    cmd = {
        "op": "new",
        "id": order_id,
        "user": user,
        "symbol": extra.pop("symbol", SYMBOL),
        "side": side,
        "type": order_type,
        "quantity": quantity,
    }
    cmd.update(extra)
    return cmd


def limit(order_id, user, side, quantity, price, **extra) -> dict:
    return new(order_id, user, side, "limit", quantity, price=price, **extra)


def market(order_id, user, side, quantity, **extra) -> dict:
    return new(order_id, user, side, "market", quantity, **extra)


def cancel(order_id, user, **extra) -> dict:
    cmd = {"op": "cancel", "id": order_id, "user": user}
    cmd.update(extra)
    return cmd


def fees(user, maker: str, taker: str, **extra) -> dict:
    cmd = {"op": "fees", "user": user, "maker": maker, "taker": taker}
    cmd.update(extra)
    return cmd


def tick(ts: int) -> dict:
    return {"op": "tick", "ts": ts}


@dataclass
class Result:
    engine: Engine
    events: list[list[tuple]]  # the events of each command, in order
    tape: list[str]
    orders: list[str]
    book: list[str]
    summary: dict = field(default_factory=dict)

    def status(self, order_id) -> str:
        """The `orders.csv` line of `order_id` (without the id)."""
        key = str(order_id)
        for line in self.orders:
            first, _, rest = line.partition(",")
            if first == key:
                return rest
        raise KeyError(order_id)

    def records(self, index: int) -> list:
        """The events of the `index`-th command as NamedTuples."""
        return [as_record(event) for event in self.events[index]]

    def trades(self) -> list:
        return [as_record(e) for events in self.events for e in events if e[0] == TRADE]

    def order_updates(self, index: int) -> list:
        return [r for r in self.records(index) if r.kind == ORDER]


def _lines(data: bytes) -> list[str]:
    text = data.decode()
    assert text == "" or text.endswith("\n"), "every CSV line ends with \\n"
    return text.splitlines()


def run(commands, *, define_symbol: bool = True) -> Result:
    """Runs `commands` (dicts, or JSON strings) through a fresh engine with the invariant
    check after each one, then through `replay` for the CSV files. The default symbol line
    (BTC-USDT, tick 0.01, lot 0.001) goes first unless `define_symbol` is False."""
    cmds = [json.loads(c) if isinstance(c, str) else c for c in commands]
    if define_symbol:
        cmds.insert(0, symbol())
    engine = Engine()
    events = []
    for cmd in cmds:
        events.append(engine.process(cmd))
        engine.check_invariants()
    if define_symbol:
        events.pop(0)
    result = replay(cmds)
    return Result(
        engine=engine,
        events=events,
        tape=_lines(result.tape),
        orders=_lines(result.orders),
        book=_lines(result.book),
        summary=result.summary(),
    )


def with_lines(commands: list[dict]) -> list[tuple[dict, str]]:
    """Each command with its JSON line, as `run_journaled` takes them."""
    return [(cmd, json.dumps(cmd)) for cmd in commands]

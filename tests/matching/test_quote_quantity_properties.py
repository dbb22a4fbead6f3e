"""Random streams mixing quote-quantity market buys, client_order_ids and ordinary orders.

After every line: the engine's invariants hold; a quote order never spends more notional than
its quote_quantity; it ends with `quantity` = what it bought and nothing remaining; a `filled`
one bought something and could not afford one more lot at the best ask (or spent it all); an
`expired` one that bought something left an empty book. The client_order_id map matches an
independent model. Then the state goes through a dump and load at a random cut and goes on
exactly as the live engine does.
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import ORDER, TRADE, as_record
from matching.engine.state import dump_state, load_state, state_sha256

SYMBOLS = {
    # name: (tick, lot, quote_precision)
    "BTC-USDT": ("0.01", "0.001", 8),
    "ETH-USD": ("0.5", "0.1", 2),
}
USERS = ("u1", "u2", "u3", 4)
STP = ("none", "cancel_resting", "cancel_incoming", "cancel_both", "decrement_both",
       "cancel_smallest")  # fmt: skip
CLIENT_IDS = (None, None, "a", "b", "c", "", 7)  # repeats on purpose; "" and 7 are invalid


def symbol_line(name: str) -> dict:
    tick, lot, precision = SYMBOLS[name]
    base, _, quote = name.partition("-")
    return {"op": "symbol", "symbol": name, "base": base, "quote": quote, "tick_size": tick,
            "lot_size": lot, "quote_precision": precision}  # fmt: skip


@st.composite
def order_line(draw, order_id: int) -> dict:
    name = draw(st.sampled_from(sorted(SYMBOLS)))
    tick, lot, precision = (Decimal(SYMBOLS[name][0]), Decimal(SYMBOLS[name][1]),
                            SYMBOLS[name][2])  # fmt: skip
    cmd = {"op": "new", "id": order_id, "user": draw(st.sampled_from(USERS)), "symbol": name}
    client_id = draw(st.sampled_from(CLIENT_IDS))
    if client_id is not None:
        cmd["client_order_id"] = client_id
    stp = draw(st.sampled_from((None, *STP)))
    if stp is not None:
        cmd["stp"] = stp
    kind = draw(st.sampled_from(("limit",) * 5 + ("market",) + ("quote",) * 3))
    lots = draw(st.integers(1, 30))
    quantity = str(lot * lots)
    if kind == "quote":
        cents = draw(st.integers(-1, 400_000))  # -1: an invalid one now and then
        value = Decimal(cents) / 100 if cents else Decimal(1) / 10**precision
        cmd.update(side="buy", type="market", quote_quantity=str(value))
        return cmd
    side = draw(st.sampled_from(("buy", "sell")))
    cmd.update(side=side, type=kind, quantity=quantity)
    if kind == "limit":
        ticks = draw(st.integers(-8, 8))
        cmd["price"] = str(Decimal(100) + tick * ticks)
        cmd["tif"] = draw(st.sampled_from(("GTC", "GTC", "IOC", "FOK")))
        if cmd["tif"] == "GTC" and draw(st.booleans()):
            cmd["display_quantity"] = str(lot * draw(st.integers(1, lots)))
    return cmd


@st.composite
def streams(draw) -> list[dict]:
    lines = [symbol_line(name) for name in sorted(SYMBOLS)]
    placed: list[dict] = []
    for order_id in range(1, draw(st.integers(1, 60)) + 1):
        if placed and draw(st.integers(0, 9)) == 0:
            victim = draw(st.sampled_from(placed))
            lines.append({"op": "cancel", "id": victim["id"], "user": victim["user"]})
        cmd = draw(order_line(order_id))
        placed.append(cmd)
        lines.append(cmd)
    return lines


def resting_asks(engine: Engine, name: str) -> dict:
    """{order id: (remaining lots, price ticks)} of the market's asks."""
    market = engine.markets[name]
    return {o.id: (o.remaining, o.price) for lvl in market.book.asks.levels() for o in lvl.orders()}


def check_quote_order(engine: Engine, cmd: dict, events: list[tuple], before: dict) -> None:
    """The quote order's own promises (see the module docstring). `before` is
    `resting_asks` before the order: what decrement_both took from the makers is notional
    spent too, though no trade shows it."""
    name = cmd["symbol"]
    tick, lot = (Decimal(text) for text in SYMBOLS[name][:2])
    updates = [as_record(e) for e in events if e[0] == ORDER and e[1] == cmd["id"]]
    end = updates[-1]
    trades = [as_record(e) for e in events if e[0] == TRADE and e[6] == cmd["id"]]
    if end.status == "rejected":
        assert not trades
        return
    traded = sum((tick * t.price * lot * t.quantity for t in trades), Decimal(0))
    maker_ends = {e[1]: as_record(e) for e in events if e[0] == ORDER and e[1] in before}
    decremented = Decimal(0)
    for maker_id, update in maker_ends.items():
        remaining, price = before[maker_id]
        took = sum(t.quantity for t in trades if t.maker_order_id == maker_id)
        decremented += tick * price * lot * (remaining - took - update.remaining)
    assert decremented >= 0
    if cmd.get("stp") != "decrement_both":
        assert decremented == 0
    budget = Decimal(cmd["quote_quantity"])
    assert traded + decremented <= budget, "spent more than quote_quantity"
    prices = [t.price for t in trades]
    assert prices == sorted(prices), "asks taken out of price order"
    bought = sum(t.quantity for t in trades)
    assert (end.quantity, end.filled, end.remaining, end.visible) == (bought, bought, 0, 0)
    assert end.status in ("filled", "expired", "cancelled")
    assert cmd["id"] not in engine.live
    best = engine.markets[name].book.asks.best  # no stops in these streams: as it ended
    left = budget - traded - decremented
    if end.status == "filled":
        assert bought > 0
        assert left == 0 or (best is not None and left < tick * best.price * lot)
    elif end.status == "expired":
        assert not bought or (best is None and left > 0)
        assert best is None or left < tick * best.price * lot


def run_checked(lines: list[dict]) -> Engine:
    engine = Engine()
    model: dict = {}
    for cmd in lines:
        before = resting_asks(engine, cmd["symbol"]) if "quote_quantity" in cmd else {}
        events = engine.process(cmd)
        engine.check_invariants()
        if cmd["op"] != "new":
            continue
        mine = [as_record(e) for e in events if e[0] == ORDER and e[1] == cmd["id"]]
        client_id = cmd.get("client_order_id")
        if client_id is not None:
            key = (cmd["user"], client_id)  # the streams' users are as the engine keeps them
            if not isinstance(client_id, str) or not client_id:
                assert mine[0].reason == "invalid_client_order_id"
            elif key in model:
                assert mine[0].reason == "duplicate_client_order_id"
            elif mine[0].status != "rejected":
                model[key] = cmd["id"]
        if "quote_quantity" in cmd:
            check_quote_order(engine, cmd, events, before)
    assert engine.client_ids == model
    return engine


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=streams(), cut=st.floats(0, 1))
def test_random_streams_keep_the_invariants_and_the_budget(lines, cut):
    run_checked(lines)
    at = int(len(lines) * cut)
    live = Engine()
    for cmd in lines[:at]:
        live.process(cmd)
    restored = load_state(dump_state(live))
    assert state_sha256(restored) == state_sha256(live)
    for cmd in lines[at:]:
        assert restored.process(cmd) == live.process(cmd)
    assert state_sha256(restored) == state_sha256(live)
    assert restored.client_ids == live.client_ids


def test_a_seeded_long_stream_also_holds():
    """One long stream (hypothesis keeps its streams short), for depth in the book."""
    rng = random.Random(20240607)
    lines = [symbol_line(name) for name in sorted(SYMBOLS)]
    for order_id in range(1, 4001):
        name = rng.choice(sorted(SYMBOLS))
        tick, lot = Decimal(SYMBOLS[name][0]), Decimal(SYMBOLS[name][1])
        cmd = {"op": "new", "id": order_id, "user": rng.choice(USERS), "symbol": name,
               "stp": rng.choice(STP)}  # fmt: skip
        if rng.random() < 0.3:
            cmd["client_order_id"] = f"c{rng.randrange(3000)}"
        roll = rng.random()
        if roll < 0.25:
            cents = rng.randrange(1, 60_000)
            cmd.update(side="buy", type="market", quote_quantity=str(Decimal(cents) / 100))
        else:
            cmd.update(
                side="buy" if roll < 0.45 else "sell",
                type="limit",
                quantity=str(lot * rng.randrange(1, 40)),
                price=str(Decimal(100) + tick * rng.randrange(-10, 11)),
            )
        lines.append(cmd)
        if rng.random() < 0.05:
            lines.append({"op": "cancel", "id": rng.randrange(1, order_id + 1),
                          "user": rng.choice(USERS)})  # fmt: skip
    engine = run_checked(lines)
    assert engine.trade_seq > 500

"""Circuit breakers and auctions in random command streams (hypothesis), with amends, price
bands, stops, icebergs, self-trade prevention and admin halts in the mix: after every command
the engine's invariants hold (funds on or off); no trade of continuous trading is further
from the reference than the breaker allows, the reference worked out here from the trades
alone; a paused market outside its auction window accepts no order; two engines fed the
same stream agree, and an engine restored from a snapshot taken anywhere in it ends in the
same state (the state hash)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import MARKET_STATUS, ORDER, TRADE, as_record
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256

from .funds_helpers import FUNDS_ON, credit
from .helpers import SYMBOL, cancel, limit, market, new, symbol, tick

USERS = ("u1", "u2", "u3")
MOVE_PCT = 5  # the breaker's move, percent
WINDOW_MS = 10_000
STEPS = (0, 1, 700, 3_000, 11_000, 40_000)
PRICES = [f"{p}.00" for p in range(88, 113)]


def _order(data, order_id: int, ts: int) -> dict:
    user = data.draw(st.sampled_from(USERS))
    side = data.draw(st.sampled_from(("buy", "sell")))
    quantity = data.draw(st.sampled_from(("0.001", "0.500", "1.000", "2.500")))
    kind = data.draw(st.sampled_from(("limit",) * 6 + ("market", "ioc", "fok", "stop", "ice")))
    price = data.draw(st.sampled_from(PRICES))
    stp = data.draw(st.sampled_from(("cancel_resting", "none", "decrement_both")))
    if kind == "market":
        return market(order_id, user, side, quantity, stp=stp, ts=ts)
    if kind == "stop":
        trigger = data.draw(st.sampled_from(PRICES))
        return new(order_id, user, side, "stop_limit", quantity, price=price,
                   trigger_price=trigger, stp=stp, ts=ts)  # fmt: skip
    extra = {"tif": "IOC"} if kind == "ioc" else {"tif": "FOK"} if kind == "fok" else {}
    if kind == "ice":
        extra["display_quantity"] = "0.001"
    return limit(order_id, user, side, quantity, price, stp=stp, ts=ts, **extra)


def _stream(data) -> list[dict]:
    funds = data.draw(st.booleans())
    commands = [
        symbol(
            breaker_move_pct=str(MOVE_PCT),
            breaker_window_s=WINDOW_MS // 1000,
            breaker_pause_s=data.draw(st.sampled_from((1, 5, 30))),
            breaker_auction_s=data.draw(st.sampled_from((0, 1))),
            price_band_pct=data.draw(st.sampled_from(("0", "3", "8"))),
        ),
        limit(1, "u1", "sell", "1.000", "100.00", ts=1),
        limit(2, "u2", "buy", "1.000", "100.00", ts=1),
    ]
    if funds:
        commands[1:1] = [
            FUNDS_ON,
            *(credit(f"b{u}", u, "BTC", "1000") for u in USERS),
            *(credit(f"q{u}", u, "USDT", "100000") for u in USERS),
        ]
    ts = 1
    order_id = 3
    for _ in range(data.draw(st.integers(10, 60))):
        ts += data.draw(st.sampled_from(STEPS))
        op = data.draw(st.sampled_from(("new",) * 8 + ("cancel", "amend", "tick", "admin")))
        if op == "new":
            commands.append(_order(data, order_id, ts))
            order_id += 1
        elif op == "cancel":
            target = data.draw(st.integers(1, order_id))
            commands.append(cancel(target, data.draw(st.sampled_from(USERS)), ts=ts))
        elif op == "amend":
            target = data.draw(st.integers(1, order_id))
            commands.append(
                {
                    "op": "amend",
                    "id": target,
                    "user": data.draw(st.sampled_from(USERS)),
                    "price": data.draw(st.sampled_from(PRICES)),
                    "ts": ts,
                }
            )
        elif op == "tick":
            commands.append(tick(ts))
        else:
            status = data.draw(st.sampled_from(("halted", "trading", "trading")))
            commands.append({"op": "market", "symbol": SYMBOL, "status": status, "ts": ts})
    return commands


class BreakerModel:
    """The reference price as breaker.py defines it, from the trades the events show."""

    def __init__(self) -> None:
        self.history: list[tuple[int, int]] = []  # (ts, last price after a command)

    def reference(self, clock: int) -> int | None:
        if not self.history:
            return None
        old = [price for ts, price in self.history if ts <= clock - WINDOW_MS]
        return old[-1] if old else self.history[0][1]

    def check(self, clock: int, trades: list) -> None:
        reference = self.reference(clock)
        if reference is None:
            return
        for trade in trades:
            assert abs(trade.price - reference) * 100 <= reference * MOVE_PCT, (
                f"a trade at {trade.price} past the breaker (reference {reference})"
            )


def _check_stream(commands: list[dict], say=lambda what: None) -> Engine:
    """Runs `commands` checking each step; `say` is told what happened (hypothesis' `event`,
    for its statistics)."""
    engine = Engine()
    model = BreakerModel()
    for cmd in commands:
        market = engine.markets.get(SYMBOL)
        paused_before = market is not None and market.paused_until is not None
        auction_from = market.auction_from if paused_before else None
        events = [as_record(e) for e in engine.process(cmd)]
        engine.check_invariants()
        market = engine.markets[SYMBOL]
        reopened = paused_before and any(
            e.kind == MARKET_STATUS and e.status == "trading" for e in events
        )
        if any(e.kind == TRADE for e in events) and reopened:
            say("an auction traded")
        trades = [e for e in events if e.kind == TRADE]
        if any(e.kind == MARKET_STATUS and e.status == "paused" for e in events):
            say("a breaker tripped")
        if reopened:
            say("a market reopened")
            model.history = [(engine.clock, market.last_price)]
        elif trades:
            model.check(engine.clock, trades)
            model.history.append((engine.clock, market.last_price))
        if (
            cmd.get("op") == "new"
            and paused_before
            and not reopened
            and engine.clock < auction_from
        ):
            update = next(e for e in events if e.kind == ORDER and e.order_id == cmd["id"])
            assert update.status == "rejected", f"order {cmd['id']} taken while paused"
            assert update.reason in ("symbol_paused", "symbol_halted")
    return engine


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_breaker_streams_keep_the_invariants_the_bound_and_replay_the_same(data) -> None:
    commands = _stream(data)
    note("\n".join(json.dumps(cmd) for cmd in commands))  # the stream, should it fail
    engine = _check_stream(commands, event)

    again = Engine()
    for cmd in commands:
        again.process(cmd)
    assert state_sha256(again) == state_sha256(engine)

    cut = data.draw(st.integers(1, len(commands)))
    first = Engine()
    for cmd in commands[:cut]:
        first.process(cmd)
    restored = load_state(json.loads(canonical_json(dump_state(first))))
    for cmd in commands[cut:]:
        restored.process(cmd)
        restored.check_invariants()
    assert state_sha256(restored) == state_sha256(engine)


def test_the_streams_do_trip_and_reopen() -> None:
    """The generator is not idle: a hand-picked stream of its kind trips and reopens."""
    commands = [
        symbol(breaker_move_pct="5", breaker_window_s=10, breaker_pause_s=1, breaker_auction_s=1),
        limit(1, "u1", "sell", "1.000", "100.00", ts=1),
        limit(2, "u2", "buy", "1.000", "100.00", ts=1),
        limit(3, "u1", "sell", "1.000", "106.00", ts=2),
        limit(4, "u2", "buy", "1.000", "107.00", ts=3),
        limit(5, "u3", "buy", "1.000", "106.00", ts=4),
        tick(1_003),
    ]
    engine = _check_stream(commands)
    assert engine.live == {}  # 4 was cancelled by the trip, 3 and 5 met in the auction
    assert engine.markets[SYMBOL].last_price == 10_600
    assert engine.market_status(SYMBOL) == ("trading", None, None)

"""Seeded random streams with funds on: credits, debits, orders of every kind (quote-quantity
buys included), cancels, clock steps and fee changes (rebates included) over two markets that
share their quote asset, several users and the fee account trading too.

After every command: the engine's invariants (no negative amount; per asset, accounts sum to
deposits - withdrawals; each account's locked is its live orders' holds), the BALANCE events
against the POSTING events, and each trade's legs against the TRADE event. Mid-stream the state
is dumped and loaded, and the copy must continue exactly as the original.

And with more money than anyone spends, funds change no trade and no order: the same random
streams give the same matching events with funds on as off.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import BALANCE, POSTING, REFUSED
from matching.engine.risk import FEE_ACCOUNT
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256

from .funds_helpers import FUNDS_ON, Ledger, check_trade_legs
from .test_properties import CommandGen, RandomChooser, random_stream

ASSETS = {
    "AAA": ("0.001", "0.08"),
    "BBB": ("0.01", "1.5"),
    "CCC": ("1", "12"),
    "USD": ("0.5", "25"),
}
# Whole units near 1.00 with cents: a fee of 0.005 per unit rounds half a cent up, so holds
# fall short and fees get cut (settlement.py) often enough to test it.
CCC = {"op": "symbol", "symbol": "CCC-USD", "base": "CCC", "quote": "USD", "tick_size": "0.01"}
CCC.update(lot_size="1", quote_precision=2)
# (maker, taker) with maker + taker >= 0, as an exchange sets them; and some that stress the
# rounding (0.005 rounds half a cent up) or are refused (1 is not a rate with funds on)
FEE_PAIRS = (
    ("0.001", "0.002"),
    ("-0.0001", "0.0005"),
    ("0", "0"),
    ("-0.0002", "0.0002"),
    ("0.0003", "-0.0001"),
    ("0.005", "0.005"),
    ("0.3", "0.45"),
    ("-0.4", "0.6"),
    ("1", "0"),
)


class FundsGen:
    """CommandGen's stream (test_properties.py) with transfers, quote buys and fee changes."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.gen = CommandGen(RandomChooser(rnd))
        self.transfers = 0

    def preamble(self) -> list[dict]:
        stress = {"op": "fees", "user": "*", "maker": "0.005", "taker": "0.005"}
        return [*self.gen.preamble(), CCC, FUNDS_ON, stress]

    def command(self) -> dict:
        roll = self.rnd.randrange(100)
        if roll < 15:
            return self._transfer("credit")
        if roll < 21:
            return self._transfer("debit")
        if roll < 25:
            pair = self.rnd.choice(FEE_PAIRS)
            user = self.rnd.choice(("*", "u1", "u2", "u3", FEE_ACCOUNT))
            return {"op": "fees", "user": user, "maker": pair[0], "taker": pair[1]}
        if roll < 37:
            return self._small_order()
        cmd = self.gen.command()
        if cmd["op"] == "new" and self.rnd.randrange(100) < 8:
            cmd.pop("quantity", None)
            cmd.update(side="buy", type="market", quote_quantity=self._decimal(0.05, 20, 2))
            for field in ("price", "trigger_price", "tif", "display_quantity", "post_only"):
                cmd.pop(field, None)
            cmd.pop("expire_at", None)
        if cmd["op"] == "new" and self.rnd.randrange(100) < 4:
            cmd["user"] = FEE_ACCOUNT
        return cmd

    def _small_order(self) -> dict:
        """An order of a few units of CCC-USD near 1.00, a market one now and then."""
        rnd = self.rnd
        self.gen.next_id += 1
        side = rnd.choice(("buy", "sell"))
        cmd = {"op": "new", "id": f"c{self.gen.next_id}", "user": rnd.choice(("u1", "u2", "u3"))}
        cmd.update(symbol="CCC-USD", side=side, quantity=str(rnd.randint(1, 4)))
        if rnd.randrange(100) < 20:
            cmd["type"] = "market"
        else:
            cmd.update(type="limit", price=rnd.choice(("0.99", "1.00", "1.01")))
        if rnd.randrange(100) < 30:
            cmd["stp"] = "none"
        return cmd

    def _decimal(self, low: float, high: float, places: int) -> str:
        value = Decimal(str(self.rnd.uniform(low, high))).quantize(Decimal(1).scaleb(-places))
        return str(value)

    def _transfer(self, op: str) -> dict:
        rnd = self.rnd
        self.transfers += 1
        if self.transfers > 3 and rnd.randrange(100) < 5:
            transfer_id = f"t{rnd.randrange(1, self.transfers)}"  # a repeat
        else:
            transfer_id = f"t{self.transfers}"
        asset = rnd.choice(tuple(ASSETS))
        low, high = ASSETS[asset]
        cmd = {"op": op, "transfer_id": transfer_id, "asset": asset}
        cmd["user"] = rnd.choice(("u1", "u2", "u3", "u4", "u5", FEE_ACCOUNT))
        cmd["amount"] = self._decimal(float(low), float(high), rnd.choice((2, 3, 8, 18)))
        if rnd.randrange(100) < 5:
            cmd[rnd.choice(("asset", "amount", "user"))] = rnd.choice(("x", "-1", None, "0"))
        return cmd


def funded_stream(seed: int, count: int) -> list[dict]:
    gen = FundsGen(random.Random(seed))
    return gen.preamble() + [gen.command() for _ in range(count)]


def _copy(engine: Engine) -> Engine:
    """The engine through a snapshot's round trip: canonical JSON bytes and back."""
    return load_state(json.loads(canonical_json(dump_state(engine))))


def run_checked(commands: list[dict], snapshot_at: int) -> Engine:
    engine = Engine()
    ledger = Ledger()
    copy = None
    for index, cmd in enumerate(commands):
        if index == snapshot_at:
            copy = _copy(engine)
            assert state_sha256(copy) == state_sha256(engine)
        events = engine.process(cmd)
        try:
            engine.check_invariants()
            ledger.check_command(events)
            check_trade_legs(engine, events)
            if copy is not None:
                assert copy.process(cmd) == events, "the loaded copy went another way"
        except AssertionError as error:
            lines = "\n".join(json.dumps(c) for c in commands[: index + 1])
            raise AssertionError(f"{error}\nafter command {index}:\n{lines}") from error
    for account, asset, available, locked in engine.all_balances():
        assert ledger.balances[(account, asset)] == [available, locked]
    if copy is not None:
        copy.check_invariants()
        assert state_sha256(copy) == state_sha256(engine)
    return engine


@pytest.mark.parametrize("seed", range(24))
def test_funds_invariants_hold_after_every_command(seed):
    commands = funded_stream(seed, 400)
    engine = run_checked(commands, snapshot_at=random.Random(seed).randrange(3, len(commands)))
    assert engine.funds is not None
    assert any(True for _ in engine.all_balances())


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32), st.integers(20, 200), st.integers(0, 200))
def test_funds_invariants_hold_on_hypothesis_streams(seed, count, snapshot_at):
    run_checked(funded_stream(seed, count), snapshot_at=min(snapshot_at, count))


def test_the_streams_exercise_what_they_should():
    """Not a property: makes sure the generator reaches the interesting paths."""
    reasons: dict[str, int] = {}
    postings: dict[str, int] = {}
    trades = 0
    for seed in range(24):
        engine = Engine()
        for cmd in funded_stream(seed, 400):
            for event in engine.process(cmd):
                if event[0] == "order" and event[11]:
                    reasons[event[11]] = reasons.get(event[11], 0) + 1
                elif event[0] == REFUSED:
                    reasons[event[4]] = reasons.get(event[4], 0) + 1
                elif event[0] == POSTING:
                    postings[event[7]] = postings.get(event[7], 0) + 1
                elif event[0] == "trade":
                    trades += 1
    for reason in ("insufficient_funds", "duplicate_transfer", "invalid_rate", "invalid_amount"):
        assert reasons.get(reason, 0) > 0, reason
    for reason in ("deposit", "withdrawal", "hold", "release", "trade", "fee", "rebate"):
        assert postings.get(reason, 0) > 0, reason
    assert trades > 100


# ---- plentiful money: funds change nothing in the matching ----------------------------------


def _matching_events(events: list[tuple]) -> list[tuple]:
    return [e for e in events if e[0] is not POSTING and e[0] is not BALANCE]


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15, 16])
def test_with_plenty_of_money_funds_change_no_trade_and_no_order(seed):
    commands = random_stream(seed, 600)
    symbols, rest = commands[:2], commands[2:]
    plain = Engine()
    funded = Engine()
    for cmd in symbols:
        plain.process(cmd)
        funded.process(cmd)
    funded.process(FUNDS_ON)
    users = ("u1", "u2", "u3", "u4", "u5", FEE_ACCOUNT)
    for number, (user, asset) in enumerate((u, a) for u in users for a in ASSETS):
        amount = "1000000000000"
        funded.process(
            {"op": "credit", "transfer_id": number, "user": user, "asset": asset, "amount": amount}
        )
    for cmd in rest:
        expected = plain.process(cmd)
        got = funded.process(cmd)
        funded.check_invariants()
        assert _matching_events(got) == expected, json.dumps(cmd)

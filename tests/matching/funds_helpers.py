"""Helpers for the tests of funds in the core (matching/engine/risk.py): transfer commands, a
runner that checks the engine's invariants and the events' own bookkeeping after every
command, and balances read as decimal strings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from matching.engine import Engine
from matching.engine.events import BALANCE, ORDER, POSTING, REFUSED, TRADE, as_record
from matching.engine.risk import AMOUNT_SCALE, EXTERNAL, FEE_ACCOUNT, amount_text

from .helpers import symbol

FUNDS_ON = {"op": "funds", "enabled": True}
UNIT = 10**AMOUNT_SCALE


def credit(transfer_id, user, asset: str, amount: str, **extra) -> dict:
    cmd = {"op": "credit", "transfer_id": transfer_id, "user": user, "asset": asset}
    cmd["amount"] = amount
    cmd.update(extra)
    return cmd


def debit(transfer_id, user, asset: str, amount: str, **extra) -> dict:
    cmd = credit(transfer_id, user, asset, amount, **extra)
    cmd["op"] = "debit"
    return cmd


def amount(text: str) -> int:
    """A decimal string as an amount (units of 10**-18)."""
    value = Decimal(text) * UNIT
    assert value == value.to_integral_value()
    return int(value)


class Ledger:
    """Balances rebuilt from POSTING events alone, to check the BALANCE events against: the
    events must tell the whole story of the funds, whatever the engine keeps inside."""

    def __init__(self) -> None:
        self.balances: dict[tuple[object, str], list[int]] = {}

    def check_command(self, events: list[tuple]) -> None:
        touched: dict[tuple[object, str], None] = {}
        balances_seen = []
        for event in events:
            if event[0] is POSTING:
                assert not balances_seen, "a posting after the balances"
                self._apply(as_record(event), touched)
            elif event[0] is BALANCE:
                balances_seen.append(as_record(event))
        assert [(b.user, b.asset) for b in balances_seen] == list(touched), "balance events"
        for record in balances_seen:
            assert [record.available, record.locked] == self.balances[(record.user, record.asset)]

    def _apply(self, posting, touched: dict) -> None:
        assert posting.amount > 0, "a posting moves a positive amount"
        buckets = ("available", "locked")
        for account, bucket, sign in (
            (posting.from_account, posting.from_bucket, -1),
            (posting.to_account, posting.to_bucket, 1),
        ):
            if account == EXTERNAL:
                assert bucket == "external"
                continue
            balance = self.balances.setdefault((account, posting.asset), [0, 0])
            balance[buckets.index(bucket)] += sign * posting.amount
            assert balance[buckets.index(bucket)] >= 0, f"{account} {posting.asset} negative"
            touched.setdefault((account, posting.asset), None)


def check_trade_legs(engine: Engine, events: list[tuple]) -> None:
    """Each TRADE's legs: base = quantity, notional = price × quantity, and fee postings minus
    rebate postings = the fees the TRADE event says were charged."""
    trades = {}
    legs: dict[int, list] = {}
    for event in events:
        if event[0] is TRADE:
            trades[event[1]] = as_record(event)
        elif event[0] is POSTING and event[9] is not None:
            legs.setdefault(event[9], []).append(as_record(event))
    for trade_id, trade in trades.items():
        market = engine.markets[trade.symbol]
        got = legs.get(trade_id, [])
        base = [p.amount for p in got if p.reason == "trade" and p.asset == market.base]
        quote = [p.amount for p in got if p.reason == "trade" and p.asset == market.quote]
        scale = 10**AMOUNT_SCALE
        assert base == [trade.quantity * market.lot_num * scale // 10**market.lot_places]
        notional = trade.price * trade.quantity * market.notional_unit
        assert quote == [notional * scale // 10**market.notional_exp]
        fees = sum(p.amount for p in got if p.reason == "fee")
        fees -= sum(p.amount for p in got if p.reason == "rebate")
        assert fees == (trade.maker_fee + trade.taker_fee) * 10 ** (
            AMOUNT_SCALE - market.quote_precision
        )


@dataclass
class Funded:
    engine: Engine
    events: list[list[tuple]]  # each command's events

    def balance(self, user, asset: str) -> tuple[str, str]:
        """(available, locked) as plain decimal strings ("0" for none)."""
        available, locked = self.engine.balances_of(user).get(asset, (0, 0))
        return amount_text(available), amount_text(locked)

    def fee_account(self, asset: str = "USDT") -> tuple[str, str]:
        return self.balance(FEE_ACCOUNT, asset)

    def records(self, index: int, kind: str | None = None) -> list:
        return [as_record(e) for e in self.events[index] if kind is None or e[0] == kind]

    def order(self, order_id) -> object:
        """The last ORDER event of `order_id`."""
        found = [as_record(e) for events in self.events for e in events if e[0] == ORDER]
        return [r for r in found if r.order_id == order_id][-1]

    def refusal(self, index: int) -> str | None:
        reasons = [e[4] for e in self.events[index] if e[0] == REFUSED]
        return reasons[0] if reasons else None

    def trades(self) -> list:
        return [as_record(e) for events in self.events for e in events if e[0] == TRADE]


def run_funded(commands, *, symbols=None) -> Funded:
    """Runs the symbol lines (BTC-USDT, tick 0.01, lot 0.001 by default), funds on, then
    `commands`, checking the invariants, the balance events and the trade legs after each;
    `events` holds the events of `commands` only."""
    engine = Engine()
    for cmd in [*(symbols or [symbol()]), FUNDS_ON]:
        engine.process(cmd)
    ledger = Ledger()
    events = []
    for cmd in commands:
        out = engine.process(cmd)
        engine.check_invariants()
        ledger.check_command(out)
        check_trade_legs(engine, out)
        events.append(out)
    for user, asset, available, locked in engine.all_balances():
        assert ledger.balances[(user, asset)] == [available, locked]
    return Funded(engine, events)

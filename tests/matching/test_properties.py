"""Property-based tests of the pure-Python matching core against SPEC.md.

Random command streams (hypothesis, and a seeded `random.Random` stress run) go through
`Engine.process` one line at a time; after EVERY line a `Checker` rebuilds what the events say
(order states, fills, the resting book, the clock, fee rates) and checks it against SPEC.md and
against the engine's own book. The checker is independent of the engine's code: it only reads
events, `resting_orders()` and `check_invariants()`.

A failing stream is shrunk by deleting whole lines (`minimize`), not by hypothesis' shrinker
(far too slow on a stateful generator): the failure message ends with a minimal command file,
JSON Lines as in SPEC.md §1, that `python -m matching replay` also accepts.
"""

from __future__ import annotations

import functools
import gc
import json
import random
import re
import traceback
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import CONFIGURED, ORDER, REFUSED, TRADE, as_record

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# Three hours before a UTC midnight, so a few clock steps cross it (DAY expiry).
START = (1_700_000_000_000 // DAY_MS + 1) * DAY_MS - 3 * HOUR_MS

USERS = ("u1", "u2", "u3", "u4", "u5")
STP_MODES = (
    "none",
    "cancel_resting",
    "cancel_incoming",
    "cancel_both",
    "decrement_both",
    "cancel_smallest",
)
TIFS = ("GTC", "IOC", "FOK", "GTD", "DAY")
ORDER_TYPES = ("limit", "market", "stop_loss", "stop_limit", "take_profit", "take_profit_limit")
PRICED = frozenset(("limit", "stop_limit", "take_profit_limit"))
TRIGGERED = frozenset(("stop_loss", "stop_limit", "take_profit", "take_profit_limit"))
STOPS = frozenset(("stop_loss", "stop_limit"))
# Weighted: limits dominate so the book has depth; every type appears.
TYPE_CHOICES = ("limit",) * 8 + ("market",) * 3 + tuple(sorted(TRIGGERED))
OPS = ("new",) * 16 + ("cancel",) * 4 + ("tick",) * 2 + ("fees",)
TS_STEPS = (0, 1, 999, 60_000, 20 * 60_000, HOUR_MS, 2 * HOUR_MS, 5 * HOUR_MS, DAY_MS, -HOUR_MS)
EXPIRY_OFFSETS = (1, 1_000, 60_000, HOUR_MS, 3 * HOUR_MS, DAY_MS, 0, -HOUR_MS)
MAKER_RATES = ("0.001", "-0.0002", "0", "-0.00015", "0.0005")
TAKER_RATES = ("0.002", "0.0007", "0", "0.0015", "-0.0001")
INVALID_PERCENT = 6
STREAM_MAX = 100
STREAM_GO_ON = 59  # a line ends the stream with chance 1/60

NEW, PARTIAL, FILLED, CANCELLED = "new", "partially_filled", "filled", "cancelled"
EXPIRED, REJECTED, PENDING = "expired", "rejected", "pending_trigger"
TERMINAL = frozenset((FILLED, CANCELLED, EXPIRED, REJECTED))
RESTING = frozenset((NEW, PARTIAL))
LIVE = frozenset((NEW, PARTIAL, PENDING))


@dataclass(frozen=True)
class SymbolSpec:
    name: str
    tick: str
    lot: str
    mid: str
    max_lots: int
    off_tick: str
    off_lot: str
    extra: tuple = ()

    def command(self) -> dict:
        cmd = {"op": "symbol", "symbol": self.name, "base": self.name[:3], "quote": "USD"}
        cmd.update(tick_size=self.tick, lot_size=self.lot, **dict(self.extra))
        return cmd


SYMBOLS = (
    SymbolSpec("AAA-USD", "0.01", "0.001", "100.00", 20, "100.005", "0.0005"),
    # min_qty 3 lots; min_notional 0.5 rejects 3-4 lots near 10.00 (and 5 lots below it).
    SymbolSpec(
        "BBB-USD",
        "0.05",
        "0.01",
        "10.00",
        30,
        "10.02",
        "0.015",
        (("quote_precision", 2), ("min_qty", "0.03"), ("min_notional", "0.5")),
    ),
)


# ---- command generation (shared by hypothesis and the seeded stress run) ----------------------


class RandomChooser:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def choice(self, seq):
        return seq[self.rnd.randrange(len(seq))]

    def integer(self, lo: int, hi: int) -> int:
        return self.rnd.randint(lo, hi)

    def chance(self, percent: int) -> bool:
        return self.rnd.randrange(100) < percent


class DrawChooser:
    """The same interface on hypothesis draws. Strategies are built once per range: a fresh
    strategy per draw costs more than the engine does."""

    def __init__(self, draw) -> None:
        self.draw = draw

    def choice(self, seq):
        return seq[self.draw(_integers(0, len(seq) - 1))]

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(_integers(lo, hi))

    def chance(self, percent: int) -> bool:
        return self.draw(_integers(0, 99)) >= 100 - percent


@functools.cache
def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


class CommandGen:
    def __init__(self, chooser) -> None:
        self.ch = chooser
        self.clock = 0
        self.next_id = 1
        self.issued: list[tuple[object, str]] = []

    @staticmethod
    def preamble() -> list[dict]:
        return [spec.command() for spec in SYMBOLS]

    def command(self) -> dict:
        ch = self.ch
        op = ch.choice(OPS)
        cmd: dict = {"op": op}
        if (op == "tick" and not ch.chance(10)) or (op != "tick" and ch.chance(30)):
            step = ch.choice(TS_STEPS)
            cmd["ts"] = max(self.clock, START) + step
            self.clock = max(self.clock, cmd["ts"])
        if op == "new":
            self._new(cmd)
        elif op == "cancel":
            self._cancel(cmd)
        elif op == "fees":
            cmd["user"] = ch.choice(("*", *USERS))
            cmd["maker"] = ch.choice(MAKER_RATES)
            cmd["taker"] = ch.choice(TAKER_RATES)
            if ch.chance(INVALID_PERCENT):
                cmd[ch.choice(("maker", "taker"))] = ch.choice(("abc", 0.001, "1e-3", None))
        return cmd

    def _price(self, spec: SymbolSpec, offset: int) -> str:
        tick = Decimal(spec.tick)
        text = str((Decimal(spec.mid) + offset * tick).quantize(tick))
        return text + "0" if self.ch.chance(10) else text  # "100.000" is the price 100.00

    def _new(self, cmd: dict) -> None:
        ch = self.ch
        if self.issued and ch.chance(3):
            order_id = ch.choice(self.issued)[0]  # a duplicate id
        else:
            order_id = self.next_id if ch.chance(20) else str(self.next_id)
            self.next_id += 1
        spec = ch.choice(SYMBOLS)
        user = ch.choice(USERS)
        order_type = ch.choice(TYPE_CHOICES)
        lot = Decimal(spec.lot)
        lots = ch.integer(1, spec.max_lots)
        cmd.update(id=order_id, user=user, symbol=spec.name, side=ch.choice(("buy", "sell")))
        cmd.update(type=order_type, quantity=str((lots * lot).quantize(lot)))
        priced = order_type in PRICED
        if priced:
            # buys lean low and sells high so the book builds depth, yet they cross often
            offset = ch.integer(-2, 6)
            cmd["price"] = self._price(spec, -offset if cmd["side"] == "buy" else offset)
        if order_type in TRIGGERED:
            cmd["trigger_price"] = self._price(spec, ch.integer(-5, 5))
        if priced:
            tif = ch.choice((None, None, "GTC", "IOC", "FOK", "GTD", "DAY"))
        else:
            tif = ch.choice((None, None, "IOC", "FOK"))
        if tif is not None:
            cmd["tif"] = tif
        if tif == "GTD":
            cmd["expire_at"] = self.clock + ch.choice(EXPIRY_OFFSETS)
        if priced and tif in (None, "GTC", "GTD", "DAY"):
            if ch.chance(15):
                cmd["display_quantity"] = str((ch.integer(1, lots) * lot).quantize(lot))
            if ch.chance(12):
                cmd["post_only"] = True
        if ch.chance(60):
            cmd["stp"] = ch.choice(STP_MODES)
        if ch.chance(INVALID_PERCENT):
            self._spoil(cmd, spec)
        if not any(ref(order_id) == ref(seen) for seen, _ in self.issued):
            self.issued.append((order_id, user))

    def _spoil(self, cmd: dict, spec: SymbolSpec) -> None:
        """One invalid (or valid-but-unusual) value: SPEC.md §2 validation and §9."""
        ch = self.ch
        what = ch.integer(0, 13)
        if what == 0:
            cmd["symbol"] = "ZZZ-USD"
        elif what == 1:
            cmd["side"] = ch.choice(("BUY", "", 1))
        elif what == 2:
            cmd["type"] = ch.choice(("Limit", "stop", None))
        elif what == 3:
            cmd["tif"] = ch.choice(("gtc", "GTX", 1))
        elif what == 4:
            cmd["quantity"] = ch.choice(("0", "-1", "abc", "1e-3", "", 1, None, "1.", spec.off_lot))
        elif what == 5:
            cmd["price"] = ch.choice(("0", "-100", spec.off_tick, 100, "x", None, spec.mid))
        elif what == 6:
            cmd["trigger_price"] = ch.choice(("0", "x", spec.off_tick, spec.mid, None))
        elif what == 7:
            cmd["display_quantity"] = ch.choice(("0", "1000", spec.off_lot, cmd["quantity"]))
        elif what == 8:
            cmd["post_only"] = True
            if ch.chance(50):
                cmd["tif"] = ch.choice(("IOC", "FOK"))
        elif what == 9:
            cmd["expire_at"] = ch.choice((self.clock + HOUR_MS, "soon", True))
        elif what == 10:
            cmd["tif"] = "GTD"
            cmd.pop("expire_at", None)
        elif what == 11:
            cmd["stp"] = ch.choice(("CANCEL_BOTH", "", 1))
        elif what == 12:
            cmd["tif"] = None  # JSON null counts as absent (valid)
            cmd.setdefault("price", None)
        else:
            cmd["post_only"] = "true"  # only JSON true turns it on (valid)

    def _cancel(self, cmd: dict) -> None:
        ch = self.ch
        if self.issued and not ch.chance(12):
            order_id, user = ch.choice(self.issued[-24:])
            order_id = ch.choice((ref(order_id), int(ref(order_id))))
            if ch.chance(10):
                user = ch.choice(USERS)
        else:
            order_id, user = ch.choice(("nope", 10**6, "")), ch.choice(USERS)
        cmd.update(id=order_id, user=user)


@st.composite
def command_streams(draw, max_commands: int = STREAM_MAX) -> list[dict]:
    """The two symbol lines, then up to `max_commands` random lines."""
    gen = CommandGen(DrawChooser(draw))
    commands = gen.preamble()
    # one "go on" draw per line, like st.lists (mean length about 40)
    while len(commands) < max_commands + 2 and draw(st.integers(0, STREAM_GO_ON)):
        commands.append(gen.command())
    return commands


def random_stream(seed: int, count: int) -> list[dict]:
    gen = CommandGen(RandomChooser(random.Random(seed)))
    return gen.preamble() + [gen.command() for _ in range(count)]


# ---- an independent reading of SPEC.md ---------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")


def ref(value: object) -> str | None:
    """An id or user in one form, a string: `1` and `"1"` are the same (SPEC.md §9.3).

    Events may carry either form; every id and user read from the engine goes through this."""
    if type(value) is str:
        return value
    return str(value) if type(value) is int else None


def dec(value: object) -> Decimal | None:
    """A SPEC.md §9.1 decimal string, else None."""
    return Decimal(value) if type(value) is str and _DECIMAL.fullmatch(value) else None


def units(value: object, unit: Decimal) -> int | None:
    number = dec(value)
    if number is None or number % unit:
        return None
    return int(number / unit)


@dataclass
class MarketRef:
    tick: Decimal
    lot: Decimal
    min_qty: Decimal
    min_notional: Decimal
    precision: int


def expected_reason(cmd: dict, markets: dict[str, MarketRef], clock: int) -> str | None:
    """The rejection reason SPEC.md §2 gives a (non-duplicate) `new` line, or None."""
    get = cmd.get
    symbol = get("symbol")
    market = markets.get(symbol) if type(symbol) is str else None
    if market is None:
        return "unknown_symbol"
    if get("side") not in ("buy", "sell") or type(get("side")) is not str:
        return "invalid_side"
    order_type = get("type")
    if type(order_type) is not str or order_type not in ORDER_TYPES:
        return "invalid_type"
    tif = get("tif")
    if tif is not None and (type(tif) is not str or tif not in TIFS):
        return "invalid_tif"
    quantity = dec(get("quantity"))
    if quantity is None or quantity <= 0:
        return "invalid_quantity"
    if quantity % market.lot:
        return "lot_size"
    if quantity < market.min_qty:
        return "min_qty"
    priced = order_type in PRICED
    price = None
    if priced:
        price = dec(get("price"))
        if price is None or price <= 0:
            return "invalid_price"
        if price % market.tick:
            return "tick_size"
    elif get("price") is not None:
        return "invalid_combination"
    if order_type in TRIGGERED:
        trigger = dec(get("trigger_price"))
        if trigger is None or trigger <= 0:
            return "invalid_trigger_price"
        if trigger % market.tick:
            return "tick_size"
    elif get("trigger_price") is not None:
        return "invalid_combination"
    if tif is None:
        tif = "GTC" if priced else "IOC"
    elif not priced and tif not in ("IOC", "FOK"):
        return "invalid_combination"
    immediate = tif in ("IOC", "FOK")
    if get("display_quantity") is not None:
        if immediate or not priced:
            return "invalid_combination"
        display = dec(get("display_quantity"))
        if display is None or display <= 0 or display % market.lot or display > quantity:
            return "invalid_display_quantity"
    if get("post_only") is True and (immediate or not priced):
        return "invalid_combination"
    expire_at = get("expire_at") if type(get("expire_at")) is int else None
    if tif == "GTD":
        if expire_at is None:
            return "invalid_combination"
        if expire_at <= clock:
            return "expire_at_in_past"
    elif expire_at is not None:
        return "invalid_combination"
    stp = get("stp")
    if stp is not None and (type(stp) is not str or stp not in STP_MODES):
        return "invalid_stp"
    if priced and price * quantity < market.min_notional:
        return "min_notional"
    return None


class Tracked:
    """One order as its command and the events so far describe it."""

    def __init__(self, cmd: dict, market: MarketRef | None, placed: int, clock: int) -> None:
        get = cmd.get
        self.id = ref(get("id"))
        self.user = ref(get("user"))
        self.symbol = get("symbol")
        self.side = get("side")
        self.type = get("type")
        priced = self.type in PRICED
        tif = get("tif")
        self.tif = tif if tif is not None else ("GTC" if priced else "IOC")
        tick = market.tick if market else Decimal(1)
        lot = market.lot if market else Decimal(1)
        self.price = units(get("price"), tick) if priced else None
        self.trigger = units(get("trigger_price"), tick)
        self.quantity = units(get("quantity"), lot)
        display = get("display_quantity")
        self.display = units(display, lot) if display is not None else None
        self.post_only = get("post_only") is True
        self.stp = get("stp") if get("stp") is not None else "cancel_resting"
        if self.tif == "GTD":
            self.expire_at = get("expire_at")
        elif self.tif == "DAY":
            self.expire_at = (clock // DAY_MS + 1) * DAY_MS
        else:
            self.expire_at = None
        self.placed = placed
        self.expected: str | None = None  # rejection reason by SPEC.md §2
        self.status: str | None = None
        self.last = None  # the latest OrderUpdate
        self.traded = 0  # sum of its trades' quantities
        self.decremented = 0  # taken away by decrement_both
        self.stp_actions = 0  # self-trade preventions it caused as the taker
        self.must_cancel = False  # STP says the taker ends cancelled

    def open(self) -> int:
        return self.quantity - self.traded - self.decremented

    def crosses(self, price: int) -> bool:
        if self.price is None:
            return True
        return price <= self.price if self.side == "buy" else price >= self.price


def trigger_met(order: Tracked, last: int | None) -> bool:
    if last is None:
        return False
    falls = (order.side == "buy") != (order.type in STOPS)
    return last <= order.trigger if falls else last >= order.trigger


class Checker:
    """Runs commands through a fresh Engine and checks the properties after every one.

    While it reads a line's events it knows the incoming order (the taker): the line's new
    order first, then each activated stop in turn (the earliest-placed one whose trigger the
    last price meets, SPEC.md §6). Every trade and every self-trade prevention must come from
    that order.
    """

    def __init__(self) -> None:
        self.engine = Engine()
        self.log: list[tuple[str, list[tuple]]] = []
        self.clock = 0
        self.seq = 0
        self.next_trade_id = 1
        self.markets: dict[str, MarketRef] = {}
        self.orders: dict[str, Tracked] = {}
        self.used_ids: set[str] = set()
        self.resting: dict[str, Tracked] = {}
        self.live: dict[str, Tracked] = {}
        self.default_rates = (Decimal("0.001"), Decimal("0.002"))
        self.rates: dict[str, tuple[Decimal, Decimal]] = {}
        self.last_price: dict[str, int] = {}
        self.filled_by_side: dict[tuple[str, str], int] = {}

    def run(self, cmd: dict) -> None:
        text = json.dumps(cmd)
        events = list(self.engine.process(cmd))
        self.log.append((text, events))
        self.seq += 1
        self.check(cmd, events)

    def run_all(self, commands: list[dict]) -> None:
        for cmd in commands:
            self.run(cmd)
        self.check_replay()

    def check_replay(self) -> None:
        """Determinism: the same lines in a fresh Engine give identical events."""
        fresh = Engine()
        for index, (text, events) in enumerate(self.log):
            assert fresh.process(json.loads(text)) == events, f"replay differs at line {index}"

    # ---- one command ----------------------------------------------------------------------

    def check(self, cmd: dict, events: list[tuple]) -> None:
        op = cmd["op"]
        ts = cmd.get("ts")
        if type(ts) is int and ts > self.clock:
            self.clock = ts
        self.cmd, self.op = cmd, op
        self.new_id, self.duplicate = None, False
        if op == "new":
            self.new_id = ref(cmd["id"])
            self.duplicate = self.new_id in self.used_ids
            self.used_ids.add(self.new_id)
        placing = op == "new" and not self.duplicate
        self.current: Tracked | None = None
        self.outcomes: list[str] = []
        self.touched: dict[str, Tracked] = {}
        sweeping, swept = True, []
        for event in events:
            kind = event[0]
            assert kind in (ORDER, TRADE, REFUSED, CONFIGURED), event
            record = as_record(event)
            if kind == ORDER:
                record = record._replace(order_id=ref(record.order_id), user=ref(record.user))
                order = self.orders.get(record.order_id)
                due = (
                    order is not None
                    and order.status in LIVE
                    and record.status == EXPIRED
                    and order.expire_at is not None
                    and order.expire_at <= self.clock
                )
                if sweeping and due:
                    swept.append((order.expire_at, order.placed))
                    self.on_update(record, swept=True)
                    continue
            sweeping = False
            if kind in (ORDER, TRADE) and placing:
                if self.new_id not in self.orders:
                    self.current = self.order_of(self.new_id)
                elif self.current is None:
                    self.current = self.next_activation()
            if kind == ORDER:
                self.on_update(record)
            elif kind == TRADE:
                self.on_trade(record)
            elif kind == REFUSED:
                self.on_refused(record)
            else:
                self.on_configured(record)
        assert swept == sorted(swept), "expiry not in order of expire_at, then placement"
        assert self.current is None, "the incoming order got no final ORDER update"
        if op == "new":
            if self.duplicate:
                assert self.outcomes == ["duplicate"], self.outcomes
                assert events[-1][0] == REFUSED, "a duplicate line changed something"
            else:
                assert self.new_id in self.touched, "no ORDER event for a new order"
        elif op == "cancel":
            assert len(self.outcomes) == 1, f"cancel outcomes {self.outcomes}"
        self.check_state()

    def order_of(self, order_id: str) -> Tracked:
        order = self.orders.get(order_id)
        if order is None:
            assert order_id == self.new_id and not self.duplicate, f"unknown order {order_id}"
            cmd = self.cmd
            symbol = cmd.get("symbol")
            market = self.markets.get(symbol) if type(symbol) is str else None
            order = Tracked(cmd, market, self.seq, self.clock)
            order.expected = expected_reason(cmd, self.markets, self.clock)
            self.orders[order_id] = order
        self.touched[order_id] = order
        return order

    def next_activation(self) -> Tracked:
        """The stop that must activate now: the earliest placed whose trigger is met."""
        symbol = self.orders[self.new_id].symbol
        last = self.last_price.get(symbol)
        met = [
            order
            for order in self.live.values()
            if order.status == PENDING and order.symbol == symbol and trigger_met(order, last)
        ]
        assert met, "an event after the line's order ended, with no stop to activate"
        order = min(met, key=lambda order: order.placed)
        self.touched[order.id] = order
        return order

    def best(self, symbol: str, side: str, besides: Tracked | None = None) -> int | None:
        """The best resting price of a side, as the events tell it."""
        prices = [
            order.price
            for order in self.resting.values()
            if order.symbol == symbol and order.side == side and order is not besides
        ]
        if not prices:
            return None
        return max(prices) if side == "buy" else min(prices)

    def on_update(self, u, swept: bool = False) -> None:
        order = self.order_of(u.order_id)
        prev, status, last = order.status, u.status, order.last
        taker = self.current
        assert prev not in TERMINAL, f"order {u.order_id} changed after {prev}: {u}"
        if prev is None:
            if order.expected is not None:
                assert (status, u.reason) == (REJECTED, order.expected), (u, order.expected)
            else:
                assert status != REJECTED or u.reason == "post_only_would_take", u
                if order.type in TRIGGERED:
                    assert status == PENDING, u
        if swept:
            pass  # a live order expired at its expire_at (checked by the caller)
        elif self.op == "cancel":
            assert status == CANCELLED and u.order_id == ref(self.cmd["id"]), f"unexpected {u}"
            assert prev in LIVE and order.user == ref(self.cmd["user"]), (prev, u)
            self.outcomes.append("cancelled")
        elif order is taker:
            if status != PENDING:
                self.taker_done(order, u)
                self.current = None
            else:
                assert prev is None, u
                self.current = None  # a stop placed: it waits (or activates next)
        else:
            assert taker is not None and prev in RESTING, f"{u} with no incoming order"
            if order.traded != last.filled:  # a maker after its trade
                assert status in (FILLED, PARTIAL), u
                if status == PARTIAL:
                    visible = last.visible - (order.traded - last.filled)
                    if visible == 0:  # a new iceberg slice (SPEC.md §4)
                        visible = min(order.display, u.remaining)
                    assert u.visible == visible, f"visible {u.visible}, expected {visible}: {u}"
            else:
                self.self_trade_prevention(taker, order, u)
        if status == REJECTED:
            assert u.filled == 0 and u.reason, u
            self.set_status(order, u)
            return
        assert u.reason == "", u
        assert (u.user, u.symbol, u.side) == (order.user, order.symbol, order.side), u
        assert (u.quantity, u.price) == (order.quantity, order.price), (u, order.price)
        assert u.filled == order.traded, f"filled {u.filled} but traded {order.traded}: {u}"
        assert u.remaining == order.open() >= 0, f"remaining {u.remaining}, {order.open()}: {u}"
        # (`visible` only means something while the order rests: a taker's stays as built)
        if status == FILLED:
            assert u.remaining == 0 and 0 < u.filled, u
        elif status in RESTING:
            assert 0 < u.visible <= u.remaining, u
            assert (status == NEW) == (u.filled == 0) and u.filled < u.quantity, u
            if order.display is None:
                assert u.visible == u.remaining, u
            else:
                assert u.visible <= order.display, u
            assert order.tif in ("GTC", "GTD", "DAY") and order.type in PRICED, u
        elif status == PENDING:
            assert prev is None and u.filled == 0 and u.remaining == u.quantity, u
        else:
            assert status in (CANCELLED, EXPIRED), u
        if prev in RESTING:
            assert status != PENDING and (status != NEW or prev == NEW), (prev, u)
            if status == EXPIRED:
                assert swept, f"a resting order expired before its time: {u}"
        self.set_status(order, u)

    def taker_done(self, taker: Tracked, u) -> None:
        """The incoming order's final update of this line (SPEC.md §3, §5)."""
        status = u.status
        if status == REJECTED:
            if u.reason != "post_only_would_take":
                return  # failed validation (checked in on_update)
            assert taker.post_only, u
            assert self.would_take(taker), f"post-only rejected, book does not cross: {u}"
            assert taker.traded == 0 and taker.stp_actions == 0, u
            return
        if taker.tif == "FOK" and status != FILLED:
            # all or nothing, and no side effect (no self-trade cancels either)
            assert status == EXPIRED and taker.traded == 0 and taker.stp_actions == 0, u
        if taker.tif == "FOK" and status == FILLED:
            assert taker.traded == taker.quantity, f"FOK filled {taker.traded}: {u}"
        if taker.must_cancel:
            assert status == CANCELLED, f"self-trade prevention should cancel the taker: {u}"
        if status == CANCELLED:
            mode = taker.stp
            assert mode not in ("none", "cancel_resting"), f"taker cancelled under {mode}: {u}"
            if mode == "decrement_both":
                assert u.remaining == 0, u
            elif mode == "cancel_both":
                assert taker.must_cancel, u
            elif not taker.must_cancel:  # cancel_incoming, or cancel_smallest (taker smaller)
                more = u.remaining + 1 if mode == "cancel_smallest" else 0
                assert self.meets_own(taker, more), f"taker cancelled, met no own order: {u}"

    def meets_own(self, taker: Tracked, at_least: int) -> bool:
        """Does a resting order of the taker's user sit at the best opposite price it crosses?"""
        side = "sell" if taker.side == "buy" else "buy"
        best = self.best(taker.symbol, side)
        if best is None or not taker.crosses(best):
            return False
        return any(
            order.symbol == taker.symbol
            and order.side == side
            and order.price == best
            and order.user == taker.user
            and order.last.remaining >= at_least
            for order in self.resting.values()
        )

    def self_trade_prevention(self, taker: Tracked, resting: Tracked, u) -> None:
        """A resting order changed with no trade: the taker's STP mode (SPEC.md §5)."""
        assert taker.user == resting.user and taker.stp != "none", f"not a self-trade: {u}"
        assert taker.symbol == resting.symbol and taker.side != resting.side, u
        assert resting.price == self.best(resting.symbol, resting.side), f"not best: {u}"
        assert taker.crosses(resting.price), f"STP on an order the taker does not cross: {u}"
        taker.stp_actions += 1
        mode, status = taker.stp, u.status
        taker_left, resting_left = taker.open(), resting.last.remaining
        assert taker_left > 0, u
        if mode == "decrement_both":
            cut = min(taker_left, resting_left)
            taker.decremented += cut
            resting.decremented += cut
            assert u.remaining == resting_left - cut, f"decrement by {cut}: {u}"
            if u.remaining == 0:
                assert status == CANCELLED, u
            else:
                assert status == resting.status, f"decrement_both changed the status: {u}"
                visible = resting.last.visible - min(cut, resting.last.visible)
                if visible == 0:
                    visible = min(resting.display, u.remaining)
                assert u.visible == visible, f"visible {u.visible}, expected {visible}: {u}"
            return
        assert status == CANCELLED and u.remaining == resting_left, f"{mode}: {u}"
        if mode == "cancel_both":
            taker.must_cancel = True
        elif mode == "cancel_smallest":
            assert resting_left <= taker_left, f"cancel_smallest cancelled the larger: {u}"
            taker.must_cancel = resting_left == taker_left
        else:
            assert mode == "cancel_resting", f"{mode} cancelled the resting order: {u}"

    def set_status(self, order: Tracked, u) -> None:
        if order.last is not None and order.last.symbol is not None:
            key = (order.symbol, order.side)
            self.filled_by_side[key] = self.filled_by_side.get(key, 0) - order.last.filled
        if u.symbol is not None:
            key = (order.symbol, order.side)
            self.filled_by_side[key] = self.filled_by_side.get(key, 0) + u.filled
        order.status, order.last = u.status, u
        if u.status in RESTING:
            self.resting[order.id] = order
        else:
            self.resting.pop(order.id, None)
        if u.status in LIVE:
            self.live[order.id] = order
        else:
            self.live.pop(order.id, None)

    def would_take(self, order: Tracked) -> bool:
        """Does `order`'s limit cross the best opposite resting price (SPEC.md §9.12)?"""
        best = self.best(order.symbol, "sell" if order.side == "buy" else "buy")
        return best is not None and order.crosses(best)

    def on_trade(self, t) -> None:
        t = t._replace(
            maker_order_id=ref(t.maker_order_id),
            taker_order_id=ref(t.taker_order_id),
            maker_user=ref(t.maker_user),
            taker_user=ref(t.taker_user),
        )
        assert t.trade_id == self.next_trade_id, f"trade id {t.trade_id}, expected next"
        self.next_trade_id += 1
        taker = self.current
        assert taker is not None and t.taker_order_id == taker.id, f"not the incoming order: {t}"
        maker = self.orders.get(t.maker_order_id)
        assert maker is not None and maker.status in RESTING, f"maker not resting: {t}"
        assert maker.symbol == taker.symbol == t.symbol, t
        assert t.taker_side == taker.side and maker.side != taker.side, t
        assert (t.maker_user, t.taker_user) == (maker.user, taker.user), t
        if maker.user == taker.user:
            assert taker.stp == "none", f"self-trade under stp={taker.stp}: {t}"
        assert not taker.post_only, f"a post-only order took: {t}"
        # at the maker's price, the best opposite one, never through the taker's limit
        assert t.price == maker.price, f"trade at {t.price}, maker's price {maker.price}"
        assert t.price == self.best(t.symbol, maker.side), f"trade not at the best price: {t}"
        assert taker.crosses(t.price), f"trade through the taker's limit: {t}"
        assert 0 < t.quantity <= maker.last.visible, f"fill beyond the visible slice: {t}"
        assert t.quantity <= taker.open(), f"fill beyond the taker's remaining: {t}"
        maker.traded += t.quantity
        taker.traded += t.quantity
        assert maker.traded <= maker.quantity, f"maker {maker.id} overfilled"
        assert taker.traded <= taker.quantity, f"taker {taker.id} overfilled"
        assert t.maker_fee == self.fee(maker.user, 0, t), f"maker fee: {t}"
        assert t.taker_fee == self.fee(taker.user, 1, t), f"taker fee: {t}"
        assert t.ts == self.clock, t
        self.last_price[t.symbol] = t.price

    def fee(self, user: str, which: int, t) -> int:
        market = self.markets[t.symbol]
        rate = self.rates.get(user, self.default_rates)[which]
        notional = t.price * market.tick * t.quantity * market.lot
        step = Decimal(1).scaleb(-market.precision)
        fee = (rate * notional).quantize(step, rounding=ROUND_HALF_UP)
        return int(fee.scaleb(market.precision))

    def on_refused(self, r) -> None:
        r = r._replace(ref=ref(r.ref), user=ref(r.user))
        if r.op == "new":
            assert self.duplicate and r.ref == self.new_id, r
            assert r.reason == "duplicate_order_id", r
            self.outcomes.append("duplicate")
        elif r.op == "cancel":
            assert self.op == "cancel" and r.reason == "unknown_order", r
            assert r.ref == ref(self.cmd["id"]) and r.user == ref(self.cmd["user"]), r
            order = self.orders.get(r.ref)
            assert order is None or order.status not in LIVE or order.user != r.user, (
                f"cancel of live order {r.ref} refused"
            )
            self.outcomes.append("refused")
        elif r.op == "fees":
            cmd = self.cmd
            valid = ref(cmd.get("user")) is not None and dec(cmd.get("maker")) is not None
            assert not (valid and dec(cmd.get("taker")) is not None), f"valid fees refused: {r}"
        else:
            raise AssertionError(f"unexpected refusal {r}")

    def on_configured(self, c) -> None:
        cmd = self.cmd
        if c.op == "symbol":
            lot = Decimal(cmd["lot_size"])
            self.markets[c.ref] = MarketRef(
                tick=Decimal(cmd["tick_size"]),
                lot=lot,
                min_qty=Decimal(cmd.get("min_qty") or cmd["lot_size"]),
                min_notional=Decimal(cmd.get("min_notional") or "0"),
                precision=cmd.get("quote_precision", 8),
            )
        else:
            maker, taker = dec(cmd.get("maker")), dec(cmd.get("taker"))
            assert c.op == "fees" and maker is not None and taker is not None, c
            if ref(c.ref) == "*":
                self.default_rates = (maker, taker)
            else:
                self.rates[ref(c.ref)] = (maker, taker)

    # ---- after the command ----------------------------------------------------------------

    def check_state(self) -> None:
        self.engine.check_invariants()
        best: dict[tuple[str, str], int] = {}
        seen = 0
        for market, side, order in self.engine.resting_orders():
            seen += 1
            mine = self.resting.get(ref(order.id))
            assert mine is not None, f"order {order.id} rests but its events say otherwise"
            u = mine.last
            assert (market.symbol, side, ref(order.user)) == (mine.symbol, mine.side, mine.user)
            state = (order.status, order.price, order.filled, order.remaining, order.visible)
            assert state == (u.status, u.price, u.filled, u.remaining, u.visible), (order, u)
            key = (market.symbol, side)
            pick = max if side == "buy" else min
            best[key] = pick(best.get(key, order.price), order.price)
        assert seen == len(self.resting), "an order the events show resting is not in the book"
        for symbol in self.markets:
            bid, ask = best.get((symbol, "buy")), best.get((symbol, "sell"))
            assert bid is None or ask is None or bid < ask, f"{symbol} crossed: {bid} >= {ask}"
            bought = self.filled_by_side.get((symbol, "buy"), 0)
            sold = self.filled_by_side.get((symbol, "sell"), 0)
            assert bought == sold, f"{symbol}: bought {bought} != sold {sold}"
        for order in self.live.values():
            assert order.expire_at is None or order.expire_at > self.clock, (
                f"order {order.id} still live at {self.clock}, expire_at {order.expire_at}"
            )
            if order.status == PENDING:
                last = self.last_price.get(order.symbol)
                assert not trigger_met(order, last), f"stop {order.id} should have activated"
        for order in self.touched.values():
            assert order.last is not None, f"order {order.id} traded with no ORDER update"
            if order.status != REJECTED:
                assert order.last.filled == order.traded, f"order {order.id}: final filled"


# ---- shrinking: delete whole lines, as one would by hand ---------------------------------------

OPTIONAL_FIELDS = ("ts", "stp", "display_quantity", "post_only", "expire_at", "tif")


def failure_of(commands: list[dict]) -> tuple[tuple, int] | None:
    """(where the check failed, lines run) if the stream fails a property, else None."""
    checker = Checker()
    try:
        for cmd in commands:
            checker.run(cmd)
        checker.check_replay()
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return (type(error).__name__, frame.filename, frame.lineno), checker.seq
    return None


def minimize(commands: list[dict], key: tuple, ran: int) -> list[dict]:
    """Deletes lines (then optional fields) while the same check still fails.

    Works on concrete lines, so ids and times stay put: much faster and smaller than
    hypothesis' shrinker on a stateful generator.
    """
    head, body = commands[:2], commands[2:ran]

    def fails(candidate: list[dict]) -> bool:
        found = failure_of(head + candidate)
        return found is not None and found[0] == key

    chunk = max(1, len(body) // 2)
    while True:
        index, changed = 0, False
        while index < len(body):
            candidate = body[:index] + body[index + chunk :]
            if fails(candidate):
                body, changed = candidate, True
            else:
                index += chunk
        if chunk == 1 and not changed:
            break
        chunk = max(1, chunk // 2)
    for index in range(len(body)):
        for name in OPTIONAL_FIELDS:
            if name in body[index]:
                line = {k: v for k, v in body[index].items() if k != name}
                candidate = [*body[:index], line, *body[index + 1 :]]
                if fails(candidate):
                    body = candidate
    return head + body


def check_stream(commands: list[dict]) -> None:
    """Runs the stream with every check; on a failure, fails with a minimal command file."""
    found = failure_of(commands)
    if found is None:
        return
    small = minimize(commands, *found)
    lines = "\n".join(json.dumps(cmd) for cmd in small)
    try:
        Checker().run_all(small)
    except Exception as error:
        raise AssertionError(
            f"{error}\nminimal failing command file ({len(small)} lines):\n{lines}"
        ) from error
    raise AssertionError(f"minimizing lost the failure {found}")


# ---- the tests -------------------------------------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    # check_stream shrinks by deleting lines; hypothesis' own shrinker is slow on this
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(command_streams())
def test_properties_hold_after_every_command(commands):
    check_stream(commands)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_seeded_stress(seed):
    commands = random_stream(seed, 3000)
    check_stream(commands)
    # the stream must actually exercise the engine
    engine = Engine()
    events = [event for cmd in commands for event in engine.process(cmd)]
    assert sum(1 for event in events if event[0] == TRADE) > 300
    statuses = {event[5] for event in events if event[0] == ORDER}
    assert statuses == {NEW, PARTIAL, FILLED, CANCELLED, EXPIRED, REJECTED, PENDING}, statuses


def test_no_garbage_cycles():
    commands = random_stream(99, 4000)
    engine = Engine()
    trades = 0
    gc.collect()
    gc.disable()
    try:
        gc.collect()
        for cmd in commands:
            trades += sum(1 for event in engine.process(cmd) if event[0] == TRADE)
        collected = gc.collect()
    finally:
        gc.enable()
    assert trades > 300
    assert collected < 100, f"{collected} objects in garbage cycles after {len(commands)} commands"

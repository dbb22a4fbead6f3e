"""Differential test: the engine against a deliberately naive reference model of SPEC.md.

The model below is written from SPEC.md alone, for clarity rather than speed: `Decimal` /
`Fraction` arithmetic, every resting order of a symbol in one plain list, the best maker found
by a linear scan on every step, the FOK dry run done on a deep copy of the book. It produces the
three CSV texts of SPEC §8 (tape, orders, book).

1. The model must reproduce every hand-written workload with a `.expected/` folder exactly.
2. Seeded random command streams are run through both the engine (`matching.replay.replay`) and
   the model; any difference is shrunk to a minimal command file and reported.
"""

from __future__ import annotations

import copy
import json
import random
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest

from matching.replay import replay

WORKLOADS = Path(__file__).parent / "workloads"

# ---------------------------------------------------------------------------------------------
# Reference model
# ---------------------------------------------------------------------------------------------

DECIMAL_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)\Z")
TYPES = ("limit", "market", "stop_loss", "stop_limit", "take_profit", "take_profit_limit")
PRICED = ("limit", "stop_limit", "take_profit_limit")
MARKET_STYLE = ("market", "stop_loss", "take_profit")
STOPS = ("stop_loss", "stop_limit", "take_profit", "take_profit_limit")
TIFS = ("GTC", "IOC", "FOK", "GTD", "DAY")
STP_MODES = (
    "none",
    "cancel_resting",
    "cancel_incoming",
    "cancel_both",
    "decrement_both",
    "cancel_smallest",
)
LIVE = ("new", "partially_filled", "pending_trigger")
DAY_MS = 86_400_000


def parse_decimal(value):
    """A decimal per SPEC §9.1, or None."""
    if isinstance(value, str) and DECIMAL_RE.match(value):
        return Decimal(value)
    return None


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def places(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def on_grid(value: Decimal, step: Decimal) -> bool:
    return Fraction(value) % Fraction(step) == 0


def fmt(value, n: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 100
        out = Decimal(value).quantize(Decimal(1).scaleb(-n))
    if out == 0:
        out = abs(out)
    return format(out, "f")


def key_of(ident) -> str:
    return str(ident)


class Market:
    def __init__(self, cmd):
        self.name = cmd["symbol"]
        self.tick = Decimal(cmd["tick_size"])
        self.lot = Decimal(cmd["lot_size"])
        self.tick_places = places(cmd["tick_size"])
        self.lot_places = places(cmd["lot_size"])
        self.min_qty = Decimal(cmd["min_qty"]) if cmd.get("min_qty") is not None else self.lot
        mn = cmd.get("min_notional")
        self.min_notional = Decimal(mn) if mn is not None else Decimal(0)
        qp = cmd.get("quote_precision")
        self.qp = qp if qp is not None else 8
        self.last = None
        self.resting = []  # every resting order of this symbol, both sides


class Order:
    pass


class Model:
    def __init__(self):
        self.clock = 0
        self.markets = {}  # name -> Market, in definition order
        self.fees = {}
        self.orders = {}  # key -> Order (every non-duplicate `new`)
        self.order_list = []
        self.pending = []
        self.seq = 0  # priority counter (joining a level)
        self.placed = 0  # placement counter
        self.tape = []

    def next_seq(self):
        self.seq += 1
        return self.seq

    # -- lines ---------------------------------------------------------------------------
    def process(self, cmd):
        if not isinstance(cmd, dict):
            return
        if cmd.get("ts") is not None and is_int(cmd["ts"]):
            self.advance(cmd["ts"])
        op = cmd.get("op")
        if op == "symbol":
            self.markets[cmd["symbol"]] = Market(cmd)
        elif op == "fees":
            self.fees[key_of(cmd["user"])] = (Decimal(cmd["maker"]), Decimal(cmd["taker"]))
        elif op == "new":
            self.new(cmd)
        elif op == "cancel":
            self.cancel(cmd)
        self.run_triggers()

    def advance(self, ts):
        self.clock = max(self.clock, ts)
        due = [
            o
            for o in self.order_list
            if o.status in LIVE and o.expire_at is not None and o.expire_at <= self.clock
        ]
        due.sort(key=lambda o: (o.expire_at, o.placed))
        for o in due:
            self.remove_live(o)
            o.status = "expired"

    def remove_live(self, o):
        if o.status == "pending_trigger":
            self.pending.remove(o)
        else:
            self.markets[o.symbol].resting.remove(o)

    def cancel(self, cmd):
        o = self.orders.get(key_of(cmd.get("id")))
        if o is None or o.status not in LIVE or key_of(o.user) != key_of(cmd.get("user")):
            return
        self.remove_live(o)
        o.status = "cancelled"

    def rates(self, user):
        return (
            self.fees.get(key_of(user))
            or self.fees.get("*")
            or (Decimal("0.001"), Decimal("0.002"))
        )

    # -- new orders ----------------------------------------------------------------------
    def new(self, cmd):
        if cmd.get("id") is None or cmd.get("user") is None:
            return
        key = key_of(cmd["id"])
        if key in self.orders:
            return  # duplicate: appears nowhere
        o = Order()
        o.id = cmd["id"]
        o.user = cmd["user"]
        o.symbol = cmd.get("symbol")
        o.side = cmd.get("side")
        o.type = cmd.get("type")
        o.status = "new"
        o.reason = ""
        o.filled = Decimal(0)
        o.expire_at = None
        o.placed = 0
        self.orders[key] = o
        self.order_list.append(o)
        reason = self.validate(o, cmd)
        if reason:
            o.status = "rejected"
            o.reason = reason
            o.expire_at = None
            return
        self.placed += 1
        o.placed = self.placed
        if o.tif == "DAY":
            o.expire_at = (self.clock // DAY_MS + 1) * DAY_MS
        o.remaining = o.qty
        if o.type in STOPS:
            o.status = "pending_trigger"
            self.pending.append(o)
        else:
            o.eff_type = o.type
            self.execute(o)

    def validate(self, o, cmd):
        m = self.markets.get(o.symbol) if isinstance(o.symbol, str) else None
        if m is None:
            return "unknown_symbol"
        if o.side not in ("buy", "sell"):
            return "invalid_side"
        if o.type not in TYPES:
            return "invalid_type"
        tif = cmd.get("tif")
        if tif is not None and tif not in TIFS:
            return "invalid_tif"
        market_style = o.type in MARKET_STYLE
        o.tif = tif if tif is not None else ("IOC" if market_style else "GTC")
        qty = parse_decimal(cmd.get("quantity"))
        if qty is None or qty <= 0:
            return "invalid_quantity"
        if not on_grid(qty, m.lot):
            return "lot_size"
        if qty < m.min_qty:
            return "min_qty"
        o.qty = qty
        o.price = None
        if o.type in PRICED:
            price = parse_decimal(cmd.get("price"))
            if price is None or price <= 0:
                return "invalid_price"
            if not on_grid(price, m.tick):
                return "tick_size"
            o.price = price
        elif cmd.get("price") is not None:
            return "invalid_combination"
        o.trigger = None
        if o.type in STOPS:
            trig = parse_decimal(cmd.get("trigger_price"))
            if trig is None or trig <= 0:
                return "invalid_trigger_price"
            if not on_grid(trig, m.tick):
                return "tick_size"
            o.trigger = trig
        elif cmd.get("trigger_price") is not None:
            return "invalid_combination"
        if market_style and o.tif in ("GTC", "GTD", "DAY"):
            return "invalid_combination"
        o.display = None
        if cmd.get("display_quantity") is not None:
            if o.tif in ("IOC", "FOK") or market_style:
                return "invalid_combination"
            disp = parse_decimal(cmd["display_quantity"])
            if disp is None or disp <= 0 or not on_grid(disp, m.lot) or disp > qty:
                return "invalid_display_quantity"
            o.display = disp
        o.post_only = cmd.get("post_only") is True
        if o.post_only and (o.tif in ("IOC", "FOK") or market_style):
            return "invalid_combination"
        exp = cmd.get("expire_at")
        exp = exp if is_int(exp) else None
        if o.tif == "GTD":
            if exp is None:
                return "invalid_combination"
            if exp <= self.clock:
                return "expire_at_in_past"
            o.expire_at = exp
        elif exp is not None:
            return "invalid_combination"
        stp = cmd.get("stp")
        if stp is not None and stp not in STP_MODES:
            return "invalid_stp"
        o.stp = stp if stp is not None else "cancel_resting"
        if o.type in PRICED and o.price * qty < m.min_notional:
            return "min_notional"
        return None

    # -- stops -----------------------------------------------------------------------------
    def triggered(self, o):
        last = self.markets[o.symbol].last
        if last is None:
            return False
        if o.type in ("stop_loss", "stop_limit"):
            return last <= o.trigger if o.side == "sell" else last >= o.trigger
        return last >= o.trigger if o.side == "sell" else last <= o.trigger

    def run_triggers(self):
        while True:
            met = [o for o in self.pending if self.triggered(o)]
            if not met:
                return
            o = min(met, key=lambda x: x.placed)
            self.pending.remove(o)
            o.status = "new"
            o.eff_type = "market" if o.type in MARKET_STYLE else "limit"
            self.execute(o)

    # -- matching ----------------------------------------------------------------------------
    @staticmethod
    def crosses(taker, price):
        if taker.eff_type == "market":
            return True
        return price <= taker.price if taker.side == "buy" else price >= taker.price

    @staticmethod
    def best_maker(book, taker):
        makers = [r for r in book if r.side != taker.side and Model.crosses(taker, r.price)]
        if not makers:
            return None
        return min(makers, key=lambda r: (r.price if r.side == "sell" else -r.price, r.seq))

    def execute(self, o):
        m = self.markets[o.symbol]
        if o.eff_type == "limit" and o.post_only:
            if self.best_maker(m.resting, o) is not None:
                o.status = "rejected"
                o.reason = "post_only_would_take"
                return
        if o.tif == "FOK":
            if self.match(o, dry=True) < o.remaining:
                o.status = "expired"
                return
        self.match(o, dry=False)

    def match(self, taker, dry):
        m = self.markets[taker.symbol]
        book = copy.deepcopy(m.resting) if dry else m.resting
        rem = taker.remaining
        traded = Decimal(0)
        cancelled = False

        def drop(r):
            book.remove(r)
            r.status = "cancelled"

        def reslice(r):
            r.visible = min(r.display, r.remaining)
            r.seq = self.next_seq()

        while rem > 0:
            r = self.best_maker(book, taker)
            if r is None:
                break
            if key_of(r.user) == key_of(taker.user) and taker.stp != "none":
                mode = taker.stp
                if mode == "cancel_resting":
                    drop(r)
                    continue
                if mode == "cancel_incoming":
                    cancelled = True
                    break
                if mode == "cancel_both":
                    drop(r)
                    cancelled = True
                    break
                if mode == "decrement_both":
                    d = min(rem, r.remaining)
                    rem -= d
                    r.remaining -= d
                    r.visible -= min(d, r.visible)
                    if r.remaining == 0:
                        drop(r)
                    elif r.visible == 0:
                        reslice(r)
                    if rem == 0:
                        cancelled = True
                    continue
                # cancel_smallest
                if rem < r.remaining:
                    cancelled = True
                    break
                if r.remaining < rem:
                    drop(r)
                    continue
                drop(r)
                cancelled = True
                break
            q = min(rem, r.visible)
            rem -= q
            traded += q
            r.visible -= q
            r.remaining -= q
            r.filled += q
            if r.remaining == 0:
                book.remove(r)
                r.status = "filled"
            else:
                r.status = "partially_filled"
                if r.visible == 0:
                    reslice(r)
            if not dry:
                m.last = r.price
                self.record_trade(m, r, taker, q)
        if dry:
            return traded
        taker.remaining = rem
        taker.filled += traded
        if cancelled:
            taker.status = "cancelled"
        elif rem == 0:
            taker.status = "filled"
        elif taker.eff_type == "limit" and taker.tif in ("GTC", "GTD", "DAY"):
            taker.visible = min(taker.display, rem) if taker.display is not None else rem
            taker.seq = self.next_seq()
            taker.status = "partially_filled" if taker.filled > 0 else "new"
            book.append(taker)
        else:
            taker.status = "expired"
        return traded

    def record_trade(self, m, maker, taker, q):
        notional = maker.price * q
        with localcontext() as ctx:
            ctx.prec = 100
            mfee = (self.rates(maker.user)[0] * notional).quantize(
                Decimal(1).scaleb(-m.qp), rounding=ROUND_HALF_UP
            )
            tfee = (self.rates(taker.user)[1] * notional).quantize(
                Decimal(1).scaleb(-m.qp), rounding=ROUND_HALF_UP
            )
        self.tape.append(
            ",".join(
                [
                    str(len(self.tape) + 1),
                    m.name,
                    fmt(maker.price, m.tick_places),
                    fmt(q, m.lot_places),
                    str(maker.id),
                    str(taker.id),
                    taker.side,
                    fmt(mfee, m.qp),
                    fmt(tfee, m.qp),
                ]
            )
            + "\n"
        )

    # -- output --------------------------------------------------------------------------
    def outputs(self):
        orders = []
        for o in self.order_list:
            m = self.markets.get(o.symbol) if isinstance(o.symbol, str) else None
            filled = "0" if m is None else fmt(o.filled, m.lot_places)
            orders.append(f"{o.id},{o.status},{filled},{o.reason}\n")
        book = []
        for m in self.markets.values():
            bids = sorted(
                (r for r in m.resting if r.side == "buy"), key=lambda r: (-r.price, r.seq)
            )
            asks = sorted(
                (r for r in m.resting if r.side == "sell"), key=lambda r: (r.price, r.seq)
            )
            for r in bids + asks:
                book.append(
                    ",".join(
                        [
                            m.name,
                            r.side,
                            fmt(r.price, m.tick_places),
                            str(r.id),
                            fmt(r.visible, m.lot_places),
                            fmt(r.remaining, m.lot_places),
                        ]
                    )
                    + "\n"
                )
        return "".join(self.tape), "".join(orders), "".join(book)


def model_run(commands):
    model = Model()
    for cmd in commands:
        model.process(cmd)
    return model.outputs()


def engine_run(commands):
    res = replay(commands)
    return tuple(b.decode("utf-8") for b in (res.tape, res.orders, res.book))


def read_jsonl(path: Path):
    out = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append(json.loads(line))
    return out


# ---------------------------------------------------------------------------------------------
# 1. The model reproduces every hand-written workload
# ---------------------------------------------------------------------------------------------

EXPECTED = sorted(
    p.name[: -len(".jsonl")]
    for p in WORKLOADS.glob("*.jsonl")
    if (WORKLOADS / (p.name[: -len(".jsonl")] + ".expected")).is_dir()
)


@pytest.mark.parametrize("name", EXPECTED)
def test_model_reproduces_expected_workload(name):
    tape, orders, book = model_run(read_jsonl(WORKLOADS / f"{name}.jsonl"))
    exp = WORKLOADS / f"{name}.expected"
    assert orders == (exp / "orders.csv").read_text(), f"{name}: orders.csv"
    assert tape == (exp / "tape.csv").read_text(), f"{name}: tape.csv"
    assert book == (exp / "book.csv").read_text(), f"{name}: book.csv"


# ---------------------------------------------------------------------------------------------
# 2. Random command streams
# ---------------------------------------------------------------------------------------------

MIDNIGHT = 1_700_092_800_000  # a UTC midnight
USERS = ["u1", "u2", "u3", "4"]
SYMBOL_VARIANTS = [
    # tick, lot, mid (in ticks), extra fields
    ("0.01", "0.001", 10000, {"min_qty": "0.002", "min_notional": "0.3"}),
    ("0.05", "0.10", 400, {"quote_precision": 3}),
    ("0.010", "1", 250, {"quote_precision": 0, "min_notional": "10"}),
    ("0.25", "0.25", 80, {"min_qty": "0.50", "quote_precision": 4}),
    ("5", "0.00010", 2000, {"quote_precision": 2, "min_notional": "2"}),
]


def generate(seed: int, n: int = 150):
    rng = random.Random(seed)
    clock = MIDNIGHT - rng.choice([5_000, 20_000, 40_000])
    cmds = []
    symbols = [
        (name, *rng.choice(SYMBOL_VARIANTS[:2] if seed % 2 else SYMBOL_VARIANTS))
        for name in ("BTC-USDT", "ETH-EUR")
    ]
    for i, (name, tick, lot, _mid, extra) in enumerate(symbols):
        c = {
            "op": "symbol",
            "symbol": name,
            "base": name[:3],
            "quote": name[4:],
            "tick_size": tick,
            "lot_size": lot,
            **extra,
        }
        if i == 0:
            c["ts"] = clock
        cmds.append(c)
    users = USERS[:2] if seed % 3 == 0 else USERS
    big_step = rng.choice([4000, DAY_MS // 2, DAY_MS - 1])
    ids = []
    owner = {}
    next_id = 1

    def dec(units: int, step: str) -> str:
        text = fmt(Decimal(units) * Decimal(step), places(step))
        v = rng.random()
        if v < 0.03:
            return "+" + text
        if v < 0.06:
            return text + "00" if "." in text else text + ".00"
        if v < 0.08 and "." in text:
            return text.rstrip("0").rstrip(".") or "0"
        if v < 0.09 and text.startswith("0."):
            return text[1:]
        return text

    for _ in range(n):
        ts = None
        if rng.random() < 0.45:
            if rng.random() < 0.08:
                ts = clock - rng.choice([1, 1000])
            else:
                ts = clock + rng.choice([0, 1, 200, 700, 1500, 4000, big_step])
                clock = ts
        r = rng.random()
        if r < 0.70:
            name, tick, lot, mid, _extra = rng.choice(symbols)
            typ = rng.choices(TYPES + ("stop",), weights=[55, 8, 7, 7, 7, 7, 1])[0]
            priced = typ in PRICED
            c = {
                "op": "new",
                "id": next_id,
                "user": rng.choice(users + [4] * (seed % 3 != 0)),
                "symbol": name if rng.random() > 0.01 else "NOPE",
                "side": rng.choice(["buy", "sell"]) if rng.random() > 0.01 else "long",
                "type": typ,
            }
            if rng.random() < 0.04 and ids:
                dup = rng.choice(ids)
                c["id"] = str(dup) if rng.random() < 0.5 else dup
            else:
                if rng.random() < 0.1:
                    c["id"] = str(next_id)
                ids.append(next_id)
                owner[next_id] = c["user"]
                next_id += 1
            lots = rng.randint(1, 8)
            q = rng.random()
            if q < 0.01:
                c["quantity"] = "abc"
            elif q < 0.02:
                c["quantity"] = lots
            elif q < 0.03:
                c["quantity"] = "0"
            elif q < 0.04:
                c["quantity"] = dec(lots, lot) + "5"
            elif q < 0.045:
                pass
            else:
                c["quantity"] = dec(lots, lot)
            if priced:
                p = rng.random()
                if p < 0.01:
                    c["price"] = dec(mid, tick) + "1"
                elif p < 0.015:
                    c["price"] = "-1"
                elif p >= 0.02:
                    c["price"] = dec(mid + rng.randint(-4, 4), tick)
            elif rng.random() < 0.02:
                c["price"] = dec(mid, tick)
            elif rng.random() < 0.05:
                c["price"] = None
            if typ in STOPS:
                if rng.random() > 0.02:
                    c["trigger_price"] = dec(mid + rng.randint(-4, 4), tick)
            elif rng.random() < 0.02:
                c["trigger_price"] = dec(mid, tick)
            if priced or typ == "stop":
                tif = rng.choices(
                    [None, "GTC", "IOC", "FOK", "GTD", "DAY", "GTX", "gtc"],
                    weights=[35, 20, 10, 8, 15, 15, 1, 1],
                )[0]
            else:
                tif = rng.choices([None, "IOC", "FOK", "GTC", "DAY"], weights=[40, 20, 30, 2, 1])[0]
            if tif is not None or rng.random() < 0.05:
                c["tif"] = tif
            if tif == "GTD" and rng.random() > 0.03:
                c["expire_at"] = clock + rng.choice([-100, 0, 1, 300, 1500, 5000, 20000])
            elif rng.random() < 0.01:
                c["expire_at"] = clock + 5000
            elif tif == "GTD" and rng.random() < 0.3:
                c["expire_at"] = rng.choice([str(clock + 5000), None, 1.5])
            resting_tif = tif in (None, "GTC", "GTD", "DAY")
            if priced and rng.random() < (0.2 if resting_tif else 0.02):
                c["post_only"] = True
            elif rng.random() < 0.03:
                c["post_only"] = rng.choice([False, "true", 1])
            if priced and rng.random() < (0.25 if resting_tif else 0.03):
                c["display_quantity"] = dec(rng.randint(1, lots + (rng.random() < 0.1)), lot)
            elif rng.random() < 0.01:
                c["display_quantity"] = dec(1, lot)
            if rng.random() < 0.8:
                c["stp"] = rng.choice(list(STP_MODES) + ["bogus"] * (rng.random() < 0.05))
        elif r < 0.85:
            x = rng.random()
            if x < 0.1 or not ids:
                cid = 99999
            else:
                cid = rng.choice(ids[-15:] if rng.random() < 0.7 else ids)
            user = owner.get(cid, "u1") if rng.random() < 0.8 else rng.choice(users)
            c = {"op": "cancel", "id": cid if rng.random() < 0.8 else str(cid), "user": user}
        elif r < 0.90:
            c = {
                "op": "fees",
                "user": rng.choice(["*", "*"] + users),
                "maker": rng.choice(
                    [
                        "0.001",
                        "0",
                        "-0.0001",
                        "-0.00025",
                        "0.0005",
                        "0.00015",
                        "-0.00000001",
                        "0.000000005",
                    ]
                ),
                "taker": rng.choice(["0.002", "0.001", "0.0025", "0.00075", "0.0035"]),
            }
        else:
            c = {"op": "tick"}
            if ts is None and rng.random() < 0.9:
                clock += rng.choice([1, 1000, 5000, 15000])
                ts = clock
        if ts is not None:
            c["ts"] = ts
        cmds.append(c)
    return cmds


def differs(commands) -> bool:
    try:
        return engine_run(commands) != model_run(commands)
    except Exception:  # noqa: BLE001 - a crash on either side is a difference too
        return True


def shrink(commands):
    """Drops chunks of lines, then single lines, while engine and model still disagree."""
    cmds = list(commands)
    size = len(cmds) // 2
    while size >= 1:
        i = len(cmds) - size
        while i >= 0:
            trial = cmds[:i] + cmds[i + size :]
            if differs(trial):
                cmds = trial
            i -= size
        size //= 2
    changed = True
    while changed:
        changed = False
        for i in range(len(cmds) - 1, -1, -1):
            trial = cmds[:i] + cmds[i + 1 :]
            if differs(trial):
                cmds = trial
                changed = True
    return cmds


def first_difference(commands) -> str:
    try:
        eng = engine_run(commands)
    except Exception as exc:  # noqa: BLE001
        return f"engine raised {exc!r}"
    try:
        mod = model_run(commands)
    except Exception as exc:  # noqa: BLE001
        return f"model raised {exc!r}"
    for fname, e, m in zip(("tape.csv", "orders.csv", "book.csv"), eng, mod, strict=True):
        if e != m:
            el, ml = e.splitlines(), m.splitlines()
            for k in range(max(len(el), len(ml))):
                a = el[k] if k < len(el) else "<none>"
                b = ml[k] if k < len(ml) else "<none>"
                if a != b:
                    return (
                        f"{fname} line {k + 1}: engine {a!r} / model {b!r}\n"
                        f"--- engine {fname}:\n{e}--- model {fname}:\n{m}"
                    )
    return "no difference"


SEEDS = 300
COMMANDS = 150


def check_seeds(seeds, n):
    for seed in seeds:
        commands = generate(seed, n)
        if differs(commands):
            minimal = shrink(commands)
            text = "\n".join(json.dumps(c, separators=(",", ":")) for c in minimal)
            pytest.fail(
                f"seed {seed} x {n}: engine and model disagree; minimal command file:\n"
                f"{text}\n{first_difference(minimal)}"
            )


@pytest.mark.parametrize("block", range(10))
def test_engine_matches_reference_model_on_random_streams(block):
    check_seeds(range(block * SEEDS // 10, (block + 1) * SEEDS // 10), COMMANDS)


def test_engine_matches_reference_model_on_long_streams():
    check_seeds(range(100_000, 100_020), 1000)

"""`Engine.process` never raises, whatever JSON-like values the fields of a command hold,
and the engine's invariants hold after every command (SPEC.md §9.1-4: bad values are
rejections, refusals or malformed lines, never crashes). A second property runs streams of
valid orders of every kind and checks what SPEC.md §3 says of every trade."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import CONFIGURED, ORDER, REFUSED, TRADE, as_record

from .helpers import limit, symbol

NAMES = [
    "BTC-USDT",
    "ETH-USDT",
    "NOPE",
    "buy",
    "sell",
    "limit",
    "market",
    "stop_loss",
    "stop_limit",
    "take_profit",
    "take_profit_limit",
    "GTC",
    "IOC",
    "FOK",
    "GTD",
    "DAY",
    "none",
    "cancel_resting",
    "cancel_incoming",
    "cancel_both",
    "decrement_both",
    "cancel_smallest",
    "*",
    "u1",
    "u2",
    "1",
    "",
]
DECIMALS = [
    "1.000",
    "0.001",
    "0.500",
    "2",
    "100.00",
    "99.99",
    "100.01",
    "100",
    "0",
    "-1",
    "1e3",
    "0.0005",
    ".5",
    "+1.0",
    "1.",
    "١٢",
    " 1",
    "0.01",
    "0.0010",
    "-0.0001",
    "99999999999999.99",
]
INTS = [0, 1, 2, 3, 5000, 86_400_000, 10**13, -1, 2**63, 10**30]

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(NAMES),
    st.sampled_from(DECIMALS),
    st.sampled_from(INTS),
)
json_value = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = {
    "new": [
        "id",
        "user",
        "symbol",
        "side",
        "type",
        "quantity",
        "price",
        "trigger_price",
        "tif",
        "expire_at",
        "post_only",
        "display_quantity",
        "stp",
        "ts",
    ],
    "cancel": ["id", "user", "ts"],
    "symbol": [
        "symbol",
        "base",
        "quote",
        "tick_size",
        "lot_size",
        "min_qty",
        "min_notional",
        "quote_precision",
        "ts",
    ],
    "fees": ["user", "maker", "taker", "ts"],
    "tick": ["ts"],
}


@st.composite
def arbitrary_command(draw):
    op = draw(st.sampled_from([*FIELDS, None]))
    if op is None:
        return draw(json_value)  # anything at all, object or not
    cmd = {"op": op}
    for field in FIELDS[op]:
        if draw(st.booleans()):
            cmd[field] = draw(json_value)
    if draw(st.integers(0, 9)) == 0:
        cmd[draw(st.text(max_size=5))] = draw(json_value)
    return cmd


def seed_commands():
    """Two markets with resting orders, a last price, a waiting stop and a GTD order."""
    return [
        symbol(),
        symbol("ETH-USDT", lot="0.01", quote_precision=2, min_notional="1"),
        limit("s1", "u1", "sell", "1.000", "100.01", display_quantity="0.500"),
        limit("s2", "u2", "sell", "1.000", "100.02"),
        limit("b1", "u1", "buy", "1.000", "99.99"),
        limit("b2", "u2", "buy", "1.000", "99.98", tif="GTD", expire_at=10_000),
        limit("t1", "u3", "sell", "0.100", "99.99"),
        {
            "op": "new",
            "id": "w1",
            "user": "u1",
            "symbol": "BTC-USDT",
            "side": "sell",
            "type": "stop_loss",
            "quantity": "0.100",
            "trigger_price": "50.00",
        },
    ]


KINDS = {ORDER, TRADE, REFUSED, CONFIGURED}


def process_checked(engine, cmd):
    events = engine.process(cmd)
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, tuple) and event[0] in KINDS
        as_record(event)
    engine.check_invariants()
    return events


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(arbitrary_command(), min_size=1, max_size=12))
def test_arbitrary_field_values_never_make_process_raise(commands):
    engine = Engine()
    for cmd in seed_commands():
        process_checked(engine, cmd)
    for cmd in commands:
        process_checked(engine, cmd)
    list(engine.resting_orders())


# ---- streams of valid orders --------------------------------------------------------------

PRICES = ["99.97", "99.98", "99.99", "100.00", "100.01", "100.02", "100.03"]
QUANTITIES = ["0.001", "0.002", "0.003", "0.005", "0.010"]


@st.composite
def valid_command(draw, index):
    kind = draw(
        st.sampled_from(["limit", "limit", "limit", "market", "stop", "cancel", "tick", "fees"])
    )
    user = draw(st.sampled_from(["u1", "u2", "u3"]))
    ts = 1000 * index
    if kind == "cancel":
        return {"op": "cancel", "id": draw(st.integers(0, index)), "user": user, "ts": ts}
    if kind == "tick":
        return {"op": "tick", "ts": ts + draw(st.integers(0, 3000))}
    if kind == "fees":
        rate = st.sampled_from(["0", "0.001", "-0.0001", "0.0025"])
        return {
            "op": "fees",
            "user": draw(st.sampled_from(["*", user])),
            "maker": draw(rate),
            "taker": draw(rate),
        }
    cmd = {
        "op": "new",
        "id": index,
        "user": user,
        "symbol": "BTC-USDT",
        "side": draw(st.sampled_from(["buy", "sell"])),
        "quantity": draw(st.sampled_from(QUANTITIES)),
        "stp": draw(
            st.sampled_from(
                [
                    "none",
                    "cancel_resting",
                    "cancel_incoming",
                    "cancel_both",
                    "decrement_both",
                    "cancel_smallest",
                ]
            )
        ),
        "ts": ts,
    }
    if kind == "market":
        cmd.update(type="market", tif=draw(st.sampled_from(["IOC", "FOK"])))
        return cmd
    priced = kind == "limit" or draw(st.booleans())
    if kind == "stop":
        cmd["type"] = draw(
            st.sampled_from(
                ["stop_limit", "take_profit_limit"] if priced else ["stop_loss", "take_profit"]
            )
        )
        cmd["trigger_price"] = draw(st.sampled_from(PRICES))
    else:
        cmd["type"] = "limit"
    if not priced:
        cmd["tif"] = draw(st.sampled_from(["IOC", "FOK"]))
        return cmd
    cmd["price"] = draw(st.sampled_from(PRICES))
    tif = draw(st.sampled_from(["GTC", "GTC", "IOC", "FOK", "GTD", "DAY"]))
    cmd["tif"] = tif
    if tif == "GTD":
        cmd["expire_at"] = ts + draw(st.integers(1, 5000))
    if tif in ("GTC", "GTD", "DAY"):
        if draw(st.booleans()):
            cmd["display_quantity"] = draw(st.sampled_from(["0.001", "0.002"]))
        if draw(st.integers(0, 4)) == 0:
            cmd["post_only"] = True
    return cmd


@st.composite
def valid_stream(draw):
    size = draw(st.integers(1, 40))
    return [draw(valid_command(index)) for index in range(1, size + 1)]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(valid_stream())
def test_valid_streams_keep_fills_trades_and_prices_consistent(commands):
    engine, twin = Engine(), Engine()
    for cmd in [symbol(), *commands]:
        events = process_checked(engine, cmd)
        assert twin.process(cmd) == events, "the engine is deterministic"
    traded = defaultdict(int)
    last = {}
    limits = {}
    for cmd in commands:
        if cmd["op"] == "new" and "price" in cmd:
            limits[str(cmd["id"])] = float(cmd["price"])
    engine2 = Engine()
    engine2.process(symbol())
    for cmd in commands:
        for event in engine2.process(cmd):
            record = as_record(event)
            if record.kind == TRADE:
                assert record.quantity > 0
                traded[str(record.maker_order_id)] += record.quantity
                traded[str(record.taker_order_id)] += record.quantity
                assert record.maker_user != record.taker_user or _stp_none(commands, record)
                taker_limit = limits.get(str(record.taker_order_id))
                price = record.price / 100
                if taker_limit is not None:
                    if record.taker_side == "buy":
                        assert price <= taker_limit
                    else:
                        assert price >= taker_limit
            elif record.kind == ORDER:
                last[str(record.order_id)] = record
    for order_id, record in last.items():
        assert record.filled == traded[order_id], order_id
        assert record.filled + record.remaining <= record.quantity
        if record.status == "filled":
            assert record.remaining == 0
        if record.status in ("new", "pending_trigger"):
            assert record.filled == 0


def _stp_none(commands, trade):
    for cmd in commands:
        if cmd["op"] == "new" and str(cmd["id"]) == str(trade.taker_order_id):
            return cmd.get("stp") == "none"
    return False

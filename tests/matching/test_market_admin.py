"""Market administration (engine/admin.py, an extension of SPEC.md): the `market` command halts
and resumes a market and changes its tick, lot and minimums. A halted market rejects new
orders with `symbol_halted` but still cancels and expires; a refused change touches nothing;
a new tick or lot rescales the live orders keeping the book exactly; snapshots and recovery
keep the status and the changed definition."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import Engine, malformed_reason
from matching.engine.events import CONFIGURED, MARKET_STATUS, REFUSED
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256
from matching.engine.units import to_decimal
from matching.journal import JournalWriter
from matching.journaled_run import run_journaled
from matching.recovery import recover
from matching.snapshots import write_snapshot

from .helpers import SYMBOL, cancel, fees, limit, market, new, run, symbol, tick


def configure(sym: str = SYMBOL, **fields) -> dict:
    """A `market` command."""
    return {"op": "market", "symbol": sym, **fields}


def halt(**extra) -> dict:
    return configure(status="halted", **extra)


def resume(**extra) -> dict:
    return configure(status="trading", **extra)


def engine_after(commands: list[dict]) -> Engine:
    """A fresh engine after the default symbol line and `commands`, invariants checked."""
    engine = Engine()
    for cmd in [symbol(), *commands]:
        engine.process(cmd)
        engine.check_invariants()
    return engine


def refused(reason: str, sym: object = SYMBOL) -> list[tuple]:
    return [(REFUSED, "market", sym, None, reason)]


CONFIGURED_EVENTS = [(CONFIGURED, "market", SYMBOL)]
HALTED_EVENTS = [*CONFIGURED_EVENTS, (MARKET_STATUS, SYMBOL, "halted", "admin", None)]
RESUMED_EVENTS = [*CONFIGURED_EVENTS, (MARKET_STATUS, SYMBOL, "trading", None, None)]


# ---- the command ---------------------------------------------------------------------------


def test_market_is_a_command_not_a_malformed_line():
    assert malformed_reason(configure()) is None
    engine = engine_after([])
    assert engine.process(configure()) == CONFIGURED_EVENTS
    assert engine.seq == 2


def test_a_defined_market_is_trading():
    assert engine_after([]).market_config(SYMBOL)["status"] == "trading"


def test_halting_answers_configured_and_the_new_status_and_sets_it():
    engine = engine_after([])
    assert engine.process(halt()) == HALTED_EVENTS
    assert engine.market_config(SYMBOL)["status"] == "halted"
    assert engine.process(halt()) == CONFIGURED_EVENTS  # no change, no status event
    assert engine.process(resume()) == RESUMED_EVENTS


def test_a_market_command_with_nothing_to_change_is_configured_and_changes_nothing():
    engine = engine_after([limit(1, "u1", "buy", "1.000", "100.00")])
    before = dump_state(engine)
    assert engine.process(configure(tick_size="0.01", lot_size=None)) == CONFIGURED_EVENTS
    before["seq"] += 1
    assert dump_state(engine) == before


def test_a_market_command_moves_the_clock_and_expires_first_like_any_line():
    engine = engine_after([limit(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=5_000)])
    events = engine.process(halt(ts=5_000))
    assert [(e[0], e[1], e[5]) for e in events[:1]] == [("order", 1, "expired")]
    assert events[1:] == HALTED_EVENTS
    assert engine.clock == 5_000 and engine.live == {}


# ---- a halted market -------------------------------------------------------------------------


def test_order_on_halted_market_is_rejected_symbol_halted():
    r = run([halt(), limit(1, "u1", "buy", "1.000", "100.00")])
    assert r.orders == ["1,rejected,0.000,symbol_halted"]
    assert r.book == []


def test_symbol_halted_comes_before_invalid_side():
    r = run([halt(), new(1, "u1", "up", "limit", "1.000", price="100.00")])
    assert r.status(1) == "rejected,0.000,symbol_halted"


def test_unknown_symbol_comes_before_symbol_halted():
    r = run([halt(), limit(1, "u1", "buy", "1.000", "100.00", symbol="ETH-USDT")])
    assert r.status(1) == "rejected,0,unknown_symbol"


def test_a_duplicate_id_on_a_halted_market_is_still_a_duplicate():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), halt(), limit(1, "u1", "buy", "1", "99")])
    assert r.events[2] == [(REFUSED, "new", 1, "u1", "duplicate_order_id")]
    assert r.orders == ["1,new,0.000,"]


def test_a_rejected_order_on_a_halted_market_uses_its_id():
    r = run(
        [
            halt(),
            limit(1, "u1", "buy", "1.000", "100.00"),
            resume(),
            limit(1, "u1", "buy", "1", "99"),
        ]
    )
    assert r.events[3] == [(REFUSED, "new", 1, "u1", "duplicate_order_id")]


def test_halting_one_market_leaves_another_trading():
    r = run(
        [
            symbol("ETH-USDT"),
            halt(),
            limit(1, "u1", "buy", "1.000", "100.00", symbol="ETH-USDT"),
            limit(2, "u2", "sell", "1.000", "100.00", symbol="ETH-USDT"),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,"]


def test_cancel_is_allowed_on_halted_market():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), halt(), cancel(1, "u1")])
    assert r.orders == ["1,cancelled,0.000,"]
    assert r.book == []


def test_a_waiting_stop_can_be_cancelled_on_a_halted_market():
    r = run(
        [new(1, "u1", "sell", "stop_loss", "1.000", trigger_price="95.00"), halt(), cancel(1, "u1")]
    )
    assert r.status(1) == "cancelled,0.000,"
    assert r.engine.live == {}


def test_orders_expire_on_a_halted_market():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=10_000),
            limit(2, "u2", "sell", "1.000", "101.00", tif="DAY"),
            halt(),
            tick(86_400_000),
        ]
    )
    assert r.orders == ["1,expired,0.000,", "2,expired,0.000,"]
    assert r.engine.live == {}


def test_a_halted_market_keeps_its_book():
    r = run([limit(1, "u1", "buy", "1.000", "100.00"), halt(), market(2, "u2", "sell", "1.000")])
    assert r.orders == ["1,new,0.000,", "2,rejected,0.000,symbol_halted"]
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]


def test_a_resumed_market_trades_again():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            halt(),
            limit(2, "u2", "sell", "1.000", "100.00"),
            resume(),
            limit(3, "u3", "sell", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,rejected,0.000,symbol_halted", "3,filled,1.000,"]
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,3,sell,0.10000000,0.20000000"]


# ---- refusals ---------------------------------------------------------------------------------


def test_a_market_command_for_an_unknown_symbol_is_refused_unknown_symbol():
    engine = engine_after([])
    assert engine.process(halt() | {"symbol": "ETH-USDT"}) == refused("unknown_symbol", "ETH-USDT")
    assert engine.process({"op": "market"}) == refused("unknown_symbol", None)


@pytest.mark.parametrize("field", ["base", "quote", "quote_precision", "tick", "id"])
def test_a_field_that_cannot_change_is_refused_invalid_field(field):
    engine = engine_after([])
    assert engine.process(configure(**{field: "X"})) == refused("invalid_field")


def test_a_null_field_counts_as_absent_and_is_not_invalid():
    engine = engine_after([])
    assert engine.process(halt(base=None, quote_precision=None)) == HALTED_EVENTS


@pytest.mark.parametrize("status", ["HALTED", "open", "", 1, True, ["halted"]])
def test_an_unknown_status_is_refused_invalid_status(status):
    engine = engine_after([])
    assert engine.process(configure(status=status)) == refused("invalid_status")
    assert engine.market_config(SYMBOL)["status"] == "trading"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tick_size", "0"),
        ("tick_size", "-0.01"),
        ("tick_size", 0.05),
        ("tick_size", "1e-2"),
        ("lot_size", "0.000"),
        ("lot_size", "abc"),
        ("min_qty", "-1"),
        ("min_qty", 1),
        ("min_notional", "-0.01"),
        ("min_notional", "ten"),
    ],
)
def test_a_bad_decimal_is_refused_as_in_a_symbol_line(field, value):
    engine = engine_after([])
    assert engine.process(configure(**{field: value})) == refused(f"invalid_{field}")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "bad", "base": "X"}, "invalid_field"),
        ({"status": "bad", "tick_size": "0"}, "invalid_status"),
        ({"tick_size": "0", "lot_size": "0"}, "invalid_tick_size"),
        ({"lot_size": "0", "min_qty": "0"}, "invalid_lot_size"),
        ({"min_qty": "0", "min_notional": "-1"}, "invalid_min_qty"),
        ({"tick_size": "0.05", "min_notional": "-1"}, "invalid_min_notional"),
    ],
)
def test_refusal_reasons_are_checked_in_order(fields, reason):
    engine = engine_after([limit(1, "u1", "buy", "1.000", "100.03")])  # would strand at 0.05
    assert engine.process(configure(**fields)) == refused(reason)


def test_a_tick_change_that_would_strand_a_resting_price_is_refused():
    r = run([limit(1, "u1", "buy", "1.000", "100.03"), configure(tick_size="0.05")])
    assert r.events[1] == refused("would_strand_orders")
    assert r.engine.market_config(SYMBOL)["tick_size"] == "0.01"
    assert r.book == ["BTC-USDT,buy,100.03,1,1.000,1.000"]


def test_a_tick_change_that_would_strand_a_trigger_price_is_refused():
    engine = engine_after([new(1, "u1", "sell", "stop_loss", "1.000", trigger_price="99.99")])
    assert engine.process(configure(tick_size="0.05")) == refused("would_strand_orders")


def test_a_tick_change_that_would_strand_a_triggered_orders_trigger_price_is_refused():
    # 2 activates at the trade at 100.05 and rests at 99.00, keeping its trigger of 100.02
    engine = engine_after(
        [
            new(2, "u2", "buy", "stop_limit", "1.000", trigger_price="100.02", price="99.00"),
            limit(3, "u3", "sell", "1.000", "100.05"),
            limit(4, "u4", "buy", "1.000", "100.05"),
        ]
    )
    assert engine.live[2].status == "new" and engine.live[2].trigger_price == 10002
    assert engine.process(configure(tick_size="0.05")) == refused("would_strand_orders")


def test_a_lot_change_that_would_strand_a_quantity_is_refused():
    engine = engine_after([limit(1, "u1", "buy", "1.005", "100.00")])
    assert engine.process(configure(lot_size="0.01")) == refused("would_strand_orders")


def test_a_lot_change_that_would_strand_a_partial_fill_is_refused():
    # 1.000 and 0.995 are whole lots of 0.005; the 0.005 filled and remaining 0.995 are not
    # whole lots of 0.01, though the quantity 1.000 is.
    engine = engine_after(
        [limit(1, "u1", "buy", "1.000", "100.00"), limit(2, "u2", "sell", "0.005", "100.00")]
    )
    assert engine.process(configure(lot_size="0.01")) == refused("would_strand_orders")
    assert engine.process(configure(lot_size="0.005")) == CONFIGURED_EVENTS


def test_a_lot_change_that_would_strand_an_iceberg_slice_is_refused():
    engine = engine_after([limit(1, "u1", "sell", "1.000", "100.00", display_quantity="0.105")])
    assert engine.process(configure(lot_size="0.01")) == refused("would_strand_orders")


def test_a_tick_change_that_puts_the_last_price_off_grid_is_refused_last_price_off_grid():
    engine = engine_after(
        [limit(1, "u1", "buy", "1.000", "100.03"), limit(2, "u2", "sell", "1.000", "100.03")]
    )
    assert engine.live == {}
    assert engine.process(configure(tick_size="0.05")) == refused("last_price_off_grid")


def test_would_strand_orders_comes_before_last_price_off_grid():
    engine = engine_after(
        [
            limit(1, "u1", "buy", "1.000", "100.03"),
            limit(2, "u2", "sell", "0.500", "100.03"),
        ]
    )
    assert engine.process(configure(tick_size="0.05")) == refused("would_strand_orders")


def test_a_refused_market_command_changes_nothing_but_the_command_count():
    engine = engine_after(
        [
            limit(1, "u1", "buy", "1.000", "100.03"),
            limit(2, "u2", "sell", "0.500", "100.03"),
            new(3, "u3", "sell", "stop_loss", "1.000", trigger_price="99.00"),
            limit(4, "u4", "sell", "2.000", "101.00", display_quantity="0.500", tif="DAY"),
        ]
    )
    before = dump_state(engine)
    for cmd in (
        configure(tick_size="0.05", status="halted", min_qty="0.5"),
        configure(lot_size="0.3", status="halted"),
        configure(min_qty="0", status="halted"),
        configure(status="stopped", tick_size="0.02"),
        configure(base="ETH", status="halted"),
    ):
        assert engine.process(cmd)[0][:2] == (REFUSED, "market")
        engine.check_invariants()
    before["seq"] += 5
    assert hashlib.sha256(canonical_json(before)).hexdigest() == state_sha256(engine)
    assert engine.process(limit(5, "u5", "buy", "0.001", "99.00"))[0][5] == "new"


def test_a_refused_market_command_with_ts_still_moves_the_clock():
    engine = engine_after([limit(1, "u1", "buy", "1.000", "100.03")])
    before = dump_state(engine)
    assert engine.process(configure(tick_size="0.05", ts=7_000)) == refused("would_strand_orders")
    before["seq"] += 1
    before["clock"] = 7_000
    assert dump_state(engine) == before


# ---- a new tick: rescaling ----------------------------------------------------------------------

TICK_BOOK = [
    limit(1, "u1", "buy", "1.000", "100.05"),
    limit(2, "u2", "buy", "1.000", "100.10"),
    limit(3, "u3", "buy", "1.000", "100.05"),
    limit(4, "u4", "sell", "1.000", "100.50"),
]


def test_a_coarser_tick_is_accepted_when_every_price_is_on_it():
    r = run([*TICK_BOOK, configure(tick_size="0.05")])
    assert r.events[4] == CONFIGURED_EVENTS
    assert r.engine.market_config(SYMBOL)["tick_size"] == "0.05"
    assert [o.price for o in map(r.engine.live.get, (1, 2, 3, 4))] == [2001, 2002, 2001, 2010]


def test_a_tick_change_keeps_levels_and_fifo_order():
    r = run([*TICK_BOOK, configure(tick_size="0.05")])
    assert r.book == [
        "BTC-USDT,buy,100.10,2,1.000,1.000",
        "BTC-USDT,buy,100.05,1,1.000,1.000",
        "BTC-USDT,buy,100.05,3,1.000,1.000",
        "BTC-USDT,sell,100.50,4,1.000,1.000",
    ]
    assert [r.engine.live[i].priority for i in (1, 2, 3, 4)] == [1, 2, 3, 4]


def test_after_a_tick_change_orders_match_in_priority_at_the_right_prices():
    r = run([*TICK_BOOK, configure(tick_size="0.05"), limit(5, "u5", "sell", "2.500", "100.05")])
    # fees: 0.001 and 0.002 of 100.10 x 1, 100.05 x 1, 100.05 x 0.5
    assert r.tape == [
        "1,BTC-USDT,100.10,1.000,2,5,sell,0.10010000,0.20020000",
        "2,BTC-USDT,100.05,1.000,1,5,sell,0.10005000,0.20010000",
        "3,BTC-USDT,100.05,0.500,3,5,sell,0.05002500,0.10005000",
    ]
    assert r.book == [
        "BTC-USDT,buy,100.05,3,0.500,0.500",
        "BTC-USDT,sell,100.50,4,1.000,1.000",
    ]
    assert r.engine.markets[SYMBOL].last_price == 2001  # 100.05 in ticks of 0.05


def test_after_a_tick_change_new_prices_must_be_on_the_new_grid():
    r = run(
        [
            configure(tick_size="0.05"),
            limit(1, "u1", "buy", "1.000", "100.03"),
            limit(2, "u2", "buy", "1.000", "100.05"),
        ]
    )
    assert r.orders == ["1,rejected,0.000,tick_size", "2,new,0.000,"]


def test_a_finer_tick_always_fits_and_multiplies_the_units():
    r = run(
        [
            configure(tick_size="0.05"),
            limit(1, "u1", "buy", "1.000", "100.05"),
            configure(tick_size="0.001"),
            limit(2, "u2", "buy", "1.000", "100.051"),
        ]
    )
    assert r.events[2] == CONFIGURED_EVENTS
    assert r.book == [
        "BTC-USDT,buy,100.051,2,1.000,1.000",
        "BTC-USDT,buy,100.050,1,1.000,1.000",
    ]
    assert r.engine.live[1].price == 100_050


def test_the_tick_as_written_sets_the_printed_decimals():
    r = run([limit(1, "u1", "buy", "1.000", "100.10"), configure(tick_size="0.1")])
    assert r.book == ["BTC-USDT,buy,100.1,1,1.000,1.000"]
    assert r.engine.live[1].price == 1001


def test_the_last_price_is_rescaled_with_the_tick():
    engine = engine_after(
        [limit(1, "u1", "buy", "1.000", "100.10"), limit(2, "u2", "sell", "1.000", "100.10")]
    )
    assert engine.markets[SYMBOL].last_price == 10010
    assert engine.process(configure(tick_size="0.05")) == CONFIGURED_EVENTS
    assert engine.markets[SYMBOL].last_price == 2002


def test_waiting_stops_keep_their_trigger_and_placement_order_across_a_tick_change():
    r = run(
        [
            limit(1, "m1", "buy", "1.000", "98.00"),
            new(10, "u10", "sell", "stop_loss", "0.100", trigger_price="98.00"),
            new(11, "u11", "sell", "stop_loss", "0.100", trigger_price="99.00"),
            configure(tick_size="0.50"),
            limit(2, "m2", "sell", "0.100", "99.50"),
            limit(3, "m3", "buy", "0.100", "99.50"),  # trades at 99.50: nothing triggers
            limit(4, "m4", "sell", "0.100", "98.00"),  # trades at 98.00: both are met
        ]
    )
    assert r.engine.markets[SYMBOL].stops.size == 0
    activated = [u.order_id for u in r.order_updates(6) if u.order_id in (10, 11)]
    assert activated == [10, 11], "earliest placed first"
    assert r.tape[1:] == [  # fees: 0.001 and 0.002 of 9.80
        "2,BTC-USDT,98.00,0.100,1,4,sell,0.00980000,0.01960000",
        "3,BTC-USDT,98.00,0.100,1,10,sell,0.00980000,0.01960000",
        "4,BTC-USDT,98.00,0.100,1,11,sell,0.00980000,0.01960000",
    ]


def test_a_waiting_stop_has_its_trigger_in_the_new_ticks():
    engine = engine_after(
        [new(1, "u1", "buy", "stop_limit", "1.000", trigger_price="101.00", price="101.50")]
    )
    assert engine.process(configure(tick_size="0.50")) == CONFIGURED_EVENTS
    order = engine.live[1]
    assert (order.trigger_price, order.price, order.market) == (202, 203, engine.markets[SYMBOL])


def test_a_resting_order_with_a_gtd_still_expires_after_a_tick_change():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=9_000),
            configure(tick_size="0.10"),
            tick(9_000),
        ]
    )
    assert r.orders == ["1,expired,0.000,"]
    assert len(r.engine.expiries) == 0


def test_a_tick_change_moves_the_live_orders_to_the_market_now_in_the_engine():
    engine = engine_after(
        [*TICK_BOOK, new(9, "u9", "sell", "stop_loss", "1.000", trigger_price="90.00")]
    )
    engine.process(configure(tick_size="0.05"))
    current = engine.markets[SYMBOL]
    assert all(order.market is current for order in engine.live.values())
    assert list(engine.markets) == [SYMBOL]


def test_a_tick_change_keeps_the_markets_in_definition_order():
    engine = engine_after([symbol("ETH-USDT"), configure(tick_size="0.05")])
    assert list(engine.markets) == [SYMBOL, "ETH-USDT"]


# ---- a new lot ---------------------------------------------------------------------------------


def test_a_coarser_lot_rescales_quantities_and_keeps_the_queue():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u2", "sell", "0.500", "100.00"),
            configure(lot_size="0.1"),
            limit(3, "u3", "buy", "1.2", "100.00"),
        ]
    )
    assert r.events[2] == CONFIGURED_EVENTS
    assert r.tape == [
        "1,BTC-USDT,100.00,1.0,1,3,buy,0.10000000,0.20000000",
        "2,BTC-USDT,100.00,0.2,2,3,buy,0.02000000,0.04000000",
    ]
    assert r.book == ["BTC-USDT,sell,100.00,2,0.3,0.3"]
    order = r.engine.live[2]
    assert (order.quantity, order.filled, order.remaining, order.visible) == (5, 2, 3, 3)


def test_after_a_lot_change_new_quantities_must_be_whole_lots():
    r = run([configure(lot_size="0.1"), limit(1, "u1", "buy", "0.05", "100.00")])
    assert r.status(1) == "rejected,0.0,lot_size"


def test_an_iceberg_keeps_its_slice_and_hidden_quantity_across_a_lot_change():
    r = run(
        [
            limit(1, "u1", "sell", "1.000", "100.00", display_quantity="0.300"),
            limit(2, "u2", "sell", "1.000", "100.00"),
            limit(3, "u3", "buy", "0.100", "100.00"),  # 1 shows 0.200 of 0.900
            configure(lot_size="0.100"),
            limit(4, "u4", "buy", "0.500", "100.00"),  # 0.200 of 1, then 0.300 of 2
        ]
    )
    assert r.tape[1:] == [
        "2,BTC-USDT,100.00,0.200,1,4,buy,0.02000000,0.04000000",
        "3,BTC-USDT,100.00,0.300,2,4,buy,0.03000000,0.06000000",
    ]
    # 1 showed a new slice of 0.300 at the back, behind 2
    assert r.book == [
        "BTC-USDT,sell,100.00,2,0.700,0.700",
        "BTC-USDT,sell,100.00,1,0.300,0.700",
    ]
    assert r.engine.live[1].display == 3


# ---- minimums ----------------------------------------------------------------------------------


def test_a_new_min_qty_applies_to_later_orders_only():
    r = run(
        [
            limit(1, "u1", "sell", "0.500", "100.00"),
            configure(min_qty="1"),
            limit(2, "u2", "buy", "0.500", "100.00"),
            limit(3, "u3", "buy", "1.000", "100.00"),
        ]
    )
    assert r.orders == ["1,filled,0.500,", "2,rejected,0.000,min_qty", "3,partially_filled,0.500,"]


def test_a_new_min_notional_applies_to_later_orders_only():
    r = run(
        [
            limit(1, "u1", "sell", "0.100", "100.00"),
            configure(min_notional="50"),
            limit(2, "u2", "buy", "0.499", "100.00"),
            limit(3, "u3", "buy", "0.500", "100.00"),
        ]
    )
    assert r.orders == [
        "1,filled,0.100,",
        "2,rejected,0.000,min_notional",
        "3,partially_filled,0.100,",
    ]


def test_a_defaulted_min_qty_keeps_its_value_when_the_lot_changes():
    engine = engine_after([configure(lot_size="0.0001")])
    assert engine.market_config(SYMBOL)["min_qty"] == "0.001"
    assert engine.process(limit(1, "u1", "buy", "0.0005", "100.00"))[0][11] == "min_qty"


# ---- configuration read-back -------------------------------------------------------------------


def test_market_config_gives_the_definition_as_written_with_the_changes_and_status():
    engine = engine_after([halt(tick_size="0.050", min_notional="10.0")])
    assert engine.market_config(SYMBOL) == {
        "symbol": SYMBOL,
        "base": "BTC",
        "quote": "USDT",
        "tick_size": "0.050",
        "lot_size": "0.001",
        "min_qty": "0.001",
        "min_notional": "10.0",
        "quote_precision": 8,
        "status": "halted",
        "version": 0,
    }


def test_a_market_line_records_the_configuration_version_it_applies():
    engine = engine_after([configure(version=3)])
    assert engine.market_config(SYMBOL)["version"] == 3
    assert engine.process(configure(version=-1)) == refused("invalid_version")
    assert engine.process(configure(version=True)) == refused("invalid_version")


def test_a_symbol_line_may_set_status_and_version():
    engine = Engine()
    spec = {"op": "symbol", "symbol": "X-Y", "base": "X", "quote": "Y", "tick_size": "1"}
    engine.process({**spec, "lot_size": "1", "status": "halted", "version": 2})
    config = engine.market_config("X-Y")
    assert (config["status"], config["version"]) == ("halted", 2)


def test_a_fees_reset_returns_the_user_to_the_default_rates():
    engine = Engine()
    engine.process({"op": "fees", "user": "7", "maker": "-0.0001", "taker": "0.001"})
    engine.process({"op": "fees", "user": "7", "reset": True})
    assert 7 not in engine.fee_config()


def test_market_config_of_an_unknown_symbol_is_none():
    engine = engine_after([])
    assert engine.market_config("ETH-USDT") is None
    assert engine.market_config(["BTC-USDT"]) is None


def test_market_config_is_a_copy():
    engine = engine_after([])
    engine.market_config(SYMBOL)["tick_size"] = "1"
    assert engine.market_config(SYMBOL)["tick_size"] == "0.01"


def test_fee_config_starts_with_the_default_rates():
    assert Engine().fee_config() == {"*": ("0.001", "0.002")}


def test_fee_config_gives_rates_in_one_canonical_text():
    engine = engine_after(
        [
            fees("*", "0.0010", "+.002"),
            fees("u1", "-0.00020", "0.0030"),
            fees("7", "-0", "1.000"),
            fees(8, "10", "0"),
        ]
    )
    assert engine.fee_config() == {
        "*": ("0.001", "0.002"),
        "u1": ("-0.0002", "0.003"),
        7: ("0", "1"),
        8: ("10", "0"),
    }


# ---- snapshots and recovery --------------------------------------------------------------------

CHANGED = [
    *TICK_BOOK,
    limit(5, "u5", "sell", "0.500", "100.10"),  # last price 100.10
    new(6, "u6", "sell", "stop_loss", "1.000", trigger_price="99.00", tif="FOK"),
    limit(
        7, "u7", "sell", "3.000", "101.00", display_quantity="1.000", tif="GTD", expire_at=60_000
    ),
    configure(tick_size="0.05", lot_size="0.010", min_notional="5"),
    halt(ts=1_000),
]
AFTER = [
    limit(8, "u8", "buy", "1.00", "101.00"),  # symbol_halted
    cancel(3, "u3"),
    resume(),
    limit(9, "u9", "buy", "2.00", "101.00"),  # 4 at 100.50, then the slice of 7
    limit(10, "u10", "sell", "2.50", "99.00"),  # 2 and 1, then rests 1.00 at 99.00
    limit(12, "u12", "buy", "1.00", "99.00"),  # last 99.00: 6 triggers, FOK finds no bid
    limit(11, "u11", "buy", "0.06", "99.00"),  # 5.94 >= min_notional 5
    tick(60_000),  # 7 expires
    configure(lot_size="0.001"),
    limit(13, "u13", "buy", "0.051", "99.00"),
]


def test_a_snapshot_keeps_the_status_and_the_changed_definition():
    live = engine_after(CHANGED)
    restored = load_state(json.loads(canonical_json(dump_state(live))))
    assert state_sha256(restored) == state_sha256(live)
    assert restored.market_config(SYMBOL) == live.market_config(SYMBOL)
    assert restored.market_config(SYMBOL)["status"] == "halted"
    assert restored.market_config(SYMBOL)["tick_size"] == "0.05"
    restored.check_invariants()


def test_a_restored_engine_goes_on_like_the_live_one_after_a_change():
    live = engine_after(CHANGED)
    restored = load_state(json.loads(canonical_json(dump_state(live))))
    for cmd in AFTER:
        assert restored.process(cmd) == live.process(cmd), cmd
        restored.check_invariants()
    assert state_sha256(restored) == state_sha256(live)
    assert [(o.id, o.remaining) for _, _, o in live.resting_orders()] == [(11, 60), (13, 51)]


def test_a_snapshot_without_a_status_loads_as_trading():
    state = json.loads(canonical_json(dump_state(engine_after([halt()]))))
    del state["markets"][0]["status"]
    assert load_state(state).market_config(SYMBOL)["status"] == "trading"


def test_a_snapshot_with_an_unknown_status_does_not_load():
    state = json.loads(canonical_json(dump_state(engine_after([]))))
    state["markets"][0]["status"] = "closed"
    with pytest.raises(ValueError, match="status"):
        load_state(state)


def test_recovery_replays_market_commands_to_the_same_state(tmp_path):
    commands = [symbol(), *CHANGED, *AFTER]
    engine = Engine()
    writer = JournalWriter(tmp_path, 1, fsync="off")

    def snapshot(seq: int) -> None:
        if seq == 10:  # after the tick change and the halt, before the resume
            write_snapshot(tmp_path, engine)

    lines = [json.dumps(cmd) for cmd in commands]
    run_journaled(zip(commands, lines, strict=True), engine, writer, batch=5, on_ack=snapshot)
    writer.close()
    recovered = recover(tmp_path)
    assert (recovered.snapshot_seq, recovered.last_seq) == (10, len(commands))
    assert recovered.engine.market_config(SYMBOL) == engine.market_config(SYMBOL)
    assert state_sha256(recovered.engine) == state_sha256(engine)
    journal_only = recover(tmp_path, snapshot_dir=tmp_path / "none")
    assert state_sha256(journal_only.engine) == state_sha256(engine)


def test_the_snapshot_stream_does_what_its_comments_say():
    engine = engine_after(CHANGED)
    assert engine.markets[SYMBOL].last_price == 2002  # 100.10 in ticks of 0.05
    outcome = {}
    for cmd in AFTER:
        for event in engine.process(cmd):
            assert event[0] != REFUSED, (cmd, event)
            if event[0] == "order":
                outcome[event[1]] = (event[5], event[11])
        engine.check_invariants()
    assert outcome == {
        1: ("filled", ""),
        2: ("filled", ""),
        3: ("cancelled", ""),
        4: ("filled", ""),
        6: ("expired", ""),
        7: ("expired", ""),
        8: ("rejected", "symbol_halted"),
        9: ("filled", ""),
        10: ("filled", ""),
        11: ("new", ""),
        12: ("filled", ""),
        13: ("new", ""),
    }
    assert engine.market_config(SYMBOL)["lot_size"] == "0.001"


# ---- random streams ----------------------------------------------------------------------------

GRID_PRICES = ["99.50", "99.90", "99.95", "100", "100.05", "100.10", "100.2", "100.25", "100.50"]
GRID_QUANTITIES = ["0.010", "0.050", "0.1", "0.200", "0.005", "0.25", "1"]
TICKS = ["0.01", "0.05", "0.050", "0.1", "0.25", "0.5", "0.001"]
LOTS = ["0.001", "0.005", "0.01", "0.05", "0.1", "0.0001"]


@st.composite
def admin_stream(draw):
    """Orders of every resting kind on a few grids, cancels, and `market` commands."""
    commands = []
    for index in range(1, draw(st.integers(1, 40)) + 1):
        kind = draw(st.sampled_from(["limit", "limit", "limit", "stop", "cancel", "admin"]))
        user = draw(st.sampled_from(["u1", "u2", "u3"]))
        if kind == "cancel":
            commands.append(cancel(draw(st.integers(1, index)), user))
        elif kind == "admin":
            fields = {
                "status": draw(st.sampled_from([None, "trading", "trading", "halted"])),
                "tick_size": draw(st.sampled_from([None, None, *TICKS])),
                "lot_size": draw(st.sampled_from([None, None, *LOTS])),
                "min_qty": draw(st.sampled_from([None, None, None, "0.001", "0.1"])),
            }
            commands.append(configure(**fields))
        else:
            side = draw(st.sampled_from(["buy", "sell"]))
            quantity = draw(st.sampled_from(GRID_QUANTITIES))
            extra = {"stp": "none"}
            if kind == "stop":
                order_type = draw(st.sampled_from(["stop_loss", "stop_limit", "take_profit"]))
                extra["trigger_price"] = draw(st.sampled_from(GRID_PRICES))
                if order_type == "stop_limit":
                    extra["price"] = draw(st.sampled_from(GRID_PRICES))
            else:
                order_type = "limit"
                extra["price"] = draw(st.sampled_from(GRID_PRICES))
                if draw(st.booleans()):
                    extra["display_quantity"] = draw(st.sampled_from(GRID_QUANTITIES))
                if draw(st.booleans()):
                    extra.update(tif="GTD", expire_at=1_000 * index + draw(st.integers(1, 9_000)))
            commands.append(new(index, user, side, order_type, quantity, ts=1_000 * index, **extra))
    return commands


def decimal_view(engine: Engine) -> tuple:
    """The state of the default market in decimals: what a change of units must not move."""
    market = engine.markets[SYMBOL]

    def price(ticks):
        return None if ticks is None else to_decimal(ticks, market.tick_num, market.tick_places)

    def quantity(lots):
        return None if lots is None else to_decimal(lots, market.lot_num, market.lot_places)

    def order(o):
        return (
            o.id,
            o.side,
            o.status,
            price(o.price),
            price(o.trigger_price),
            *map(quantity, (o.quantity, o.remaining, o.visible, o.filled, o.display)),
            o.placed,
            o.priority,
            o.expire_at,
        )

    book = [order(o) for _, _, o in engine.resting_orders()]
    waiting = [order(o) for o in market.stops.orders()]
    expiring = [o.id for o in engine.expiries.orders()]
    return book, waiting, expiring, price(market.last_price), sorted(engine.live)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(admin_stream())
def test_market_commands_keep_the_book_in_decimals_or_change_nothing(commands):
    engine = engine_after([])
    for cmd in commands:
        if cmd["op"] != "market":
            engine.process(cmd)
            engine.check_invariants()
            continue
        before, view = dump_state(engine), decimal_view(engine)
        events = engine.process(cmd)
        engine.check_invariants()
        assert decimal_view(engine) == view
        if events[0][0] == REFUSED:
            assert events[0][4] in ("would_strand_orders", "last_price_off_grid")
            before["seq"] += 1
            assert dump_state(engine) == before
        else:
            assert events[:1] == CONFIGURED_EVENTS
            assert [event[0] for event in events[1:]] in ([], [MARKET_STATUS])
            config = engine.market_config(SYMBOL)
            for field in ("status", "tick_size", "lot_size", "min_qty"):
                if cmd[field] is not None:
                    assert config[field] == cmd[field]
    restored = load_state(json.loads(canonical_json(dump_state(engine))))
    assert state_sha256(restored) == state_sha256(engine)

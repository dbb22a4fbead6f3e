"""Circuit breakers (matching/engine/breaker.py): a trade further than `breaker_move_pct` from
the price at the start of the window does not happen, the taker's rest is cancelled
`circuit_breaker` and the market pauses; a pause refuses orders (but the auction's, in its
last seconds), keeps cancels, and ends by itself; settings are checked, kept by snapshots,
and an engine without a breaker behaves as before. Hand-worked: tick 0.01, so 100.00 is
10000 ticks and a 10 % move from it is 1000 ticks (110.00 and 90.00 are the bounds)."""

from __future__ import annotations

import json

import pytest

from matching.engine import Engine
from matching.engine.events import CONFIGURED, MARKET_STATUS, ORDER, REFUSED, TRADE, as_record
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256

from .helpers import cancel, limit, market, new, run, symbol, tick

PAUSE_MS, WINDOW_MS, AUCTION_MS = 120_000, 60_000, 30_000
BREAKER = {
    "breaker_move_pct": "10",
    "breaker_window_s": 60,
    "breaker_pause_s": 120,
    "breaker_auction_s": 30,
}
GUARDED = symbol(**BREAKER)
TRADE_AT_100 = [
    limit(1, "u1", "sell", "1.000", "100.00", ts=1_000),
    limit(2, "u2", "buy", "1.000", "100.00", ts=1_000),
]


def statuses(result, index: int) -> list:
    return [r for r in result.records(index) if r.kind == MARKET_STATUS]


def trades_of(result, index: int) -> list:
    return [r for r in result.records(index) if r.kind == TRADE]


def tripped_at_3000() -> list[dict]:
    """A trade at 100.00, asks at 105.00 and 111.00, then a buy up to 120.00 at ts 3000:
    it trades at 105.00 and stops before 111.00, which is past 110.00."""
    return [
        GUARDED,
        *TRADE_AT_100,
        limit(3, "u1", "sell", "1.000", "105.00", ts=2_000),
        limit(4, "u1", "sell", "1.000", "111.00", ts=2_000),
        limit(5, "u2", "buy", "2.000", "120.00", ts=3_000),
    ]


# ---- the trip ----------------------------------------------------------------------------


def test_a_trade_past_the_move_does_not_happen_and_pauses_the_market() -> None:
    r = run(tripped_at_3000(), define_symbol=False)

    assert [(t.price, t.quantity) for t in trades_of(r, 5)] == [(10500, 1000)]
    assert r.status(5) == "cancelled,1.000,circuit_breaker"
    assert statuses(r, 5) == [
        (MARKET_STATUS, "BTC-USDT", "paused", "circuit_breaker", 3_000 + PAUSE_MS)
    ]
    assert r.engine.market_status("BTC-USDT") == ("paused", "circuit_breaker", 123_000)
    assert r.status(4) == "new,0.000,"  # the ask it would have met stays


def test_a_trade_exactly_at_the_bound_happens() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "110.00", ts=2_000),
            limit(4, "u2", "buy", "1.000", "110.00", ts=2_000),
            limit(5, "u1", "sell", "1.000", "89.99", ts=2_000),  # rests: no bid
        ],
        define_symbol=False,
    )

    assert r.status(4) == "filled,1.000,"
    assert r.engine.market_status("BTC-USDT") == ("trading", None, None)


def test_a_sell_trips_on_the_way_down() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u2", "buy", "1.000", "91.00", ts=2_000),
            limit(4, "u2", "buy", "1.000", "89.99", ts=2_000),
            market(5, "u1", "sell", "3.000", ts=3_000),
        ],
        define_symbol=False,
    )

    assert [t.price for t in trades_of(r, 5)] == [9100]
    assert r.status(5) == "cancelled,1.000,circuit_breaker"
    assert statuses(r, 5)[0].status == "paused"


def test_an_order_stopped_by_its_own_limit_does_not_trip() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "111.00", ts=2_000),
            limit(4, "u2", "buy", "1.000", "109.00", ts=2_000),
        ],
        define_symbol=False,
    )

    assert r.status(4) == "new,0.000,"
    assert r.engine.market_status("BTC-USDT")[0] == "trading"


def test_a_fok_that_fills_only_past_the_bound_is_cancelled_whole_and_trips() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "105.00", ts=2_000),
            limit(4, "u1", "sell", "1.000", "111.00", ts=2_000),
            limit(5, "u2", "buy", "2.000", "120.00", tif="FOK", ts=3_000),
        ],
        define_symbol=False,
    )

    assert trades_of(r, 5) == []
    assert r.status(5) == "cancelled,0.000,circuit_breaker"
    assert r.engine.market_status("BTC-USDT")[0] == "paused"


def test_a_fok_that_cannot_fill_at_all_just_expires() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "111.00", ts=2_000),
            limit(4, "u2", "buy", "2.000", "120.00", tif="FOK", ts=3_000),
        ],
        define_symbol=False,
    )

    assert r.status(4) == "expired,0.000,"
    assert r.engine.market_status("BTC-USDT")[0] == "trading"


def test_a_market_buy_by_quote_quantity_trips_at_a_level_it_could_pay() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "105.00", ts=2_000),
            limit(4, "u1", "sell", "1.000", "111.00", ts=2_000),
            new(5, "u2", "buy", "market", None, quote_quantity="500", ts=3_000),
        ],
        define_symbol=False,
    )

    assert [(t.price, t.quantity) for t in trades_of(r, 5)] == [(10500, 1000)]
    assert r.status(5).split(",")[0::2] == ["cancelled", "circuit_breaker"]
    assert r.engine.market_status("BTC-USDT")[0] == "paused"


def test_the_reference_is_the_price_at_the_start_of_a_rolling_window() -> None:
    """Trades at 100.00 (ts 1000) and 108.00 (ts 2000): until ts 61999 the window starts
    before 2000, so 100.00 is the reference and 115.00 is past it; from ts 62000 it is
    108.00, whose bound is 118.80."""
    base = [
        GUARDED,
        *TRADE_AT_100,
        limit(3, "u1", "sell", "1.000", "108.00", ts=2_000),
        limit(4, "u2", "buy", "1.000", "108.00", ts=2_000),
        limit(5, "u1", "sell", "1.000", "115.00", ts=2_000),
    ]
    early = run([*base, limit(6, "u2", "buy", "1.000", "115.00", ts=61_999)], define_symbol=False)
    late = run([*base, limit(6, "u2", "buy", "1.000", "115.00", ts=62_000)], define_symbol=False)

    assert early.status(6) == "cancelled,0.000,circuit_breaker"
    assert late.status(6) == "filled,1.000,"


def test_a_market_that_never_traded_has_no_reference_and_no_trip() -> None:
    r = run(
        [
            GUARDED,
            limit(1, "u1", "sell", "1.000", "100.00"),
            limit(2, "u1", "sell", "1.000", "500.00"),
            market(3, "u2", "buy", "2.000"),
        ],
        define_symbol=False,
    )

    assert [t.price for t in trades_of(r, 3)] == [10000, 50000]


def test_without_a_breaker_nothing_changes() -> None:
    plain = [symbol(), *tripped_at_3000()[1:]]
    r = run(plain, define_symbol=False)

    assert r.status(5) == "filled,2.000,"
    assert all(statuses(r, i) == [] for i in range(len(plain)))
    assert "breaker" not in json.dumps(dump_state(r.engine))


# ---- the pause ---------------------------------------------------------------------------


def test_a_paused_market_refuses_orders_and_keeps_cancels() -> None:
    r = run(
        [
            *tripped_at_3000(),
            limit(6, "u3", "buy", "1.000", "100.00", ts=4_000),
            cancel(4, "u1", ts=4_000),
        ],
        define_symbol=False,
    )

    assert r.status(6) == "rejected,0.000,symbol_paused"
    assert r.status(4) == "cancelled,0.000,"


def test_symbol_paused_comes_after_symbol_halted_and_before_the_order_s_fields() -> None:
    r = run(
        [
            *tripped_at_3000(),
            new(6, "u3", "sideways", "limit", "1.000", price="100.00", ts=4_000),
            {"op": "market", "symbol": "BTC-USDT", "status": "halted", "ts": 4_000},
            limit(7, "u3", "buy", "1.000", "100.00", ts=4_000),
        ],
        define_symbol=False,
    )

    assert r.status(6) == "rejected,0.000,symbol_paused"
    assert r.status(7) == "rejected,0.000,symbol_halted"


def test_in_the_auction_window_plain_limit_orders_rest_unmatched_and_others_are_refused() -> None:
    opens = 3_000 + PAUSE_MS - AUCTION_MS
    r = run(
        [
            *tripped_at_3000(),
            limit(6, "u3", "buy", "1.000", "112.00", ts=opens - 1),
            limit(7, "u3", "buy", "1.000", "112.00", ts=opens),  # crosses 111.00: rests
            market(8, "u3", "buy", "1.000", ts=opens),
            limit(9, "u3", "buy", "1.000", "112.00", tif="IOC", ts=opens),
            limit(10, "u3", "buy", "1.000", "100.00", post_only=True, ts=opens),
            new(11, "u3", "buy", "stop_limit", "1.000", price="99.00", trigger_price="99.00",
                ts=opens),
            limit(12, "u3", "buy", "1.000", "112.00", tif="GTD", expire_at=opens + 10**6,
                  ts=opens),
            limit(13, "u3", "buy", "1.000", "abc", ts=opens),
        ],
        define_symbol=False,
    )  # fmt: skip

    assert r.status(6) == "rejected,0.000,symbol_paused"
    assert r.status(7) == "new,0.000,"
    assert trades_of(r, 7) == []
    for order_id in (8, 9, 10, 11):
        assert r.status(order_id) == "rejected,0.000,symbol_paused", order_id
    assert r.status(12) == "new,0.000,"
    assert r.status(13) == "rejected,0.000,invalid_price"  # the order's own checks still run
    book = r.engine.markets["BTC-USDT"].book
    assert (book.bids.best.price, book.asks.best.price) == (11_200, 11_100)  # crossed for now


def test_amends_are_refused_while_paused_and_halted() -> None:
    amend = {"op": "amend", "id": 4, "user": "u1", "quantity": "0.500", "ts": 4_000}
    paused = run([*tripped_at_3000(), amend], define_symbol=False)
    halted = run(
        [
            GUARDED,
            limit(1, "u1", "sell", "1.000", "100.00"),
            {"op": "market", "symbol": "BTC-USDT", "status": "halted"},
            {**amend, "id": 1},
        ],
        define_symbol=False,
    )

    assert paused.events[-1] == [(REFUSED, "amend", 4, "u1", "symbol_paused")]
    assert halted.events[-1] == [(REFUSED, "amend", 1, "u1", "symbol_halted")]


def test_a_trip_leaves_triggered_stops_waiting_until_the_reopening() -> None:
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            new(3, "u3", "buy", "stop_limit", "1.000", price="112.00", trigger_price="104.00",
                ts=1_500),
            limit(4, "u1", "sell", "1.000", "105.00", ts=2_000),
            limit(5, "u1", "sell", "1.000", "111.00", ts=2_000),
            limit(6, "u2", "buy", "2.000", "120.00", ts=3_000),
            tick(3_000 + PAUSE_MS - 1),
            tick(3_000 + PAUSE_MS),
        ],
        define_symbol=False,
    )  # fmt: skip

    assert r.status(6) == "cancelled,1.000,circuit_breaker"
    assert r.events[7] == []  # nothing happens before the end
    reopening = r.records(8)
    assert [e.kind for e in reopening] == [MARKET_STATUS, TRADE, ORDER, ORDER]
    assert reopening[0].status == "trading"
    trade = reopening[1]
    assert (trade.price, trade.maker_order_id, trade.taker_order_id) == (11100, 5, 3)
    assert r.status(3) == "filled,1.000,"


# ---- the end of the pause -----------------------------------------------------------------


def test_the_pause_ends_by_itself_at_its_time_and_next_due_says_when() -> None:
    r = run([*tripped_at_3000(), tick(3_000 + PAUSE_MS - 1)], define_symbol=False)
    assert r.engine.market_status("BTC-USDT")[0] == "paused"
    assert r.engine.next_due() == 3_000 + PAUSE_MS

    events = r.engine.process(tick(3_000 + PAUSE_MS))
    r.engine.check_invariants()
    assert [as_record(e) for e in events] == [(MARKET_STATUS, "BTC-USDT", "trading", None, None)]
    assert r.engine.next_due() is None
    r.engine.process(limit(6, "u3", "buy", "1.000", "100.00", ts=3_000 + PAUSE_MS))
    assert r.engine.live[6].status == "new"


def test_a_market_halted_during_its_pause_reopens_when_the_admin_resumes_it() -> None:
    halt = {"op": "market", "symbol": "BTC-USDT", "status": "halted", "ts": 4_000}
    resume = {"op": "market", "symbol": "BTC-USDT", "status": "trading"}
    r = run(
        [
            *tripped_at_3000(),
            halt,
            tick(3_000 + PAUSE_MS + 5),
            {**resume, "ts": 3_000 + PAUSE_MS + 10},
        ],
        define_symbol=False,
    )

    assert statuses(r, 6)[0].status == "halted"
    assert r.events[7] == []  # the pause's end does not reopen a halted market
    assert r.engine.next_due() is None
    assert [e.kind for e in r.records(8)] == [CONFIGURED, MARKET_STATUS]
    assert statuses(r, 8)[0].status == "trading"


def test_resuming_a_halted_market_before_its_pause_ends_leaves_it_paused() -> None:
    r = run(
        [
            *tripped_at_3000(),
            {"op": "market", "symbol": "BTC-USDT", "status": "halted", "ts": 4_000},
            {"op": "market", "symbol": "BTC-USDT", "status": "trading", "ts": 5_000},
        ],
        define_symbol=False,
    )

    assert statuses(r, 7) == [(MARKET_STATUS, "BTC-USDT", "paused", "circuit_breaker", 123_000)]


def test_after_the_reopening_the_window_starts_again_at_the_last_price() -> None:
    """A 600 s window: paused with the last trade at 105.00; after the reopening the
    reference is 105.00, so 115.00 is within 10 % (115.50), though the window still reaches
    back to the trade at 100.00."""
    r = run(
        [
            symbol(**{**BREAKER, "breaker_window_s": 600}),
            *tripped_at_3000()[1:],
            tick(3_000 + PAUSE_MS),
            limit(6, "u1", "sell", "1.000", "115.00", ts=3_000 + PAUSE_MS),
            limit(7, "u2", "buy", "1.000", "115.00", ts=3_000 + PAUSE_MS),
        ],
        define_symbol=False,
    )

    assert r.status(7) == "filled,1.000,"


# ---- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("breaker_move_pct", "-1"),
        ("breaker_move_pct", "1000"),
        ("breaker_move_pct", 10),
        ("breaker_move_pct", "1.123456789"),
        ("breaker_window_s", 0),
        ("breaker_window_s", 86_401),
        ("breaker_window_s", "60"),
        ("breaker_pause_s", 0),
        ("breaker_pause_s", True),
        ("breaker_auction_s", -1),
        ("breaker_auction_s", 121),
    ],
)
def test_bad_settings_refuse_the_line(field: str, value: object) -> None:
    engine = Engine()
    events = engine.process(symbol(**{**BREAKER, field: value}))
    assert events == [(REFUSED, "symbol", "BTC-USDT", None, f"invalid_{field}")]

    engine.process(symbol())
    events = engine.process({"op": "market", "symbol": "BTC-USDT", **BREAKER, field: value})
    assert events == [(REFUSED, "market", "BTC-USDT", None, f"invalid_{field}")]
    assert engine.markets["BTC-USDT"].breaker is None


def test_a_market_line_turns_a_breaker_on_from_the_last_price_and_off_again() -> None:
    engine = Engine()
    for cmd in [symbol(), *TRADE_AT_100]:
        engine.process(cmd)
    engine.process({"op": "market", "symbol": "BTC-USDT", "breaker_move_pct": "10", "ts": 2_000})
    breaker = engine.markets["BTC-USDT"].breaker
    assert breaker.settings() == {
        "breaker_move_pct": "10",
        "breaker_window_s": 300,
        "breaker_pause_s": 300,
        "breaker_auction_s": 0,  # no auction window unless asked: the whole pause refuses
    }
    assert list(breaker.history) == [(2_000, 10_000)]

    engine.process({"op": "market", "symbol": "BTC-USDT", "breaker_move_pct": "0"})
    assert engine.markets["BTC-USDT"].breaker is None


def test_a_shorter_pause_cuts_the_kept_auction_to_it() -> None:
    engine = Engine()
    engine.process(symbol(breaker_move_pct="5", breaker_pause_s=120, breaker_auction_s=60))
    engine.process({"op": "market", "symbol": "BTC-USDT", "breaker_pause_s": 20})
    assert engine.markets["BTC-USDT"].breaker.settings()["breaker_auction_s"] == 20


def test_by_default_a_pause_refuses_every_new_order_to_its_end() -> None:
    engine = Engine()
    for cmd in [symbol(breaker_move_pct="10", breaker_pause_s=10), *TRADE_AT_100]:
        engine.process(cmd)
    assert engine.markets["BTC-USDT"].breaker.settings()["breaker_auction_s"] == 0
    engine.process(limit(11, "u1", "sell", "1.000", "120.00", ts=3_000))
    trip = engine.process(limit(12, "u2", "buy", "1.000", "120.00", ts=3_000))
    assert (MARKET_STATUS, "BTC-USDT", "paused", "circuit_breaker", 13_000) in trip
    last_moment = engine.process(limit(13, "u3", "buy", "1.000", "100.00", ts=12_999))
    assert [e for e in last_moment if e[0] == ORDER][-1][-1] == "symbol_paused"


# ---- snapshots -----------------------------------------------------------------------------


def test_a_snapshot_in_a_pause_restores_the_breaker_the_pause_and_goes_on_the_same() -> None:
    commands = [
        *tripped_at_3000(),
        limit(6, "u3", "buy", "1.000", "112.00", ts=3_000 + PAUSE_MS - AUCTION_MS),
    ]
    later = [tick(3_000 + PAUSE_MS), limit(7, "u2", "buy", "1.000", "200.00", ts=200_000)]
    engine = Engine()
    for cmd in commands:
        engine.process(cmd)
    restored = load_state(json.loads(canonical_json(dump_state(engine))))
    restored.check_invariants()
    assert state_sha256(restored) == state_sha256(engine)
    for cmd in later:
        assert restored.process(cmd) == engine.process(cmd)
    assert state_sha256(restored) == state_sha256(engine)


def test_a_buy_meeting_an_ask_below_the_lower_bound_trips_without_trading() -> None:
    """An ask rests at 89.00 (no bid to meet it); a buy that would take it would move the
    price 11 % down from 100.00: no trade, the market pauses."""
    r = run(
        [
            GUARDED,
            *TRADE_AT_100,
            limit(3, "u1", "sell", "1.000", "89.00", ts=2_000),
            limit(4, "u2", "buy", "1.000", "95.00", ts=3_000),
        ],
        define_symbol=False,
    )

    assert trades_of(r, 4) == []
    assert r.status(4) == "cancelled,0.000,circuit_breaker"
    assert r.engine.market_status("BTC-USDT")[0] == "paused"

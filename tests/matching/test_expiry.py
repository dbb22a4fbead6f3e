"""SPEC.md §1, §2, §6, §9.6-7: the clock (largest `ts` seen), GTD and DAY expiry, the sweep
before every line that carries `ts`, expiry of waiting orders, and the order of expiry."""

from __future__ import annotations

import pytest

from matching.engine.events import ORDER, REFUSED, as_record

from .helpers import cancel, fees, limit, new, run, symbol, tick

T0 = 1_700_000_000_000
MIDNIGHT_1 = 1_700_006_400_000  # the first 00:00 UTC after T0 (19676 * 86400000)
MIDNIGHT_2 = 1_700_092_800_000  # the one after


def gtd(order_id, user, side, quantity, price, expire_at, **extra):
    return limit(order_id, user, side, quantity, price, tif="GTD", expire_at=expire_at, **extra)


def day(order_id, user, side, quantity, price, **extra):
    return limit(order_id, user, side, quantity, price, tif="DAY", **extra)


def test_midnights_used_below():
    assert MIDNIGHT_1 % 86_400_000 == 0 and MIDNIGHT_1 - 86_400_000 < T0 < MIDNIGHT_1
    assert MIDNIGHT_2 == MIDNIGHT_1 + 86_400_000


# ---- GTD ----------------------------------------------------------------------------------


def test_gtd_lives_until_the_clock_reaches_expire_at_exactly():
    setup = [gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0), tick(T0 + 4999)]
    r = run(setup)
    assert r.orders == ["1,new,0.000,"]
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]
    r = run(setup + [tick(T0 + 5000)])
    assert r.orders == ["1,expired,0.000,"]
    assert r.book == []


def test_clock_jumping_past_expire_at_expires_too():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0), tick(T0 + 10**9)])
    assert r.orders == ["1,expired,0.000,"]


def test_expiry_happens_before_the_line_that_moved_the_clock():
    r = run(
        [
            gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0),
            limit(2, "u2", "sell", "1.000", "100.00", ts=T0 + 5000),
        ]
    )
    assert r.tape == []
    assert r.orders == ["1,expired,0.000,", "2,new,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,2,1.000,1.000"]
    r = run(
        [
            gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0),
            limit(2, "u2", "sell", "1.000", "100.00", ts=T0 + 4999),
        ]
    )
    assert r.orders == ["1,filled,1.000,", "2,filled,1.000,"]


def test_expired_order_keeps_its_fills():
    r = run(
        [
            gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0),
            limit(2, "u2", "sell", "0.400", "100.00"),
            tick(T0 + 5000),
        ]
    )
    assert r.orders == ["1,expired,0.400,", "2,filled,0.400,"]
    assert r.book == []


def test_clock_starts_at_zero():
    r = run(
        [
            gtd(1, "u1", "buy", "1.000", "100.00", 1),
            gtd(2, "u1", "buy", "1.000", "100.00", 0),
            day(3, "u1", "buy", "1.000", "99.00"),
            tick(86_399_999),
        ]
    )
    assert r.orders == ["1,expired,0.000,", "2,rejected,0.000,expire_at_in_past", "3,new,0.000,"]
    r = run([day(3, "u1", "buy", "1.000", "99.00"), tick(86_400_000)])
    assert r.orders == ["3,expired,0.000,"]


# ---- DAY ----------------------------------------------------------------------------------


def test_day_order_expires_at_the_next_utc_midnight():
    setup = [day(1, "u1", "buy", "1.000", "100.00", ts=T0), tick(MIDNIGHT_1 - 1)]
    assert run(setup).orders == ["1,new,0.000,"]
    assert run(setup + [tick(MIDNIGHT_1)]).orders == ["1,expired,0.000,"]


def test_day_order_accepted_exactly_at_midnight_lives_a_whole_day():
    setup = [tick(MIDNIGHT_1), day(1, "u1", "buy", "1.000", "100.00"), tick(MIDNIGHT_2 - 1)]
    assert run(setup).orders == ["1,new,0.000,"]
    assert run(setup + [tick(MIDNIGHT_2)]).orders == ["1,expired,0.000,"]


def test_day_uses_the_clock_after_the_lines_own_ts():
    setup = [tick(T0), day(1, "u1", "buy", "1.000", "100.00", ts=MIDNIGHT_1), tick(MIDNIGHT_2 - 1)]
    assert run(setup).orders == ["1,new,0.000,"]
    assert run(setup + [tick(MIDNIGHT_2)]).orders == ["1,expired,0.000,"]


def test_smaller_ts_does_not_move_the_clock_back():
    setup = [tick(MIDNIGHT_1), day(1, "u1", "buy", "1.000", "100.00", ts=T0), tick(MIDNIGHT_1 + 1)]
    assert run(setup).orders == ["1,new,0.000,"]
    assert run(setup + [tick(MIDNIGHT_2)]).orders == ["1,expired,0.000,"]


def test_expire_at_in_past_uses_the_clock_not_an_older_line_ts():
    r = run(
        [
            tick(T0 + 10_000),
            gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0),
            gtd(2, "u1", "buy", "1.000", "100.00", T0 + 10_000, ts=T0),
            gtd(3, "u1", "buy", "1.000", "100.00", T0 + 10_001, ts=T0),
        ]
    )
    assert r.orders == [
        "1,rejected,0.000,expire_at_in_past",
        "2,rejected,0.000,expire_at_in_past",
        "3,new,0.000,",
    ]


def test_expire_at_in_past_uses_the_lines_own_ts():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", T0 + 5000, ts=T0 + 5000)])
    assert r.orders == ["1,rejected,0.000,expire_at_in_past"]


# ---- the sweep runs before any line with a ts ---------------------------------------------

SWEEP_LINES = {
    "tick": tick(5000),
    "valid_new": limit(2, "u2", "buy", "1.000", "90.00", ts=5000),
    "rejected_new": limit(2, "u2", "long", "1.000", "90.00", ts=5000),
    "duplicate_new": limit(1, "u2", "sell", "1.000", "100.00", ts=5000),
    "cancel": cancel(1, "u1", ts=5000),
    "refused_cancel_unknown_id": cancel(99, "u1", ts=5000),
    "refused_cancel_other_user": cancel(1, "u2", ts=5000),
    "fees": fees("*", "0.001", "0.002", ts=5000),
    "symbol": symbol("ETH-USDT", ts=5000),
    "other_symbol_new": limit(2, "u2", "buy", "1.000", "90.00", symbol="NOPE", ts=5000),
}


@pytest.mark.parametrize("line", SWEEP_LINES.values(), ids=SWEEP_LINES.keys())
def test_any_line_with_ts_sweeps_expired_orders_first(line):
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", 5000), line])
    assert r.orders[0] == "1,expired,0.000,"
    assert r.book[:1] != ["BTC-USDT,buy,100.00,1,1.000,1.000"]
    assert all(",1," not in row for row in r.book)


def test_duplicate_line_with_ts_sweeps_but_appears_nowhere():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", 5000), SWEEP_LINES["duplicate_new"]])
    assert r.orders == ["1,expired,0.000,"]
    assert r.tape == [] and r.book == []


def test_cancel_at_the_expiry_time_is_refused_because_the_order_expired_first():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", 5000), cancel(1, "u1", ts=5000)])
    assert r.orders == ["1,expired,0.000,"]
    assert as_record(r.events[1][-1]).kind == REFUSED
    assert as_record(r.events[1][-1]).reason == "unknown_order"


def test_tick_without_ts_does_nothing():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", 5000), {"op": "tick"}])
    assert r.orders == ["1,new,0.000,"]


def test_expired_order_cannot_be_cancelled():
    r = run([gtd(1, "u1", "buy", "1.000", "100.00", 5000), tick(6000), cancel(1, "u1")])
    assert r.orders == ["1,expired,0.000,"]
    assert as_record(r.events[2][0]).reason == "unknown_order"


# ---- waiting orders -----------------------------------------------------------------------


def test_waiting_gtd_stop_expires_and_never_triggers():
    r = run(
        [
            limit(1, "x1", "sell", "1.000", "100.00", ts=T0),
            limit(2, "x2", "buy", "1.000", "100.00"),
            limit(3, "u3", "buy", "1.000", "90.00"),
            new(
                4,
                "u4",
                "sell",
                "stop_limit",
                "1.000",
                trigger_price="95.00",
                price="90.00",
                tif="GTD",
                expire_at=T0 + 1000,
            ),
            tick(T0 + 1000),
            limit(5, "u5", "sell", "1.000", "95.00"),
            limit(6, "u6", "buy", "1.000", "95.00"),
        ]
    )
    assert r.status(4) == "expired,0.000,"
    assert r.status(3) == "new,0.000,"
    assert r.book == ["BTC-USDT,buy,90.00,3,1.000,1.000"]


def test_waiting_day_stop_expires_at_midnight():
    r = run(
        [
            new(
                1,
                "u1",
                "buy",
                "stop_limit",
                "1.000",
                trigger_price="95.00",
                price="90.00",
                tif="DAY",
                ts=T0,
            ),
            tick(MIDNIGHT_1),
        ]
    )
    assert r.orders == ["1,expired,0.000,"]


def test_activated_stop_keeps_its_gtd_expiry_while_resting():
    setup = [
        limit(1, "x1", "sell", "1.000", "100.00", ts=T0),
        limit(2, "x2", "buy", "1.000", "100.00"),
        new(
            3,
            "u3",
            "buy",
            "stop_limit",
            "1.000",
            trigger_price="101.00",
            price="95.00",
            tif="GTD",
            expire_at=T0 + 2000,
        ),
    ]
    r = run(setup)
    assert r.orders[2] == "3,pending_trigger,0.000,"
    r = run(setup[:2] + [setup[2] | {"trigger_price": "100.00"}])
    assert r.orders[2] == "3,new,0.000,"
    r = run(setup[:2] + [setup[2] | {"trigger_price": "100.00"}, tick(T0 + 2000)])
    assert r.orders[2] == "3,expired,0.000,"
    assert r.book == []


# ---- order of expiry ----------------------------------------------------------------------


def test_orders_expire_in_order_of_expire_at_then_placement():
    r = run(
        [
            gtd(1, "u1", "buy", "1.000", "100.00", T0 + 3000, ts=T0),
            gtd(2, "u1", "buy", "1.000", "99.00", T0 + 2000),
            gtd(3, "u1", "sell", "1.000", "101.00", T0 + 2000),
            day(4, "u1", "buy", "1.000", "98.00"),
            new(
                5,
                "u1",
                "sell",
                "stop_limit",
                "1.000",
                trigger_price="90.00",
                price="90.00",
                tif="GTD",
                expire_at=T0 + 2000,
            ),
            gtd(6, "u1", "buy", "1.000", "97.00", T0 + 1000),
            tick(MIDNIGHT_1),
        ]
    )
    updates = [as_record(e) for e in r.events[-1] if e[0] == ORDER]
    assert [str(u.order_id) for u in updates] == ["6", "2", "3", "5", "1", "4"]
    assert {u.status for u in updates} == {"expired"}


def test_many_ended_gtd_orders_do_not_disturb_expiry():
    count, cancelled = 1100, 700
    cmds = [tick(T0)]
    for i in range(1, count + 1):
        cmds.append(gtd(i, "u1", "buy", "0.001", f"{1 + i % 50}.00", T0 + 1000 + i))
    cmds += [cancel(i, "u1") for i in range(1, cancelled + 1)]
    cmds.append(tick(T0 + 1000 + count - 100))
    r = run(cmds)
    expected = ["cancelled"] * cancelled
    expected += ["expired"] * (count - 100 - cancelled) + ["new"] * 100
    assert [line.split(",")[1] for line in r.orders] == expected
    assert len(r.book) == 100

"""SPEC.md §2 and §9.12: a post-only order that would match on arrival is rejected with
`post_only_would_take` and nothing trades; otherwise it rests like any limit order."""

from __future__ import annotations

from .helpers import limit, run

ASK = limit(1, "u1", "sell", "1.000", "100.00")
BID = limit(1, "u1", "buy", "1.000", "100.00")


def test_crossing_post_only_buy_is_rejected_and_nothing_trades():
    r = run([ASK, limit(2, "u2", "buy", "1.000", "100.00", post_only=True)])
    assert r.tape == []
    assert r.orders == ["1,new,0.000,", "2,rejected,0.000,post_only_would_take"]
    assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000"]


def test_post_only_buy_through_the_ask_is_rejected():
    r = run([ASK, limit(2, "u2", "buy", "1.000", "105.00", post_only=True)])
    assert r.status(2) == "rejected,0.000,post_only_would_take"
    assert r.tape == []


def test_crossing_post_only_sell_is_rejected():
    r = run([BID, limit(2, "u2", "sell", "5.000", "99.00", post_only=True)])
    assert r.status(2) == "rejected,0.000,post_only_would_take"
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]


def test_non_crossing_post_only_rests():
    r = run([ASK, limit(2, "u2", "buy", "1.000", "99.99", post_only=True)])
    assert r.status(2) == "new,0.000,"
    assert r.book == [
        "BTC-USDT,buy,99.99,2,1.000,1.000",
        "BTC-USDT,sell,100.00,1,1.000,1.000",
    ]


def test_post_only_on_an_empty_opposite_side_rests():
    r = run([limit(1, "u1", "sell", "1.000", "100.00", post_only=True)])
    assert r.orders == ["1,new,0.000,"]
    assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000"]


def test_post_only_is_rejected_even_against_the_same_users_order():
    for stp in ("none", "cancel_resting", "cancel_incoming", "decrement_both"):
        r = run([ASK, limit(2, "u1", "buy", "1.000", "100.00", post_only=True, stp=stp)])
        assert r.status(2) == "rejected,0.000,post_only_would_take", stp
        assert r.status(1) == "new,0.000,", stp
        assert r.book == ["BTC-USDT,sell,100.00,1,1.000,1.000"], stp


def test_post_only_with_gtd_and_day_rests():
    r = run(
        [
            ASK,
            limit(2, "u2", "buy", "1.000", "99.00", post_only=True, tif="GTD", expire_at=10**13),
            limit(3, "u2", "buy", "1.000", "98.00", post_only=True, tif="DAY"),
        ]
    )
    assert r.status(2) == "new,0.000,"
    assert r.status(3) == "new,0.000,"
    assert len(r.book) == 3


def test_post_only_iceberg_rests_with_its_slice():
    r = run(
        [ASK, limit(2, "u2", "buy", "3.000", "99.00", post_only=True, display_quantity="1.000")]
    )
    assert r.book[0] == "BTC-USDT,buy,99.00,2,1.000,3.000"


def test_post_only_false_or_not_json_true_takes_liquidity():
    for value in (False, "true", 1, None):
        r = run([ASK, limit(2, "u2", "buy", "1.000", "100.00", post_only=value)])
        assert r.status(2) == "filled,1.000,", value
        assert r.tape == ["1,BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000"], value


def test_rejected_post_only_leaves_later_matching_unaffected():
    r = run(
        [
            ASK,
            limit(2, "u2", "buy", "1.000", "100.00", post_only=True),
            limit(3, "u3", "buy", "1.000", "100.00"),
        ]
    )
    assert r.tape == ["1,BTC-USDT,100.00,1.000,1,3,buy,0.10000000,0.20000000"]

"""Settlement of trades with funds on (settlement.py): the base and the notional change hands,
fees go to the fee account and rebates come out of it, and no balance ever goes negative.

BTC-USDT: tick 0.01, lot 0.001, quote_precision 8; default fees maker 0.001, taker 0.002.
"""

from __future__ import annotations

from matching.engine.events import POSTING
from matching.engine.risk import FEE_ACCOUNT
from matching.service.event_format import event_dict

from .funds_helpers import amount, credit, run_funded
from .helpers import fees, limit, market, symbol

XUSD = symbol("X-USD", tick="0.01", lot="1", quote_precision=2)


def legs(r, index: int) -> list[tuple]:
    """(reason, asset, from, from bucket, to, to bucket, amount as a decimal string)."""
    return [
        (p.reason, p.asset, p.from_account, p.from_bucket, p.to_account, p.to_bucket)
        + (event_dict(r.engine, tuple(p))["amount"],)
        for p in r.records(index, POSTING)
    ]


def test_a_maker_rebate_trade_settles_every_account_exactly():
    r = run_funded(
        [
            fees("*", "-0.0001", "0.0005"),
            credit("t1", "b", "USDT", "10010"),
            credit("t2", "s", "BTC", "0.5"),
            limit(1, "s", "sell", "0.500", "20000.00"),  # the maker
            limit(2, "b", "buy", "0.500", "20000.00"),  # holds 10005; pays 10000 + 5
        ]
    )
    (trade,) = r.trades()
    assert (trade.maker_fee, trade.taker_fee) == (-100000000, 500000000)  # -1 and 5 USDT
    assert legs(r, 4) == [
        ("hold", "USDT", "b", "available", "b", "locked", "10005"),
        ("trade", "BTC", "s", "locked", "b", "available", "0.5"),
        ("trade", "USDT", "b", "locked", "s", "available", "10000"),
        ("fee", "USDT", "b", "locked", FEE_ACCOUNT, "available", "5"),
        ("rebate", "USDT", FEE_ACCOUNT, "available", "s", "available", "1"),
    ]
    assert r.balance("b", "USDT") == ("5", "0")
    assert r.balance("b", "BTC") == ("0.5", "0")
    assert r.balance("s", "USDT") == ("10001", "0")
    assert r.balance("s", "BTC") == ("0", "0")
    assert r.fee_account() == ("4", "0")


def test_balance_events_follow_in_first_changed_order():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "1"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "b", "buy", "1.000", "100.00"),
        ]
    )
    balances = [(b.user, b.asset) for b in r.records(3, "balance")]
    assert balances == [
        ("b", "USDT"),
        ("s", "BTC"),
        ("b", "BTC"),
        ("s", "USDT"),
        (FEE_ACCOUNT, "USDT"),
    ]
    kinds = [e[0] for e in r.events[3]]
    assert kinds.index("trade") < kinds.index("order")  # legs right after their trade
    after = kinds[kinds.index("trade") + 1 :]
    assert after[:5] == ["posting"] * 4 + ["order"]  # base, notional, two fees


def test_a_hold_short_by_fee_rounding_takes_from_available_then_cuts_the_fee():
    # maker and taker 0.005: a fill of 1 at 1.00 charges round_half_up(0.005) = 0.01, so ten
    # one-lot fills charge 0.10 where the hold (10 × 1.005 = 10.05) covers 0.05
    sells = [limit(10 + i, "s", "sell", "1", "1.00", symbol="X-USD") for i in range(8)]
    r = run_funded(
        [
            fees("*", "0.005", "0.005"),
            credit("t1", "b", "USD", "10.07"),
            credit("t2", "s", "X", "10"),
            limit(1, "b", "buy", "10", "1.00", symbol="X-USD"),
            *sells,
        ],
        symbols=[XUSD],
    )
    assert [t.maker_fee for t in r.trades()] == [1, 1, 1, 1, 1, 1, 1, 0]
    buyer_fees = [
        (p.from_bucket, p.amount)
        for index in range(4, 12)
        for p in r.records(index, POSTING)
        if p.reason == "fee" and p.from_account == "b"
    ]
    assert buyer_fees == [("locked", amount("0.01"))] * 5 + [("available", amount("0.01"))] * 2
    assert r.balance("b", "USD") == ("0", "2")
    assert r.balance("b", "X") == ("8", "0")
    assert r.balance("s", "USD") == ("7.92", "0")
    assert r.fee_account("USD") == ("0.15", "0")


def test_a_seller_fee_above_its_proceeds_is_taken_from_available_or_cut():
    # 1 at 0.009 with a taker rate of 0.6: the fee rounds to 0.01, more than the 0.009 earned
    tiny = symbol("X-USD", tick="0.001", lot="1", quote_precision=2)
    base = [
        fees("*", "0", "0.6"),
        credit("t1", "b", "USD", "1"),
        credit("t2", "s", "X", "2"),
        limit(1, "b", "buy", "2", "0.009", symbol="X-USD"),
    ]
    r = run_funded([*base, limit(2, "s", "sell", "1", "0.009", symbol="X-USD")], symbols=[tiny])
    assert r.trades()[0].taker_fee == 0  # nothing else to pay with: cut to 0
    assert r.balance("s", "USD") == ("0.009", "0")
    r = run_funded(
        [
            *base,
            credit("t3", "s", "USD", "0.001"),
            limit(2, "s", "sell", "1", "0.009", symbol="X-USD"),
        ],
        symbols=[tiny],
    )
    assert r.trades()[0].taker_fee == 1
    assert r.balance("s", "USD") == ("0", "0")
    assert r.fee_account("USD") == ("0.01", "0")


def test_a_rebate_the_fee_account_cannot_pay_is_cut():
    r = run_funded(
        [
            fees("*", "-0.001", "0"),
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "2"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "b", "buy", "1.000", "100.00"),
            credit("t3", FEE_ACCOUNT, "USDT", "0.05"),
            limit(3, "s", "sell", "0.001", "100.00"),  # maker rebate 0.0001: paid
            limit(4, "b", "buy", "0.001", "100.00"),
        ]
    )
    assert [(t.maker_fee, t.taker_fee) for t in r.trades()] == [(0, 0), (-10000, 0)]
    assert r.fee_account() == ("0.0499", "0")


def test_a_market_buy_by_quantity_pays_as_it_fills_and_expires_when_the_money_runs_out():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "150"),
            credit("t2", "s", "BTC", "2"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "s", "sell", "1.000", "110.00"),
            market(3, "b", "buy", "2.000"),
        ]
    )
    # 1.000 at 100.00 costs 100.2; then 49.8 buys 451 lots at 110.00 (49.61 + 0.09922 fee);
    # a 452nd would cost 49.81944
    assert [(t.price, t.quantity, t.taker_fee) for t in r.trades()] == [
        (10000, 1000, 20000000),
        (11000, 451, 9922000),
    ]
    order = r.order(3)
    assert (order.status, order.filled, order.reason) == ("expired", 1451, "insufficient_funds")
    assert [p.reason for p in r.records(4, POSTING)].count("hold") == 0
    assert r.balance("b", "USDT") == ("0.09078", "0")
    assert r.balance("b", "BTC") == ("1.451", "0")
    assert r.engine.live[2].remaining == 549


def test_a_market_buy_it_can_pay_fills_as_usual():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "100.2"),
            credit("t2", "s", "BTC", "2"),
            limit(1, "s", "sell", "1.000", "100.00"),
            market(3, "b", "buy", "1.000"),
        ]
    )
    order = r.order(3)
    assert (order.status, order.reason) == ("filled", "")
    assert r.balance("b", "USDT") == ("0", "0")


def test_a_market_buy_with_no_money_trades_nothing():
    r = run_funded(
        [credit("t2", "s", "BTC", "2"), limit(1, "s", "sell", "1.000", "100.00")]
        + [market(3, "b", "buy", "1.000")]
    )
    assert r.trades() == []
    assert (r.order(3).status, r.order(3).reason) == ("expired", "insufficient_funds")


def test_the_fok_dry_run_counts_only_what_the_buyer_can_pay():
    book = [
        credit("t2", "s", "BTC", "2"),
        limit(1, "s", "sell", "1.000", "100.00"),
        limit(2, "s", "sell", "1.000", "110.00"),
    ]
    # 1.5 would cost 100.2 + 55.11 = 155.31
    r = run_funded(
        [credit("t1", "b", "USDT", "155.3"), *book, market(3, "b", "buy", "1.500", tif="FOK")]
    )
    assert r.trades() == [] and r.order(3).status == "expired"
    assert r.balance("b", "USDT") == ("155.3", "0")
    r = run_funded(
        [credit("t1", "b", "USDT", "155.31"), *book, market(3, "b", "buy", "1.500", tif="FOK")]
    )
    assert r.order(3).status == "filled"
    assert r.balance("b", "USDT") == ("0", "0")


def test_a_self_trade_settles_both_legs_on_the_same_account():
    r = run_funded(
        [
            credit("t1", "u", "USDT", "200"),
            credit("t2", "u", "BTC", "1"),
            limit(1, "u", "sell", "1.000", "100.00"),
            limit(2, "u", "buy", "1.000", "100.00", stp="none"),
        ]
    )
    assert len(r.trades()) == 1
    assert r.balance("u", "BTC") == ("1", "0")
    assert r.balance("u", "USDT") == ("199.7", "0")  # maker 0.1 + taker 0.2
    assert r.fee_account() == ("0.3", "0")


def test_stp_decrement_keeps_the_hold_until_the_order_ends():
    r = run_funded(
        [
            credit("t1", "u", "USDT", "200"),
            credit("t2", "u", "BTC", "1"),
            limit(1, "u", "sell", "1.000", "100.00"),
            limit(2, "u", "buy", "0.400", "100.00", stp="decrement_both"),
        ]
    )
    assert r.engine.live[1].remaining == 600
    assert r.balance("u", "BTC") == ("0", "1")  # the sell still holds 1 for 0.6 left
    assert r.balance("u", "USDT") == ("200", "0")  # the buy ended: released


def test_posting_trade_ids_get_the_shards_id_base():
    r = run_funded(
        [
            credit("t1", "b", "USDT", "200"),
            credit("t2", "s", "BTC", "1"),
            limit(1, "s", "sell", "1.000", "100.00"),
            limit(2, "b", "buy", "1.000", "100.00"),
        ]
    )
    shown = [event_dict(r.engine, e, id_base=5000) for e in r.events[3]]
    trade = next(d for d in shown if d["kind"] == "trade")
    assert trade["trade_id"] == 5001
    legs_shown = [d for d in shown if d["kind"] == "posting" and d["trade_id"] is not None]
    assert {d["trade_id"] for d in legs_shown} == {5001}
    balance = next(d for d in shown if d["kind"] == "balance" and d["user"] == "b")
    assert balance == {
        "kind": "balance",
        "user": "b",
        "asset": "USDT",
        "available": "99.8",
        "locked": "0",
    }

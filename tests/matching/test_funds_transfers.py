"""Turning funds on, and deposits and withdrawals (`credit`/`debit`), in the core (risk.py)."""

from __future__ import annotations

from matching.engine import Engine
from matching.engine.events import BALANCE, CONFIGURED, POSTING, REFUSED
from matching.engine.risk import EXTERNAL, FEE_ACCOUNT

from .funds_helpers import FUNDS_ON, amount, credit, debit, run_funded
from .helpers import fees, limit, symbol


def test_a_deposit_adds_to_available_and_says_so_in_a_posting_and_a_balance():
    r = run_funded([credit("t1", 7, "USDT", "100.5")])
    assert r.events[0] == [
        (POSTING, "USDT", EXTERNAL, "external", 7, "available", amount("100.5"), "deposit")
        + (None, None, "t1"),
        (BALANCE, 7, "USDT", amount("100.5"), 0),
    ]
    assert r.balance(7, "USDT") == ("100.5", "0")


def test_a_withdrawal_takes_from_available():
    r = run_funded([credit("t1", 7, "USDT", "100.5"), debit("t2", "7", "USDT", "0.5")])
    assert r.events[1] == [
        (POSTING, "USDT", 7, "available", EXTERNAL, "external", amount("0.5"), "withdrawal")
        + (None, None, "t2"),
        (BALANCE, 7, "USDT", amount("100"), 0),
    ]
    assert r.balance(7, "USDT") == ("100", "0")


def test_a_withdrawal_beyond_available_is_refused_and_changes_nothing():
    r = run_funded([credit("t1", 7, "USDT", "10"), debit("t2", 7, "USDT", "10.000000000000000001")])
    assert r.events[1] == [(REFUSED, "debit", "t2", 7, "insufficient_funds")]
    assert r.balance(7, "USDT") == ("10", "0")


def test_held_funds_cannot_be_withdrawn():
    r = run_funded(
        [
            credit("t1", 7, "USDT", "100"),
            limit(1, 7, "buy", "0.500", "100.00"),  # holds 50.1 (taker 0.002)
            debit("t2", 7, "USDT", "50"),
            debit("t3", 7, "USDT", "49.9"),
        ]
    )
    assert r.refusal(2) == "insufficient_funds"
    assert r.refusal(3) is None
    assert r.balance(7, "USDT") == ("0", "50.1")


def test_a_repeated_transfer_id_is_refused_and_changes_nothing():
    r = run_funded(
        [
            credit("t1", 7, "USDT", "10"),
            credit("t1", 7, "USDT", "10"),
            debit("t1", 7, "USDT", "1"),
            credit(1, 8, "BTC", "1"),
            credit("1", 8, "BTC", "1"),  # "1" and 1 are the same id, as for orders
        ]
    )
    assert r.events[1] == [(REFUSED, "credit", "t1", 7, "duplicate_transfer")]
    assert r.events[2] == [(REFUSED, "debit", "t1", 7, "duplicate_transfer")]
    assert r.refusal(4) == "duplicate_transfer"
    assert r.balance(7, "USDT") == ("10", "0")
    assert r.balance(8, "BTC") == ("1", "0")


def test_a_refused_transfer_does_not_use_up_its_id():
    r = run_funded(
        [
            debit("t1", 7, "USDT", "5"),  # nothing to withdraw
            credit("t1", 7, "USDT", "abc"),
            credit("t1", 7, "USDT", "5"),
        ]
    )
    assert [r.refusal(i) for i in range(3)] == ["insufficient_funds", "invalid_amount", None]
    assert r.balance(7, "USDT") == ("5", "0")


def test_transfer_validation_reasons():
    cases = [
        ({"op": "credit", "user": 7, "asset": "USDT", "amount": "1"}, "invalid_field"),
        ({"op": "credit", "transfer_id": "x", "asset": "USDT", "amount": "1"}, "invalid_field"),
        (credit("x", EXTERNAL, "USDT", "1"), "invalid_field"),
        (credit("x", 7, "usdt", "1"), "invalid_asset"),
        (credit("x", 7, "ABCDEFGHIJKLM", "1"), "invalid_asset"),
        (credit("x", 7, 5, "1"), "invalid_asset"),
        (credit("x", 7, "USDT", "0"), "invalid_amount"),
        (credit("x", 7, "USDT", "-1"), "invalid_amount"),
        (credit("x", 7, "USDT", 1), "invalid_amount"),
        (credit("x", 7, "USDT", "1e3"), "invalid_amount"),
        (credit("x", 7, "USDT", "0.0000000000000000001"), "invalid_amount"),
    ]
    for cmd, reason in cases:
        r = run_funded([cmd])
        assert r.refusal(0) == reason, cmd
        assert list(r.engine.all_balances()) == []
    # trailing zeros do not count as decimals, as for tick and lot checks
    r = run_funded([credit("x", 7, "USDT", "0.0000000000000000010")])
    assert r.balance(7, "USDT") == ("0.000000000000000001", "0")


def test_any_asset_name_a_market_uses_is_accepted():
    r = run_funded(
        [credit("x", 7, "wBTC", "1")],
        symbols=[symbol("wBTC-USDT")],
    )
    assert r.balance(7, "wBTC") == ("1", "0")


def test_the_fee_account_can_withdraw_its_fees():
    r = run_funded([credit("x", FEE_ACCOUNT, "USDT", "3"), debit("y", FEE_ACCOUNT, "USDT", "2")])
    assert r.fee_account() == ("1", "0")


def test_transfers_while_funds_are_off_are_refused():
    engine = Engine()
    assert engine.process(credit("t1", 7, "USDT", "1")) == [
        (REFUSED, "credit", "t1", 7, "funds_disabled")
    ]
    assert engine.process(debit(2, "7", "USDT", "1")) == [
        (REFUSED, "debit", 2, 7, "funds_disabled")
    ]
    assert engine.funds is None and list(engine.all_balances()) == []


# ---- the funds command ---------------------------------------------------------------------


def test_funds_stay_on_once_on():
    engine = Engine()
    assert engine.process({"op": "funds", "enabled": False}) == [(CONFIGURED, "funds", None)]
    assert engine.funds is None
    assert engine.process(FUNDS_ON) == [(CONFIGURED, "funds", None)]
    funds = engine.funds
    assert funds is not None
    assert engine.process(FUNDS_ON) == [(CONFIGURED, "funds", None)]  # the matcher's restart
    assert engine.funds is funds
    assert engine.process({"op": "funds", "enabled": False}) == [
        (REFUSED, "funds", None, None, "invalid_field")
    ]
    assert engine.process({"op": "funds", "enabled": "true"}) == [
        (REFUSED, "funds", None, None, "invalid_field")
    ]
    assert engine.funds is funds


def test_funds_cannot_be_turned_on_under_live_orders_that_hold_nothing():
    engine = Engine()
    engine.process(symbol())
    engine.process(limit(1, 7, "buy", "1.000", "100.00"))
    assert engine.process(FUNDS_ON) == [(REFUSED, "funds", None, None, "live_orders")]
    assert engine.funds is None


def test_funds_cannot_be_turned_on_over_a_market_or_rate_they_cannot_handle():
    engine = Engine()
    engine.process(symbol(tick="0.0000000001", lot="0.000000001"))  # 10 + 9 places
    assert engine.process(FUNDS_ON) == [(REFUSED, "funds", None, None, "invalid_precision")]
    engine = Engine()
    engine.process(fees(7, "0.001", "1"))
    assert engine.process(FUNDS_ON) == [(REFUSED, "funds", None, None, "invalid_rate")]


def test_with_funds_on_a_grid_finer_than_18_places_is_refused():
    engine = Engine()
    engine.process(FUNDS_ON)
    fine = symbol("FINE-USDT", tick="0.0000000001", lot="0.000000001")
    assert engine.process(fine) == [(REFUSED, "symbol", "FINE-USDT", None, "invalid_precision")]
    assert engine.process(symbol(tick="0.000000001", lot="0.000000001")) == [
        (CONFIGURED, "symbol", "BTC-USDT")
    ]
    change = {"op": "market", "symbol": "BTC-USDT", "tick_size": "0.0000000001"}
    assert engine.process(change) == [(REFUSED, "market", "BTC-USDT", None, "invalid_precision")]
    change["tick_size"] = "0.01"
    assert engine.process(change) == [(CONFIGURED, "market", "BTC-USDT")]


def test_with_funds_off_fine_grids_and_large_rates_stay_allowed():
    engine = Engine()
    assert engine.process(symbol(tick="0.0000000001", lot="0.000000001"))[0][0] == CONFIGURED
    assert engine.process(fees("*", "-2", "1.5"))[0][0] == CONFIGURED


def test_with_funds_on_a_rate_outside_minus_one_to_one_is_refused():
    engine = Engine()
    engine.process(FUNDS_ON)
    for maker, taker in (("1", "0"), ("0", "-1"), ("0.001", "1.0"), ("-1.5", "0")):
        assert engine.process(fees(7, maker, taker)) == [(REFUSED, "fees", 7, 7, "invalid_rate")], (
            maker,
            taker,
        )
    assert engine.process(fees(7, "0.999", "-0.999")) == [(CONFIGURED, "fees", 7)]
    assert engine.process(fees(7, "x", "5")) == [(REFUSED, "fees", 7, 7, "invalid_fees")]

"""SPEC.md §8 and §9.5, §9.10-11: prices print with the places of tick_size as written,
quantities with those of lot_size, fees with quote_precision; input forms do not matter."""

from __future__ import annotations

from .helpers import fees, limit, run, symbol


def _pair(name, tick, lot, price, quantity, **spec):
    return run(
        [
            symbol(name, tick=tick, lot=lot, **spec),
            limit(1, "u1", "sell", quantity, price, symbol=name),
            limit(2, "u2", "buy", quantity, price, symbol=name),
            limit(3, "u1", "sell", quantity, price, symbol=name),
        ],
        define_symbol=False,
    )


def test_tick_with_trailing_zero_prints_its_written_places():
    r = _pair("X-USDT", "0.010", "0.001", "100.02", "1.000")
    assert r.tape[0].split(",")[2] == "100.020"
    assert r.book == ["X-USDT,sell,100.020,3,1.000,1.000"]


def test_lot_with_trailing_zero_prints_its_written_places():
    r = _pair("X-USDT", "0.01", "0.0010", "100.00", "1")
    assert r.tape[0].split(",")[3] == "1.0000"
    assert r.orders[0] == "1,filled,1.0000,"
    assert r.book == ["X-USDT,sell,100.00,3,1.0000,1.0000"]


def test_whole_number_tick_and_lot_print_without_a_point():
    r = _pair("X-USDT", "1", "1", "100.00", "5.000")
    assert r.tape[0].split(",")[2:4] == ["100", "5"]
    assert r.orders[0] == "1,filled,5,"
    assert r.book == ["X-USDT,sell,100,3,5,5"]


def test_half_tick():
    r = _pair("X-USDT", "0.5", "0.001", "100.5", "1.000")
    assert r.book == ["X-USDT,sell,100.5,3,1.000,1.000"]
    r = run(
        [symbol("X-USDT", tick="0.5"), limit(1, "u1", "buy", "1.000", "100.25", symbol="X-USDT")],
        define_symbol=False,
    )
    assert r.orders == ["1,rejected,0.000,tick_size"]


def test_tick_of_five_whole_units():
    r = run(
        [
            symbol("X-USDT", tick="5", lot="1"),
            limit(1, "u1", "buy", "1", "105", symbol="X-USDT"),
            limit(2, "u1", "buy", "1", "102", symbol="X-USDT"),
            limit(3, "u1", "buy", "1", "110.0", symbol="X-USDT"),
        ],
        define_symbol=False,
    )
    assert r.orders == ["1,new,0,", "2,rejected,0,tick_size", "3,new,0,"]
    assert r.book == ["X-USDT,buy,110,3,1,1", "X-USDT,buy,105,1,1,1"]


def test_quarter_tick():
    r = run(
        [
            symbol("X-USDT", tick="0.25"),
            limit(1, "u1", "buy", "1.000", "100.75", symbol="X-USDT"),
            limit(2, "u1", "buy", "1.000", "100.10", symbol="X-USDT"),
        ],
        define_symbol=False,
    )
    assert r.orders == ["1,new,0.000,", "2,rejected,0.000,tick_size"]
    assert r.book == ["X-USDT,buy,100.75,1,1.000,1.000"]


def test_input_forms_print_normalised():
    r = run([limit(1, "u1", "buy", "+1.5", "+0100.5"), limit(2, "u1", "buy", ".25", "99")])
    assert r.book == [
        "BTC-USDT,buy,100.50,1,1.500,1.500",
        "BTC-USDT,buy,99.00,2,0.250,0.250",
    ]


def test_large_values_print_exactly():
    r = _pair("X-USDT", "0.01", "0.001", "123456789.12", "1000.000")
    assert r.tape[0].split(",")[2:4] == ["123456789.12", "1000.000"]
    # notional 123456789120: maker 0.001 -> 123456789.12, taker 0.002 -> 246913578.24
    assert r.tape[0].split(",")[7:9] == ["123456789.12000000", "246913578.24000000"]


def test_fine_tick_prints_all_its_places():
    r = _pair("X-USDT", "0.00000001", "1", "0.00012345", "10")
    assert r.book == ["X-USDT,sell,0.00012345,3,10,10"]


def test_fees_print_with_quote_precision():
    r = _pair("X-USDT", "0.01", "0.01", "10.00", "1.00", quote_precision=3)
    assert r.tape == ["1,X-USDT,10.00,1.00,1,2,buy,0.010,0.020"]


def test_zero_fee_prints_without_minus_sign():
    r = run([fees("*", "-0.0000", "-0"), *_pair_cmds()])
    assert r.tape[0].endswith(",0.00000000,0.00000000")


def _pair_cmds():
    return [limit(1, "u1", "sell", "1.000", "100.00"), limit(2, "u2", "buy", "1.000", "100.00")]


def test_fills_print_with_lot_places():
    r = run([limit(1, "u1", "sell", "1.000", "100.00"), limit(2, "u2", "buy", "0.25", "100")])
    assert r.orders == ["1,partially_filled,0.250,", "2,filled,0.250,"]

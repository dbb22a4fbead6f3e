"""`units.decimal_text` and `risk.amount_text`: the one text of a decimal value (no exponent,
no trailing zeros, no point when whole, `-` only below zero), checked against Python's
Decimal for every value hypothesis finds."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.risk import AMOUNT_SCALE, amount_text
from matching.engine.units import decimal_text


def reference(num: int, scale: int) -> str:
    with localcontext() as context:
        context.prec = 10_000
        value = Decimal(num).scaleb(-scale).normalize()
        return format(value, "f")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ((0, 4), "0"),
        ((0, 0), "0"),
        ((-20, 3), "-0.02"),
        ((1000, 1), "100"),
        ((100, 0), "100"),
        ((5, -2), "500"),
        ((-1, 18), "-0.000000000000000001"),
        ((123456789, 4), "12345.6789"),
        ((10**30, 18), "1000000000000"),
    ],
    ids=lambda v: repr(v),
)
def test_examples(value, text):
    assert decimal_text(value) == text


@given(st.integers(min_value=-(10**40), max_value=10**40), st.integers(-5, 40))
def test_agrees_with_decimal(num, scale):
    assert decimal_text((num, scale)) == reference(num, scale)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_amounts_agree_with_decimal(amount):
    assert amount_text(amount) == reference(amount, AMOUNT_SCALE)


def test_values_too_long_for_str_are_written_whole():
    num = 7 * 10**5000 + 30  # more digits than int() and str() take by default
    assert decimal_text((num, 1)) == "7" + "0" * 4998 + "3"

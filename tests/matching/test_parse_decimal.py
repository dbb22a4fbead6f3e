"""`units.parse_decimal`: what is a decimal string (SPEC.md §9.1: `[+-]digits[.digits]` or
`[+-].digits`, ASCII digits only) and its `(num, scale)` value, checked against the regular
expression that states the rule and Python's Decimal, for every text hypothesis finds."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.units import parse_decimal

RULE = re.compile(r"[+-]?[0-9]*(\.[0-9]+)?", re.ASCII)


def reference(text: str) -> tuple[int, int] | None:
    """The value by the rule's regex and Decimal: None unless the text is a decimal."""
    if RULE.fullmatch(text) is None or not any(c.isdigit() for c in text):
        return None
    sign, digits, exponent = Decimal(text).as_tuple()  # exact, whatever its length
    num, scale = int("".join(map(str, digits))), -int(exponent)
    while scale > 0 and num % 10 == 0:
        num, scale = num // 10, scale - 1
    return (-num if sign else num), scale


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", (0, 0)),
        ("-0.000", (0, 0)),
        ("12.3400", (1234, 2)),
        ("-12.3400", (-1234, 2)),
        ("+.5", (5, 1)),
        (".5", (5, 1)),
        ("100", (100, 0)),
        ("0100.0", (100, 0)),
        ("0.001", (1, 3)),
    ],
)
def test_a_decimal_reads_as_its_value(text: str, value: tuple[int, int]) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    "text",
    ["", "+", "-", ".", "+.", "1.", "-1.", "1.2.3", "--1", "+-1", " 1", "1 ", "1\n",
     "1_000", "1e5", "0x10", "١٢", "1.٢", "²", "NaN", "inf", "Infinity", "1,5"],
)  # fmt: skip
def test_what_is_not_a_decimal_reads_as_none(text: str) -> None:
    assert parse_decimal(text) is None


@pytest.mark.parametrize("value", [None, 1, 1.5, b"1", ["1"], {"1": 1}, True])
def test_what_is_not_a_string_reads_as_none(value: object) -> None:
    assert parse_decimal(value) is None


def test_a_long_decimal_reads_exactly() -> None:
    """Longer than `int()` takes in one piece (4,300 digits)."""
    text = "-" + "9" * 3000 + "." + "1" * 3000 + "000"
    assert parse_decimal(text) == (-(int("9" * 3000) * 10**3000 + int("1" * 3000)), 3000)


@given(st.text(alphabet="+-.0123456789 e_٣²", max_size=24))
def test_it_agrees_with_the_rule_on_texts_of_decimal_characters(text: str) -> None:
    assert parse_decimal(text) == reference(text)


@given(st.text(max_size=12))
def test_it_agrees_with_the_rule_on_any_text(text: str) -> None:
    assert parse_decimal(text) == reference(text)


@given(
    st.integers(0, 12).flatmap(
        lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places)
    )
)
def test_it_reads_back_what_decimal_writes(value: Decimal) -> None:
    text = format(value, "f")
    assert parse_decimal(text) == reference(text)

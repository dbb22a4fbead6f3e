"""Conversion between decimal strings and the integer units (ticks, lots, fee units) of the core.

This is the one place where decimals enter and leave. A decimal is a JSON string of the form
`[+-]digits[.digits]` or `[+-].digits` (SPEC.md §9.1); anything else is not a decimal.
All arithmetic is exact: no floats and no rounding (fees.py is the one place that rounds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# int(str) refuses more than 4300 digits by default; convert longer strings in chunks.
_CHUNK: Final = 4000
_POW10: Final = [10**i for i in range(64)]


def pow10(n: int) -> int:
    """10**n, from a table for the common small exponents."""
    return _POW10[n] if n < 64 else 10**n


def _int_of_digits(digits: str) -> int:
    if len(digits) <= _CHUNK:
        return int(digits)
    return _int_of_digits(digits[:-_CHUNK]) * pow10(_CHUNK) + int(digits[-_CHUNK:])


def _digits_of_int(n: int) -> str:
    if n.bit_length() < 13_000:  # below 2**13000 < 10**4000: str() takes it
        return str(n)
    high, low = divmod(n, pow10(_CHUNK))
    return _digits_of_int(high) + str(low).rjust(_CHUNK, "0")


def parse_decimal(text: object) -> tuple[int, int] | None:
    """`"-12.3400"` -> `(-1234, 2)`: the value as `num / 10**scale`, trailing zeros dropped.

    Returns None when `text` is not a decimal string: `[+-]digits[.digits]` or `[+-].digits`,
    ASCII digits only (`re.fullmatch(r"[+-]?[0-9]*(\\.[0-9]+)?", text, re.ASCII)` with at
    least one digit; checked with `str` methods, which compiled cost about half of the regex).
    O(len(text)).
    """
    if type(text) is not str:
        return None
    body = text
    first = text[:1]
    if first == "-" or first == "+":
        body = text[1:]
    dot = body.find(".")
    if dot < 0:
        whole, frac = body, ""
        if not whole:
            return None
    else:
        whole, frac = body[:dot], body[dot + 1 :]
        if not frac or not (frac.isascii() and frac.isdigit()):
            return None
        frac = frac.rstrip("0")
    if whole and not (whole.isascii() and whole.isdigit()):
        return None
    digits = whole + frac
    num = _int_of_digits(digits) if len(digits) > _CHUNK else int(digits or "0")
    return (-num if first == "-" else num), len(frac)


def decimal_places(text: str) -> int:
    """The number of decimals of a decimal string as written (`"0.010"` -> 3)."""
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def units_of(value: tuple[int, int], unit_num: int, unit_scale: int) -> int | None:
    """How many whole units of `unit_num / 10**unit_scale` make `value`; None if not whole."""
    num, scale = value
    if scale > unit_scale:
        # num has no trailing zero, so num / 10**scale is off any grid of that coarser scale.
        return None
    count, rest = divmod(num * pow10(unit_scale - scale), unit_num)
    return None if rest else count


def format_units(count: int, unit_num: int, places: int) -> str:
    """Writes `count * unit_num / 10**places` with exactly `places` decimals."""
    value = count * unit_num
    sign = "-" if value < 0 else ""
    digits = _digits_of_int(abs(value))
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def to_decimal(count: int, unit_num: int, places: int) -> Decimal:
    """The `Decimal` value of `count` units (for the shell's API and database)."""
    return Decimal(format_units(count, unit_num, places))


def decimal_text(value: tuple[int, int]) -> str:
    """The one text of a `(num, scale)` value: no exponent, no `+`, no trailing zeros after
    the point and no point when whole, `-` only below zero (`(-20, 3)` -> `"-0.02"`,
    `(0, 4)` -> `"0"`). Equal values give equal texts."""
    num, scale = value
    while scale > 0 and num % 10 == 0:
        num //= 10
        scale -= 1
    if scale < 0:
        num, scale = num * pow10(-scale), 0
    return format_units(num, 1, scale)


def canonical_decimal(text: object) -> str | None:
    """`decimal_text` of a decimal string (`"0.0010"`, `"+.001"` -> `"0.001"`); None if `text`
    is not a decimal."""
    value = parse_decimal(text)
    return None if value is None else decimal_text(value)

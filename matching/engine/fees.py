"""Fee rates and fee arithmetic: the one place that rounds (SPEC.md §7).

A rate is kept exactly as `(num, scale)`, meaning `num / 10**scale`; a fee is an integer
count of quote units `10**-quote_precision`, rounded ROUND_HALF_UP (ties away from zero).
"""

from __future__ import annotations

from typing import Final

from .units import parse_decimal, pow10

Rate = tuple[int, int]

DEFAULT_MAKER: Final[Rate] = (1, 3)  # 0.001
DEFAULT_TAKER: Final[Rate] = (2, 3)  # 0.002
ANY_USER: Final = "*"


def parse_rate(text: object) -> Rate | None:
    """A rate from its decimal string (negative allowed: a rebate); None if not a decimal."""
    return parse_decimal(text)


class FeeSchedule:
    """Per-user maker/taker rates: the user's own, else the `*` default, else the built-in."""

    __slots__ = ("default", "by_user")

    def __init__(self) -> None:
        self.default: tuple[Rate, Rate] = (DEFAULT_MAKER, DEFAULT_TAKER)
        self.by_user: dict[int | str, tuple[Rate, Rate]] = {}

    def set(self, user: int | str, maker: Rate, taker: Rate) -> None:
        if user == ANY_USER:
            self.default = (maker, taker)
        else:
            self.by_user[user] = (maker, taker)

    def reset(self, user: int | str) -> None:
        """Drops the user's own rates (for `*`: back to the built-in defaults)."""
        if user == ANY_USER:
            self.default = (DEFAULT_MAKER, DEFAULT_TAKER)
        else:
            self.by_user.pop(user, None)

    def rates_of(self, user: int | str) -> tuple[Rate, Rate]:
        """(maker, taker) rates in force for `user` now. O(1)."""
        return self.by_user.get(user, self.default)


def fee_units(rate: Rate, notional: int, notional_exp: int, quote_precision: int) -> int:
    """`rate × notional × 10**-notional_exp`, in units of `10**-quote_precision`, rounded half up.

    `notional` is price ticks × quantity lots × tick_num × lot_num, so the notional's value
    is `notional / 10**notional_exp`. Exact integer arithmetic; called twice per trade.
    """
    rate_num, rate_scale = rate
    product = rate_num * notional
    exp = rate_scale + notional_exp - quote_precision
    if exp <= 0:
        return product if exp == 0 else product * pow10(-exp)
    # ROUND_HALF_UP, ties away from zero: floor(x + 1/2) for x >= 0, mirrored below zero.
    # The denominator is a power of ten, so it is even and half of it exact.
    denominator = pow10(exp)
    half = denominator >> 1
    if product >= 0:
        return (product + half) // denominator
    return -((half - product) // denominator)

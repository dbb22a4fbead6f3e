"""Exact sums and products of decimal columns in SQL, on every database.

`ExactSum(expression)` and `ExactProduct(a, b)` are `SUM(...)` and `a * b` on PostgreSQL,
whose NUMERIC arithmetic is exact. SQLite would add and multiply the values as floats, so
on it they call `EXACT_SUM` and `EXACT_MUL`, functions registered on each new SQLite
connection (`register_functions`, wired in `ExchangeConfig.ready`) that do the arithmetic
with Python's decimals. Both read the stored text form of `ExactDecimalField` or any plain
decimal literal, and answer plain decimal text, which the output field reads back.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from django.db.models import Aggregate, Func

from exchange.models.fields import EXACT, ExactDecimalField, from_text

# Output fields: the value's scale is whatever the arithmetic gives (18 places for a sum of
# 18-place amounts, 36 for a product of two); these bound nothing, they only read values.
_SUM_FIELD = ExactDecimalField(max_digits=100, decimal_places=36)


def _decimal(value) -> Decimal:
    return from_text(value) if isinstance(value, str) else Decimal(value)


class _ExactSumAggregate:
    """SQLite's `EXACT_SUM(x)`: NULLs are skipped, no rows (or only NULLs) give NULL."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value) -> None:
        if value is None:
            return
        with localcontext(EXACT):
            self.total = _decimal(value) + (self.total or 0)

    def finalize(self) -> str | None:
        return None if self.total is None else format(self.total, "f")


def _exact_mul(a, b) -> str | None:
    if a is None or b is None:
        return None
    with localcontext(EXACT):
        return format(_decimal(a) * _decimal(b), "f")


def register_functions(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: gives a new SQLite connection the exact functions."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_aggregate("EXACT_SUM", 1, _ExactSumAggregate)
    raw.create_function("EXACT_MUL", 2, _exact_mul, deterministic=True)


class ExactSum(Aggregate):
    """`SUM` of a decimal expression, exact on SQLite too; NULL over no rows."""

    function = "SUM"
    name = "ExactSum"
    output_field = _SUM_FIELD

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="EXACT_SUM", **extra_context)


class ExactProduct(Func):
    """`a * b` of two decimal expressions, exact on SQLite too."""

    arg_joiner = " * "
    template = "(%(expressions)s)"
    output_field = _SUM_FIELD

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="EXACT_MUL",
            template="%(function)s(%(expressions)s)",
            arg_joiner=", ",
            **extra_context,
        )

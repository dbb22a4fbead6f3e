"""Field helpers shared by the models: exact decimals on every database, written without
exponent or padding when shown.

PostgreSQL keeps a `NUMERIC(max_digits, decimal_places)` exactly. SQLite (the embedded
default) has no exact decimal type: a `DECIMAL` column turns a value into a float of about
15 significant digits. `ExactDecimalField` therefore stores its values on SQLite as text in
a fixed-width form that sorts as the numbers do, so `ORDER BY`, `MIN`/`MAX`, comparisons in
filters and the models' check constraints stay right in SQL:

    1.5   ->  "000…0001.500000000000000000"   (integer digits zero-padded, all places)
    -1.5  ->  "!999…9998.499999999999999999"  ("!" sorts before "0"; digits 9-complemented)

so a more negative value has smaller complemented digits and sorts first. Sums and
products on SQLite go through `exchange.models.exact_sql` (exact functions registered on
each SQLite connection), never through SQLite's float arithmetic.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from django.db import models

# 42 integer digits: wide enough for any notional or fee of prices and quantities the API
# accepts (each below 10**12), with room to spare.
MAX_DIGITS = 60
DECIMAL_PLACES = 18

NEGATIVE = "!"
_COMPLEMENT = str.maketrans("0123456789", "9876543210")
# Wide enough for any product or sum of two values of the widest field, exactly.
EXACT = Context(prec=400)


def sortable_text(value: Decimal, *, integer_digits: int, places: int) -> str:
    """`value` rounded to `places` (half away from zero, as PostgreSQL's NUMERIC rounds) in
    the fixed-width text form above; ValueError if it needs more than `integer_digits`."""
    with localcontext(EXACT):
        units = int(value.scaleb(places).to_integral_value(ROUND_HALF_UP))
    digits = str(abs(units)).rjust(integer_digits + places, "0")
    if len(digits) > integer_digits + places:
        raise ValueError(f"{value} has more than {integer_digits} integer digits")
    text = f"{digits[:integer_digits]}.{digits[integer_digits:]}" if places else digits
    return NEGATIVE + text.translate(_COMPLEMENT) if units < 0 else text


def from_text(text: str) -> Decimal:
    """The value of `sortable_text`'s form, or of any plain decimal literal."""
    if text.startswith(NEGATIVE):
        return Decimal(text[1:].translate(_COMPLEMENT)).copy_negate()
    return Decimal(text)


class ExactDecimalField(models.DecimalField):
    """A `DecimalField` that is exact on SQLite too (text, in the sortable form above), and
    the usual `NUMERIC(max_digits, decimal_places)` on any other database."""

    TEXT_VENDORS = frozenset({"sqlite"})

    def get_internal_type(self) -> str:
        # Not "DecimalField": SQLite's backend would read the value as a float and wrap
        # expressions of it in CAST(… AS NUMERIC).
        return "ExactDecimalField"

    def db_type(self, connection) -> str:
        if connection.vendor in self.TEXT_VENDORS:
            return "text"
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor not in self.TEXT_VENDORS:
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        return sortable_text(
            value,
            integer_digits=self.max_digits - self.decimal_places,
            places=self.decimal_places,
        )

    def from_db_value(self, value, expression, connection):
        return from_text(value) if isinstance(value, str) else value


def decimal_field(**options) -> ExactDecimalField:
    return ExactDecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **options)


def plain(value: Decimal | None) -> str | None:
    """`value` as the shortest decimal string: `Decimal("0.0100")` is `"0.01"`, 1E+1 is `"10"`."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"

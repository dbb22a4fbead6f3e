"""Field helpers shared by the models: exact decimals, written without exponent or padding."""

from decimal import Decimal

from django.db import models

# 42 integer digits: wide enough for any notional or fee of prices and quantities the API
# accepts (each below 10**12), with room to spare.
MAX_DIGITS = 60
DECIMAL_PLACES = 18


def decimal_field(**options) -> models.DecimalField:
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **options)


def plain(value: Decimal | None) -> str | None:
    """`value` as the shortest decimal string: `Decimal("0.0100")` is `"0.01"`, 1E+1 is `"10"`."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"

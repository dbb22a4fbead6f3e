"""Field helpers shared by the models: exact decimals, written without exponent or padding."""

from decimal import Decimal

from django.db import models

# Wide enough for any price, quantity or notional the engine accepts on real markets.
MAX_DIGITS = 40
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

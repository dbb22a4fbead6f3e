"""Decimals in admin lists as people read them: trailing zeros dropped, thousands grouped,
right-aligned in tabular figures (templates/admin/base_site.html styles the `num_` columns).
The database keeps 18 places for every amount; a list shows `49,950` for
`49950.000000000000000000`, and the change page keeps the exact value."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import admin


def decimal_text(value: Decimal | None) -> str:
    """`value` without its trailing zeros, thousands grouped; "" for None."""
    if value is None:
        return ""
    shown = format(value.normalize(), ",f")
    return "0" if shown in ("-0", "0") else shown


def decimal_column(field: str, description: str | None = None) -> Callable:
    """A list_display column showing `field` with `decimal_text`, sortable by the field."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def column(obj) -> str:
        return decimal_text(getattr(obj, field))

    column.__name__ = f"num_{field}"
    return column

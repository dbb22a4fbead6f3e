"""Admin of fee tiers, per-user overrides, and the tiers users' volumes earned (read-only:
the daily recompute, fees/tiers.py, owns those).

No matcher call is needed: the matcher syncs its fee rates from the database every second.
Every save keeps the exchange from paying out more than it takes on any trade: the lowest
maker rate plus the lowest taker rate, over all tiers and overrides, is never negative. Every
change is written to the audit trail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Model

from audit.admin import AuditedModelAdmin
from exchange.admin_decimals import decimal_column
from exchange.admin_read_only import ReadOnlyAdmin
from fees.models import FeeOverride, FeeTier, UserTier

SYNC_NOTE = "The matcher applies this within a second of saving (it syncs fees from the database)."
NEGATIVE_SUM = (
    "Refused: some maker rate plus some taker rate is negative (lowest maker {maker} + lowest "
    "taker {taker}), so a trade could pay out more than it takes."
)
# Strictly between -1 and 1, as the engine takes rates with funds on (rates have 8 places).
RATE_RANGE = [MinValueValidator(Decimal("-0.99999999")), MaxValueValidator(Decimal("0.99999999"))]


def all_rates(excluding: Model) -> list[tuple[Decimal, Decimal]]:
    """(maker, taker) of every tier and override but `excluding` (the row being edited)."""
    rates: list[tuple[Decimal, Decimal]] = []
    for model in (FeeTier, FeeOverride):
        rows = model.objects.all()
        if isinstance(excluding, model) and excluding.pk is not None:
            rows = rows.exclude(pk=excluding.pk)
        rates.extend(rows.values_list("maker_rate", "taker_rate"))
    return rates


class RatesForm(forms.ModelForm):
    """Rates between -1 and 1 whose worst combination with all others is not negative."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("maker_rate", "taker_rate"):
            self.fields[name].validators.extend(RATE_RANGE)
            self.fields[name].help_text = f"{self.fields[name].help_text} {SYNC_NOTE}".strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        maker, taker = data.get("maker_rate"), data.get("taker_rate")
        if maker is None or taker is None:
            return data
        rates = [*all_rates(self.instance), (maker, taker)]
        lowest_maker = min(rate[0] for rate in rates)
        lowest_taker = min(rate[1] for rate in rates)
        if lowest_maker + lowest_taker < 0:
            raise forms.ValidationError(
                NEGATIVE_SUM.format(maker=lowest_maker, taker=lowest_taker), code="negative_fees"
            )
        return data


class FeeTierForm(RatesForm):
    class Meta:
        model = FeeTier
        fields = ("name", "min_volume_30d", "maker_rate", "taker_rate")


class FeeOverrideForm(RatesForm):
    class Meta:
        model = FeeOverride
        fields = ("user", "maker_rate", "taker_rate", "note")


@admin.register(FeeTier)
class FeeTierAdmin(AuditedModelAdmin):
    form = FeeTierForm
    list_display = (
        "name", decimal_column("min_volume_30d", "min volume 30d"), decimal_column("maker_rate"),
        decimal_column("taker_rate"),
    )  # fmt: skip
    search_fields = ("name",)


@admin.register(FeeOverride)
class FeeOverrideAdmin(AuditedModelAdmin):
    form = FeeOverrideForm
    list_display = ("user", decimal_column("maker_rate"), decimal_column("taker_rate"), "note")
    list_select_related = ("user",)
    search_fields = ("user__username", "note")
    autocomplete_fields = ("user",)


@admin.register(UserTier)
class UserTierAdmin(ReadOnlyAdmin):
    """Who is above the lowest tier, by the last recompute. Editing a row would be undone by
    the next one: a user's own rates are an override."""

    list_display = ("user", "tier", decimal_column("volume_30d", "volume 30d"), "updated_at")
    list_filter = ("tier",)
    list_select_related = ("user", "tier")
    search_fields = ("user__username",)

"""The assets the exchange knows: those its markets trade."""

from __future__ import annotations

from exchange.models import Market


def assets_traded() -> list[str]:
    """Every base and quote asset of a market, sorted."""
    pairs = Market.objects.values_list("base", "quote")
    return sorted({asset for pair in pairs for asset in pair})

"""How the API writes values: decimals with a market's places, times in ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from exchange.models.fields import plain

# Room for any value of 60-digit columns: the default context (28 digits) would refuse them.
EXACT = Context(prec=100)


def places(step: Decimal) -> int:
    """Decimals of a tick or lot as the engine writes them (`0.010` is 2, `5` is 0)."""
    return len(plain(step).partition(".")[2])


def fixed(value: Decimal | None, decimals: int, rounding: str = ROUND_HALF_UP) -> str | None:
    """`value` with exactly `decimals` places (None stays None)."""
    if value is None:
        return None
    with localcontext(EXACT):
        return format(value.quantize(Decimal(1).scaleb(-decimals), rounding), "f")


def iso_time(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with microseconds, API.md's time format: `2026-11-22T10:30:00.123456Z`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_from_ms(ms: int | None) -> str | None:
    return None if ms is None else iso_time(datetime.fromtimestamp(ms / 1000, tz=UTC))

"""One-minute candle rollups of each market's trades, written with the trades themselves.

A row sums up every trade of its market whose `executed_at` falls in the minute opening at
`minute` (ms since the Unix epoch, UTC, a multiple of 60,000): open and close are the prices
of the first and last of them by trade id (the order in which the engine executed them).
Candles of every interval and the 24 h ticker are read from these rows
(`exchange.selectors.candles`, `exchange.selectors.market_data`), never by aggregating the
trade table over the whole window. `exchange.services.candle_rollups` keeps them.
"""

from datetime import UTC, datetime, timedelta

from django.db import models

from exchange.models.fields import ExactDecimalField, decimal_field
from exchange.models.market import Market

MINUTE_MS = 60_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def minute_of(at: datetime) -> int:
    """The open time (ms since the epoch) of the minute holding `at`."""
    return (at - EPOCH) // timedelta(minutes=1) * MINUTE_MS


def minute_start(minute: int) -> datetime:
    """The moment a minute of `minute_of` opens."""
    return EPOCH + timedelta(milliseconds=minute)


# A sum of price × quantity keeps both factors' places (18 + 18) exactly.
QUOTE_PLACES = 36


class CandleMinute(models.Model):
    market = models.ForeignKey(
        Market,
        to_field="symbol",
        db_column="symbol",
        on_delete=models.CASCADE,
        related_name="+",
    )
    minute = models.BigIntegerField(help_text="Open time, ms since the epoch (UTC).")
    open = decimal_field()
    high = decimal_field()
    low = decimal_field()
    close = decimal_field()
    volume = decimal_field()
    quote_volume = ExactDecimalField(max_digits=100, decimal_places=QUOTE_PLACES)
    trade_count = models.BigIntegerField()
    first_trade_id = models.BigIntegerField()
    last_trade_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["market", "minute"], name="candle_minute_unique")
        ]

    def __str__(self) -> str:
        return f"{self.market_id} {self.minute}"

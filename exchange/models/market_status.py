"""A market's status as the matcher last announced it (its `market_status` events): how
`/api/v1/symbols` knows of a circuit breaker's pause, which no admin set. The persister keeps
one row per market that has announced one (matching/service/persister.py); the admin's own
halt stays `Market.status`, which config sync sends to the engine, so a pause never goes
back to the engine as configuration."""

from django.db import models

from exchange.models.market import Market


class MarketStatus(models.Model):
    class Status(models.TextChoices):
        TRADING = "trading"
        HALTED = "halted"
        PAUSED = "paused"

    market = models.OneToOneField(
        Market,
        to_field="symbol",
        db_column="symbol",
        on_delete=models.CASCADE,
        related_name="engine_status",
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    # `circuit_breaker` while paused, `admin` while halted, empty while trading
    reason = models.CharField(max_length=32, blank=True, default="")
    resumes_at = models.DateTimeField(
        null=True, blank=True, help_text="When the pause ends by itself; empty otherwise."
    )
    seq = models.BigIntegerField(help_text="The engine sequence number that announced it.")

    class Meta:
        verbose_name_plural = "market statuses"

    def __str__(self) -> str:
        return f"{self.market_id} {self.status}"

    @property
    def paused(self) -> bool:
        return self.status == self.Status.PAUSED

"""Trades: both sides, their fees and who provided liquidity. Written only by the persister."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from exchange.models.fields import decimal_field
from exchange.models.market import Market
from exchange.models.order import SIDES, Order


class Trade(models.Model):
    id = models.BigIntegerField(primary_key=True)  # the engine's trade id
    seq = models.BigIntegerField(help_text="The engine sequence number of the command.")
    market = models.ForeignKey(
        Market,
        to_field="symbol",
        db_column="symbol",
        on_delete=models.PROTECT,
        related_name="trades",
    )
    price = decimal_field()
    quantity = decimal_field()
    taker_side = models.CharField(max_length=4, choices=SIDES)
    maker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="maker_trades")
    taker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="taker_trades")
    maker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="maker_trades"
    )
    taker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="taker_trades"
    )
    maker_fee = decimal_field()
    taker_fee = decimal_field()
    fee_asset = models.CharField(max_length=12)
    executed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["market", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="trade_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="trade_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.market_id} {self.quantity}@{self.price}"

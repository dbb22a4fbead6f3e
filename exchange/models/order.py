"""Orders as the matcher left them, and each order's status history.

Rows are written only by the persister, from the matcher's events; the engine's id is the
primary key. Rejected orders never existed on the book and are not stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from exchange.models.fields import decimal_field
from exchange.models.market import Market
from matching.engine import domain

SIDES = [(name, name) for name in sorted(domain.SIDES)]
TYPES = [(name, name) for name in sorted(domain.ORDER_TYPES)]
TIFS = [(name, name) for name in sorted(domain.TIFS)]
STP_MODES = [(name, name) for name in sorted(domain.STP_MODES)]
STATUSES = [(name, name) for name in sorted(domain.STATUSES)]
OPEN_STATUSES = sorted(domain.LIVE_STATUSES)


class Order(models.Model):
    id = models.BigIntegerField(primary_key=True)
    # Every order row is written once and changed a few times, thousands a second: each
    # index costs the persister on each, so only those the reads need are kept (Meta). The
    # user's (user, ...) indexes serve as its foreign-key index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    market = models.ForeignKey(
        Market,
        to_field="symbol",
        db_column="symbol",
        on_delete=models.PROTECT,
        related_name="orders",
    )
    client_order_id = models.CharField(max_length=64, null=True, blank=True)
    side = models.CharField(max_length=4, choices=SIDES)
    type = models.CharField(max_length=20, choices=TYPES)
    time_in_force = models.CharField(max_length=3, choices=TIFS)
    price = decimal_field(null=True, blank=True)
    # a market buy by notional (API.md): its quantity is what it bought
    quote_quantity = decimal_field(null=True, blank=True)
    trigger_price = decimal_field(null=True, blank=True)
    quantity = decimal_field()
    display_quantity = decimal_field(null=True, blank=True)
    post_only = models.BooleanField(default=False)
    stp_mode = models.CharField(max_length=16, choices=STP_MODES)
    expire_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=STATUSES)
    filled_quantity = decimal_field()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # the engine sequence number of the command that last changed this order
    last_seq = models.BigIntegerField()

    class Meta:
        ordering = ["-id"]
        # client_order_id is unique per user: the matcher enforces it, in sequence (a unique
        # constraint here could only make the persister fail on what the engine accepted)
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["user", "client_order_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(quote_quantity__isnull=False),
                name="order_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(filled_quantity__gte=0) & Q(filled_quantity__lte=F("quantity")),
                name="order_filled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0), name="order_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(trigger_price__isnull=True) | Q(trigger_price__gt=0),
                name="order_trigger_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(display_quantity__isnull=True) | Q(display_quantity__gt=0),
                name="order_display_quantity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.side} {self.quantity} {self.market_id} {self.status}"

    @property
    def remaining_quantity(self):
        return self.quantity - self.filled_quantity

    @property
    def is_open(self) -> bool:
        return self.status in domain.LIVE_STATUSES


class OrderEvent(models.Model):
    """One change of an order: the status history. `(seq, position)` names the event: the
    command's engine sequence number and the event's place among that command's events."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    position = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=STATUSES)
    filled_quantity = decimal_field()
    # why it changed, where the status does not say it all: `user` (a cancel), `stp`,
    # `expired`, `cancel_after`, or the engine's reason of a rejection; empty for the rest
    reason = models.CharField(max_length=32, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["seq", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "seq", "position"], name="order_event_unique_seq"
            ),
        ]

"""Fee tiers and per-user overrides, as admins configure them; the matcher applies them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from exchange.models.fields import ExactDecimalField, decimal_field

RATE_OPTIONS = {"max_digits": 12, "decimal_places": 8}


class FeeTier(models.Model):
    """Rates for users whose 30-day quote volume reaches `min_volume_30d`. The tier with the
    lowest minimum is everyone's default."""

    name = models.CharField(max_length=40, unique=True)
    min_volume_30d = ExactDecimalField(max_digits=40, decimal_places=8, default=Decimal(0))
    maker_rate = ExactDecimalField(**RATE_OPTIONS, help_text="Negative: a rebate.")
    taker_rate = ExactDecimalField(**RATE_OPTIONS)

    class Meta:
        ordering = ["min_volume_30d"]
        constraints = [
            models.UniqueConstraint(
                fields=["min_volume_30d"],
                name="fee_tier_unique_volume",
                violation_error_message="Another tier starts at this 30-day volume.",
            ),
            models.CheckConstraint(
                condition=Q(min_volume_30d__gte=0),
                name="fee_tier_volume_not_negative",
                violation_error_message="The 30-day volume cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.maker_rate}/{self.taker_rate})"


class FeeOverride(models.Model):
    """A user's own rates (a VIP rate, say), in force whatever their volume."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fee_override"
    )
    maker_rate = ExactDecimalField(**RATE_OPTIONS)
    taker_rate = ExactDecimalField(**RATE_OPTIONS)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.maker_rate}/{self.taker_rate})"


class UserTier(models.Model):
    """The tier a user's 30-day quote volume earned, when above the lowest (everyone else's
    default needs no row). Written by `fees.tiers.tiers_recompute`, daily; read by the
    matcher's fee sync, so a change here reaches the engine within a second."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fee_tier"
    )
    # Deleting a tier drops its users to the lowest tier until the next recompute.
    tier = models.ForeignKey(FeeTier, on_delete=models.CASCADE, related_name="user_tiers")
    volume_30d = decimal_field(help_text="The 30-day quote volume the tier was chosen by.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-volume_30d"]

    def __str__(self) -> str:
        return f"{self.user}: {self.tier.name}"

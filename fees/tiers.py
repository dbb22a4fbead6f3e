"""Moving users between fee tiers by their 30-day quote volume.

Only users above the lowest tier get a `UserTier` row; the matcher's fee sync
(matching/config_sync.py) reads these rows every second, so each change made here reaches
the engine as a journaled `fees` command without anything being sent from here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from exchange.models.fields import DECIMAL_PLACES
from fees.models import FeeTier, UserTier
from fees.selectors import volumes_30d

QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)  # what UserTier.volume_30d stores


def tier_for(volume: Decimal, tiers: list[FeeTier]) -> FeeTier | None:
    """The highest tier whose minimum `volume` reaches (`tiers` sorted by minimum), or None
    if it reaches none above the lowest, which is everyone's default."""
    earned = None
    for tier in tiers[1:]:
        if tier.min_volume_30d <= volume:
            earned = tier
    return earned


def tiers_recompute(*, now: datetime | None = None) -> dict[str, int]:
    """Recomputes every user's 30-day volume up to `now` and their tier; creates, updates and
    deletes `UserTier` rows to match. Returns how many rows were created, updated (tier or
    volume changed) and deleted."""
    now = now or timezone.now()
    tiers = list(FeeTier.objects.order_by("min_volume_30d"))
    desired: dict[int, tuple[int, Decimal]] = {}
    for user_id, volume in volumes_30d(now=now).items():
        tier = tier_for(volume, tiers)
        if tier is not None:
            desired[user_id] = (tier.pk, volume.quantize(QUANTUM))
    with transaction.atomic():
        current = {
            user_id: (tier_id, volume)
            for user_id, tier_id, volume in UserTier.objects.values_list(
                "user_id", "tier_id", "volume_30d"
            )
        }
        gone = [user_id for user_id in current if user_id not in desired]
        changed = {
            user_id: values for user_id, values in desired.items() if current.get(user_id) != values
        }
        if gone:
            UserTier.objects.filter(user_id__in=gone).delete()
        if changed:
            stamp = timezone.now()
            # an upsert: a concurrent run (beat and a manual one) cannot trip the unique user
            UserTier.objects.bulk_create(
                [
                    UserTier(user_id=user_id, tier_id=tier_id, volume_30d=volume, updated_at=stamp)
                    for user_id, (tier_id, volume) in changed.items()
                ],
                update_conflicts=True,
                unique_fields=["user"],
                update_fields=["tier", "volume_30d", "updated_at"],
            )
    created = sum(1 for user_id in changed if user_id not in current)
    return {"created": created, "updated": len(changed) - created, "deleted": len(gone)}

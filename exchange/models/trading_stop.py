"""A user an admin has stopped trading (API.md, "Market safety": the kill switch for one
user). While the row exists every matcher refuses the user's orders `trading_disabled`,
having cancelled their open ones (reason `admin`); the matchers apply a change within a
second (matching/service/config_sync.py)."""

from django.conf import settings
from django.db import models


class TradingStop(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trading_stop"
    )
    reason = models.CharField(max_length=200, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} stopped"

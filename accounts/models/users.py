"""Users of the exchange and their API keys."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A trader or an admin. Their id is the user id the matching engine knows."""


class ApiKey(models.Model):
    """A key a program signs its requests with (API.md, "Authentication"). The secret is
    kept encrypted (accounts/api_keys.py): the server needs it to check HMAC signatures."""

    class Permission(models.TextChoices):
        READ = "read", "read only"
        TRADE = "trade", "read and trade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=64, unique=True, editable=False)
    secret_encrypted = models.TextField(editable=False)
    permission = models.CharField(
        max_length=5, choices=Permission.choices, default=Permission.TRADE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.key[:8]}… ({self.user}, {self.permission})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_trade(self) -> bool:
        return self.permission == self.Permission.TRADE

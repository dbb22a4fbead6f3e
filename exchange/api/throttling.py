"""Rate limits (API.md): per API key, and per client IP for requests without a key.

DRF throttles over the in-memory sliding window of `rate_window.py`, with the rates read
from settings on each request so deployments and tests can change them. The WebSocket's
order entry counts against the same windows (exchange/consumers/trading.py).
"""

from __future__ import annotations

import math

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from exchange.api.rate_window import LIMITS

DURATION = 1.0


def key_ident(api_key: ApiKey) -> str:
    return f"key:{api_key.pk}"


def address_ident(address: str) -> str:
    return f"ip:{address}"


def key_allowed(ident: str, limit: int) -> float | None:
    """None if a request of `ident` is within `limit` a second, else the seconds to wait."""
    return LIMITS.check(ident, limit, DURATION)


class ApiKeyRateThrottle(BaseThrottle):
    """EXCHANGE_RATE_PER_KEY requests a second for each API key."""

    _wait: float | None = None

    def ident_and_limit(self, request) -> tuple[str, int] | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return key_ident(request.auth), settings.EXCHANGE_RATE_PER_KEY

    def allow_request(self, request, view) -> bool:
        found = self.ident_and_limit(request)
        if found is None:
            return True
        self._wait = key_allowed(*found)
        return self._wait is None

    def wait(self) -> float | None:
        return None if self._wait is None else max(1, math.ceil(self._wait))


class IpRateThrottle(ApiKeyRateThrottle):
    """EXCHANGE_RATE_PER_IP requests a second for each client address without a key."""

    def ident_and_limit(self, request) -> tuple[str, int] | None:
        if isinstance(request.auth, ApiKey):
            return None
        return address_ident(self.get_ident(request)), settings.EXCHANGE_RATE_PER_IP

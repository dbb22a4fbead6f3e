"""Rate limits (API.md): per API key, and per client IP for requests without a key.

DRF's history throttle on the shared cache (Redis in production), with the rates read from
settings on each request so deployments and tests can change them.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return f"{settings.EXCHANGE_RATE_PER_KEY}/s"

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class IpRateThrottle(ApiKeyRateThrottle):
    scope = "ip"

    def get_rate(self) -> str:
        return f"{settings.EXCHANGE_RATE_PER_IP}/s"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

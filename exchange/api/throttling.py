"""Rate limits (API.md): per API key, per session user, and per client address for the rest.

DRF throttles over `LIMITS` (exchange/api/rate_store.py: Redis shared by all web processes
when REDIS_URL is set, else this process's memory), the rates read from settings on each
request so deployments and tests can change them:

- a request signed with an API key counts against its key (EXCHANGE_RATE_PER_KEY a second);
- a request of a session-logged-in user (the browser) against its user, at the same rate;
- any other request against its client address (exchange/client_address.py,
  EXCHANGE_RATE_PER_IP a second), as does every failed authentication
  (exchange/api/address_gate.py, which also refuses an address over its limit before its
  credentials are checked).

The socket's order entry counts against the same windows (exchange/consumers/trading.py).
"""

from __future__ import annotations

import math

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from exchange.api.rate_store import LIMITS
from exchange.client_address import client_address

DURATION = 1.0


def key_ident(api_key: ApiKey) -> str:
    return f"key:{api_key.pk}"


def user_ident(user_id: int) -> str:
    return f"user:{user_id}"


def address_ident(address: str) -> str:
    return f"ip:{address}"


def key_allowed(ident: str, limit: int) -> float | None:
    """None if a request of `ident` is within `limit` a second, else the seconds to wait."""
    return LIMITS.check(ident, limit, DURATION)


async def akey_allowed(ident: str, limit: int) -> float | None:
    """`key_allowed` from the event loop, without blocking it."""
    return await LIMITS.acheck(ident, limit, DURATION)


def window_of(api_key: ApiKey | None, user_id: int | None, address: str) -> tuple[str, int]:
    """Whose window a request counts in, and its limit: the key's, else the logged-in
    user's, else the client address's."""
    if api_key is not None:
        return key_ident(api_key), settings.EXCHANGE_RATE_PER_KEY
    if user_id is not None:
        return user_ident(user_id), settings.EXCHANGE_RATE_PER_KEY
    return address_ident(address), settings.EXCHANGE_RATE_PER_IP


def _authenticated_user_id(request) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class LoopThrottle(BaseThrottle):
    """A throttle that also counts from the event loop (`aallow_request`), which the order
    fast path awaits instead of calling `allow_request` (exchange/api/order_pipeline.py)."""

    async def aallow_request(self, request, view) -> bool:
        raise NotImplementedError


class ApiKeyRateThrottle(LoopThrottle):
    """EXCHANGE_RATE_PER_KEY requests a second for each API key, and for each user logged
    in by session."""

    _wait: float | None = None

    def ident_and_limit(self, request) -> tuple[str, int] | None:
        if isinstance(request.auth, ApiKey):
            return key_ident(request.auth), settings.EXCHANGE_RATE_PER_KEY
        user_id = _authenticated_user_id(request)
        if user_id is None:
            return None
        return user_ident(user_id), settings.EXCHANGE_RATE_PER_KEY

    def allow_request(self, request, view) -> bool:
        found = self.ident_and_limit(request)
        if found is None:
            return True
        self._wait = key_allowed(*found)
        return self._wait is None

    async def aallow_request(self, request, view) -> bool:
        """`allow_request` from the event loop (the order fast path): the same count, not
        blocking the loop while the store answers."""
        found = self.ident_and_limit(request)
        if found is None:
            return True
        self._wait = await akey_allowed(*found)
        return self._wait is None

    def wait(self) -> float | None:
        return None if self._wait is None else max(1, math.ceil(self._wait))


class IpRateThrottle(ApiKeyRateThrottle):
    """EXCHANGE_RATE_PER_IP requests a second for each client address, for requests with
    neither a key nor a logged-in user."""

    def ident_and_limit(self, request) -> tuple[str, int] | None:
        if isinstance(request.auth, ApiKey) or _authenticated_user_id(request) is not None:
            return None
        return address_ident(client_address(request)), settings.EXCHANGE_RATE_PER_IP

"""Failed authentication counted per client address, and refused before it costs anything.

A middleware, around every view under /api/ on Django's path and the order fast path alike
(both run settings.MIDDLEWARE). A response `401` (a bad, unknown or revoked key, a bad
signature or timestamp, credentials missing) counts against the client address's window,
the one anonymous requests count in (EXCHANGE_RATE_PER_IP a second,
exchange/api/throttling.py). The failure that finds the window full is answered
`429 rate_limited` instead, and the address is shut for the rest of the window: its next
requests under /api/ are refused `429` before authentication, so a flood of bad keys or
signatures costs neither a key lookup nor an HMAC.

The shut is kept in this process's memory (`LIMITS.local`: no round trip per request); the
count is in the shared store, so each web process shuts the address at its first failure
once the address is over its limit across all of them.
"""

from __future__ import annotations

import math

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

from exchange.api.errors import ApiError
from exchange.api.rate_store import LIMITS
from exchange.api.throttling import DURATION, address_ident
from exchange.client_address import client_address

API_PREFIX = "/api/"


def _shut_ident(address: str) -> str:
    return f"shut:{address}"


def _refusal(seconds: float):
    retry = str(max(1, math.ceil(seconds)))
    return ApiError(
        "rate_limited", f"Too many requests; retry in {retry} s.", status=429,
        headers={"Retry-After": retry},
    ).json_response()  # fmt: skip


def before(request):
    """The 429 for a request from a shut address, or None."""
    if not request.path.startswith(API_PREFIX):
        return None
    left = LIMITS.local.locked(_shut_ident(client_address(request)))
    return None if left is None else _refusal(left)


def after(request, response):
    """The response, or a 429 if it is a failed authentication over the address's limit."""
    if response.status_code != 401 or not request.path.startswith(API_PREFIX):
        return response
    address = client_address(request)
    wait = LIMITS.check(address_ident(address), settings.EXCHANGE_RATE_PER_IP, DURATION)
    if wait is None:
        return response
    LIMITS.local.lock(_shut_ident(address), wait)
    return _refusal(wait)


class AddressGate:
    """The middleware: `before` the view, `after` it; inline on the event loop under ASGI."""

    async_capable = sync_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return before(request) or after(request, self.get_response(request))

    async def __acall__(self, request):
        return before(request) or after(request, await self.get_response(request))

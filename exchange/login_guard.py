"""Login, sign-up and admin login: limited per client address, and locked after failures.

Each page's POSTs count against its client address (exchange/client_address.py):
EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE a minute, as each costs a password hash. A login form
shown again after a POST (Django's login views answer a refused login with the form, `200`;
a login with a redirect) is a failure of that username from that address;
EXCHANGE_LOGIN_MAX_FAILURES of them within EXCHANGE_LOGIN_FAILURE_WINDOW_S lock the pair out
for EXCHANGE_LOGIN_LOCKOUT_S: meanwhile its logins are refused before the password is
checked, a right one too. A login ends the pair's count of failures.

Refusals are `429` with Retry-After. The counts and locks are in `LIMITS`
(exchange/api/rate_store.py: Redis across web processes when it is there).
"""

from __future__ import annotations

import math
from functools import wraps

from django.conf import settings
from django.http import HttpResponse

from exchange.api.rate_store import LIMITS
from exchange.client_address import client_address

MINUTE = 60.0


def _refused(seconds: float, what: str) -> HttpResponse:
    retry = max(1, math.ceil(seconds))
    response = HttpResponse(
        f"{what} Try again in {retry} s.\n", status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(retry)
    return response


def _pair(request, address: str) -> str:
    username = str(request.POST.get("username", "")).strip().casefold()[:150]
    return f"{username}|{address}"


def _login_posted(view, request, address: str, *args, **kwargs) -> HttpResponse:
    pair = _pair(request, address)
    left = LIMITS.locked(f"login-lock:{pair}")
    if left is not None:
        return _refused(left, "Too many failed logins for this username.")
    response = view(request, *args, **kwargs)
    if 300 <= response.status_code < 400:
        LIMITS.reset(f"login-failures:{pair}")
    elif response.status_code == 200:
        before = settings.EXCHANGE_LOGIN_MAX_FAILURES - 1  # the failures allowed before this
        window = settings.EXCHANGE_LOGIN_FAILURE_WINDOW_S
        if before <= 0 or LIMITS.check(f"login-failures:{pair}", before, window) is not None:
            LIMITS.reset(f"login-failures:{pair}")
            LIMITS.lock(f"login-lock:{pair}", settings.EXCHANGE_LOGIN_LOCKOUT_S)
    return response


def guarded(view, *, login: bool = True):
    """`view` with its POSTs limited per client address and, for a login view (`login`),
    failures counted and locked out per username and address."""

    @wraps(view)
    def guarded_view(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        address = client_address(request)
        wait = LIMITS.check(
            f"login-address:{address}", settings.EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE, MINUTE
        )
        if wait is not None:
            return _refused(wait, "Too many attempts from this address.")
        if not login:
            return view(request, *args, **kwargs)
        return _login_posted(view, request, address, *args, **kwargs)

    return guarded_view

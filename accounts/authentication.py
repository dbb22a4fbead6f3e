"""DRF authentication: signed API-key requests for programs, the session for browsers.

A signed request is checked in this order, each failure a 401 with API.md's code
(exchange/api/errors.py turns them into the envelope):

1. the three headers are there (`missing_credentials`);
2. the key is well formed and names an active key of an active user (`invalid_api_key`);
3. the timestamp is integer milliseconds within the window (`timestamp_out_of_window`);
4. the signature is the HMAC of the request under the key's secret (`invalid_signature`);
5. the signature was not used before: it is claimed, once, in the single-use store
   (accounts/replay_guard.py; `replayed_request`). Only a signature that passed 1-4 is
   claimed, so a forged or malformed request uses up nothing.

A malformed value (non-ASCII, too long, `--1700000000000`, not a string on the socket) fails
its own step with its code, never with an exception of its own.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.api_keys import signature_matches
from accounts.key_cache import active_key
from accounts.models import ApiKey
from accounts.replay_guard import StoreFull, signatures

_MILLISECONDS = re.compile(r"[0-9]{1,19}")
MAX_SIGNATURE_LENGTH = 128  # a hex SHA-256 is 64; leave room for surrounding blanks


def _failed(code: str, message: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(message, code=code)


def milliseconds_text(timestamp: object) -> str | None:
    """The timestamp as signed (ASCII digits, no sign, blanks around it dropped), or None if
    it is no integer milliseconds: an int of up to 19 digits (the socket's JSON), or such a
    string (a header)."""
    if isinstance(timestamp, bool):
        return None
    if isinstance(timestamp, int):
        return str(timestamp) if 0 <= timestamp < 10**19 else None
    if not isinstance(timestamp, str):
        return None
    text = timestamp.strip()
    return text if _MILLISECONDS.fullmatch(text) else None


def check_timestamp(timestamp: object) -> str:
    """The timestamp as signed; raises `timestamp_out_of_window` unless it is integer ms
    within the window."""
    text = milliseconds_text(timestamp)
    if text is None:
        raise _failed("timestamp_out_of_window", "The timestamp must be integer milliseconds.")
    if abs(time.time_ns() // 1_000_000 - int(text)) > settings.EXCHANGE_SIGNATURE_WINDOW_MS:
        raise _failed(
            "timestamp_out_of_window",
            f"The timestamp is more than {settings.EXCHANGE_SIGNATURE_WINDOW_MS} ms from the "
            "server's clock.",
        )
    return text


def canonical_signature(given: object) -> str | None:
    """The signature as compared (stripped, lower case), or None if it cannot be one."""
    if not isinstance(given, str) or len(given) > MAX_SIGNATURE_LENGTH or not given.isascii():
        return None
    return given.strip().lower()


def claim_signature(signature: str) -> None:
    """Takes `signature` for this request; raises `replayed_request` if it was taken before
    (and Throttled if this process cannot remember one more)."""
    try:
        claimed = signatures().claim(signature)
    except StoreFull:
        raise exceptions.Throttled(wait=1) from None
    if not claimed:
        raise replayed()


async def aclaim_signature(signature: str) -> None:
    """`claim_signature` from an event loop, without blocking it."""
    try:
        claimed = await signatures().aclaim(signature)
    except StoreFull:
        raise exceptions.Throttled(wait=1) from None
    if not claimed:
        raise replayed()


def replayed() -> exceptions.AuthenticationFailed:
    return _failed(
        "replayed_request",
        "This signature was already used: each signed request is taken once; sign it anew.",
    )


def authenticate_signed(
    key: str,
    timestamp: object,
    given_signature: object,
    method: str,
    path: str,
    body: bytes,
    lookup=active_key,
    claim=claim_signature,
) -> ApiKey:
    """The active key `key` if the request it signed checks out and its signature was not
    used before (steps 2-5 above); raises AuthenticationFailed. `lookup` finds the key and
    its secret (accounts/key_cache.py); `claim` takes the signature (the fast order path
    gives one that defers it to the event loop, exchange/api/order_pipeline.py)."""
    found = lookup(key) if key else None
    if found is None:
        raise _failed("invalid_api_key", "Unknown or revoked API key.")
    api_key, secret = found
    timestamp_text = check_timestamp(timestamp)
    signature = canonical_signature(given_signature)
    if signature is None or not signature_matches(
        secret, signature, timestamp_text, method, path, body
    ):
        raise _failed("invalid_signature", "The signature does not match the request.")
    claim(signature)
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """X-API-KEY, X-API-TIMESTAMP (ms) and X-API-SIGNATURE; request.auth is the ApiKey.
    `lookup` finds the key and `claim` takes the signature (exchange/api/order_pipeline.py
    gives a key read ahead, and a claim made on the event loop)."""

    lookup = staticmethod(active_key)
    claim = staticmethod(claim_signature)

    def authenticate(self, request):
        meta = request._request.META  # the headers as Django keeps them (no `headers` copy)
        key = meta.get("HTTP_X_API_KEY")
        if key is None:
            return None
        timestamp, given = meta.get("HTTP_X_API_TIMESTAMP"), meta.get("HTTP_X_API_SIGNATURE")
        if not key or timestamp is None or given is None:
            raise exceptions.AuthenticationFailed(
                "X-API-KEY, X-API-TIMESTAMP and X-API-SIGNATURE go together.",
                code="missing_credentials",
            )
        django_request = request._request
        api_key = authenticate_signed(
            key,
            timestamp,
            given,
            django_request.method,
            django_request.get_full_path(),
            django_request.body,
            lookup=self.lookup,
            claim=self.claim,
        )
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return "X-API-KEY"


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's login session, with CSRF checked on unsafe methods as Django does."""

"""DRF authentication: signed API-key requests for programs, the session for browsers.

Failures carry API.md's codes (`missing_credentials`, `invalid_api_key`,
`invalid_signature`, `timestamp_out_of_window`); exchange/api/errors.py turns them into the
envelope.
"""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.api_keys import signature_matches
from accounts.key_cache import active_key
from accounts.models import ApiKey


def _failed(code: str, message: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(message, code=code)


def check_timestamp(timestamp: object) -> None:
    """Raises `timestamp_out_of_window` unless `timestamp` is integer ms within the window."""
    text = str(timestamp).strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) < 20):
        raise _failed("timestamp_out_of_window", "The timestamp must be integer milliseconds.")
    if abs(time.time_ns() // 1_000_000 - int(text)) > settings.EXCHANGE_SIGNATURE_WINDOW_MS:
        raise _failed(
            "timestamp_out_of_window",
            f"The timestamp is more than {settings.EXCHANGE_SIGNATURE_WINDOW_MS} ms from the "
            "server's clock.",
        )


def authenticate_signed(
    key: str,
    timestamp: object,
    given_signature: object,
    method: str,
    path: str,
    body: bytes,
    lookup=active_key,
) -> ApiKey:
    """The active key `key` if the request it signed checks out; raises AuthenticationFailed.
    `lookup` finds the key and its secret (accounts/key_cache.py)."""
    found = lookup(key) if key else None
    if found is None:
        raise _failed("invalid_api_key", "Unknown or revoked API key.")
    api_key, secret = found
    check_timestamp(timestamp)
    if not isinstance(given_signature, str) or not signature_matches(
        secret, given_signature, str(timestamp).strip(), method, path, body
    ):
        raise _failed("invalid_signature", "The signature does not match the request.")
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """X-API-KEY, X-API-TIMESTAMP (ms) and X-API-SIGNATURE; request.auth is the ApiKey.
    `lookup` finds the key (exchange/api/order_pipeline.py gives one that was read ahead)."""

    lookup = staticmethod(active_key)

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
        )
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return "X-API-KEY"


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's login session, with CSRF checked on unsafe methods as Django does."""

"""API keys: making them, keeping their secrets encrypted, and checking signed requests.

The signature is hex HMAC-SHA256 with the secret over `timestamp + METHOD + path_with_query +
body` (API.md). The secret is encrypted with Fernet under a key derived from SECRET_KEY, so a
copy of the database alone does not reveal it. SECRET_KEY can be rotated as Django rotates
it: the old one moved to SECRET_KEY_FALLBACKS, a secret encrypted under it still decrypts
(new keys are encrypted under the current one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils import timezone

from accounts.models import ApiKey, User


def _fernet_of(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"exchange api key secrets:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    """Encrypts under SECRET_KEY; decrypts under it or any of SECRET_KEY_FALLBACKS."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet_of(key) for key in keys])


def api_key_create(
    *, user: User, name: str = "", permission: str = ApiKey.Permission.TRADE
) -> tuple[ApiKey, str]:
    """Creates a key for `user`; returns it and its secret, which is shown only this once."""
    secret = secrets.token_hex(32)
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        key=secrets.token_hex(16),
        secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
        permission=permission,
    )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_secret(api_key: ApiKey) -> str:
    return _fernet().decrypt(api_key.secret_encrypted.encode()).decode()


def signature(
    secret: str, timestamp: str | int, method: str, path_with_query: str, body: bytes = b""
) -> str:
    """The signature a client sends in X-API-SIGNATURE (also used by the WebSocket `auth`)."""
    message = f"{timestamp}{method.upper()}{path_with_query}".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(
    secret: str,
    given: str,
    timestamp: str | int,
    method: str,
    path_with_query: str,
    body: bytes = b"",
) -> bool:
    """Whether `given` (any case, blanks around it allowed) is the request's signature;
    False for a non-ASCII one, which no signature is."""
    given = given.strip().lower()
    if not given.isascii():
        return False
    expected = signature(secret, timestamp, method, path_with_query, body)
    return hmac.compare_digest(expected, given)

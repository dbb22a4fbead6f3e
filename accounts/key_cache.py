"""Active API keys and their secrets, kept in memory for a few seconds.

Every signed request (and every order over REST) looked its key up in the database and
decrypted its secret: a query and a thread hop per order. Found keys are kept here for
`TTL` seconds; unknown keys are not, so a new key works at once. Saving a key or a user in
this process (revoking, deactivating) drops the cache at once; another process notices
within `TTL` seconds.
"""

from __future__ import annotations

import threading
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.api_keys import api_key_secret
from accounts.models import ApiKey, User

TTL = 5.0
MAX_KEYS = 100_000

_keys: dict[str, tuple[float, ApiKey, str]] = {}
_lock = threading.Lock()


def active_key(key: str) -> tuple[ApiKey, str] | None:
    """(the active key `key`, with its user, and its secret), or None."""
    found = cached_key(key)
    if found is not None:
        return found
    now = time.monotonic()
    api_key = ApiKey.objects.select_related("user").filter(key=key[:64], revoked_at=None).first()
    if api_key is None or not api_key.user.is_active:
        _keys.pop(key, None)
        return None
    secret = api_key_secret(api_key)
    with _lock:
        if len(_keys) >= MAX_KEYS:
            _keys.clear()
        _keys[key] = (now + TTL, api_key, secret)
    return api_key, secret


def cached_key(key: str) -> tuple[ApiKey, str] | None:
    """`active_key(key)` if it is in the cache and fresh, else None (no database)."""
    entry = _keys.get(key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1], entry[2]
    return None


def forget_all() -> None:
    with _lock:
        _keys.clear()


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=User)
def _changed(**kwargs) -> None:
    forget_all()

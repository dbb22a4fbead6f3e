"""Active API keys and their secrets, kept in memory for a few seconds, and keys that ended.

Every signed request (and every order over REST) looked its key up in the database and
decrypted its secret: a query and a thread hop per order. Found keys are kept here for
`TTL` seconds; unknown keys are not, so a new key works at once. A key that cannot be one
(empty, over 64 characters, anything but ASCII letters, digits, `-` and `_`) is unknown
without a query.

Saving a key or a user in this process (revoking, deactivating) drops the cache at once.
Reads in another process may use its copy for up to `TTL` seconds; order entry may not:
when a key is revoked or deleted, or its user deactivated or deleted, the key is marked
*ended* in the shared cache (Redis, when REDIS_URL is set) for ENDED_SECONDS, well past
`TTL`, and order entry (`order_entry_key`, `aorder_entry_key`) asks for that mark on each
order (one Redis GET), reading the key from the database again when it is there. Embedded
(a local-memory cache, one process) there is nothing to mark: the cache was dropped.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.api_keys import api_key_secret
from accounts.models import ApiKey, User
from exchange.selectors.async_cache import cache_get
from exchange.selectors.db_thread import db_read

log = logging.getLogger(__name__)

TTL = 5.0
MAX_KEYS = 100_000
ENDED_SECONDS = 60
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")

_keys: dict[str, tuple[float, ApiKey, str]] = {}
_lock = threading.Lock()


def well_formed(key: object) -> bool:
    """Whether `key` could name an API key at all."""
    return isinstance(key, str) and _KEY_SHAPE.fullmatch(key) is not None


def active_key(key: str) -> tuple[ApiKey, str] | None:
    """(the active key `key`, with its user, and its secret), or None."""
    if not well_formed(key):
        return None
    found = cached_key(key)
    if found is not None:
        return found
    now = time.monotonic()
    api_key = ApiKey.objects.select_related("user").filter(key=key, revoked_at=None).first()
    if api_key is None or not api_key.user.is_active:
        _keys.pop(key, None)
        return None
    secret = api_key_secret(api_key)
    with _lock:
        if len(_keys) >= MAX_KEYS:
            _keys.clear()
        _keys[key] = (now + TTL, api_key, secret)
    return api_key, secret


def order_entry_key(key: str) -> tuple[ApiKey, str] | None:
    """`active_key(key)` as of now in every process: the cached copy unless the key was
    marked ended since (then, as for a key not cached, the database's answer)."""
    if well_formed(key) and cached_key(key) is not None and _marked_ended(key):
        forget(key)
    return active_key(key)


async def afresh_cached_key(key: str) -> tuple[ApiKey, str] | None:
    """`cached_key(key)` unless the key was marked ended since it was cached (asked on the
    event loop's own Redis client); None means: ask the database."""
    if not well_formed(key):
        return None
    found = cached_key(key)
    if found is None or not _cache_is_shared():
        return found
    if await cache_get(_ended_name(key)) is None:
        return found
    forget(key)
    return None


async def aorder_entry_key(key: str) -> tuple[ApiKey, str] | None:
    """`order_entry_key(key)` from an event loop: the cache as `afresh_cached_key` trusts
    it, else the database on a shared thread."""
    return await afresh_cached_key(key) or await db_read(active_key, key)


def _marked_ended(key: str) -> bool:
    shared = _shared_cache()
    return shared is not None and shared.get(_ended_name(key)) is not None


def cached_key(key: str) -> tuple[ApiKey, str] | None:
    """`active_key(key)` if it is in the cache and fresh, else None (no database)."""
    entry = _keys.get(key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1], entry[2]
    return None


def forget(key: str) -> None:
    with _lock:
        _keys.pop(key, None)


def forget_all() -> None:
    with _lock:
        _keys.clear()


def _shared_cache() -> RedisCache | None:
    """The cache every process sees (Redis), or None (embedded: local memory)."""
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


@functools.cache
def _cache_is_shared() -> bool:
    """`_shared_cache() is not None`, asked once: `caches[...]` costs a context-local look-up
    (asgiref's Local), which was 2 % of the web process's time when asked for every order."""
    return _shared_cache() is not None


@receiver(setting_changed)
def _cache_setting_changed(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":  # as Django's own cache handlers are reset (tests)
        _cache_is_shared.cache_clear()


def _ended_name(key: str) -> str:
    return f"apikey-ended:{key}"


def mark_ended(keys: list[str]) -> None:
    """Tells every process's order entry that `keys` ended. If Redis cannot be written, the
    keys still end everywhere within TTL (logged)."""
    shared = _shared_cache()
    if shared is None or not keys:
        return
    try:
        shared.set_many({_ended_name(key): 1 for key in keys}, timeout=ENDED_SECONDS)
    except Exception:
        log.exception("could not mark %d ended API key(s); they end within %s s", len(keys), TTL)


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=User)
def _changed(**kwargs) -> None:
    forget_all()


@receiver(post_save, sender=ApiKey)
@receiver(post_delete, sender=ApiKey)
def _key_changed(instance: ApiKey, signal, **kwargs) -> None:
    if signal is post_delete or instance.revoked_at is not None:
        mark_ended([instance.key])


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(instance: User, signal, **kwargs) -> None:
    if signal is post_delete or not instance.is_active:
        mark_ended(list(ApiKey.objects.filter(user_id=instance.pk).values_list("key", flat=True)))

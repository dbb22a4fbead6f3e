"""Single-use signatures: a signed request (REST, or the socket's `auth`) is taken once.

A signature is accepted while its timestamp is within EXCHANGE_SIGNATURE_WINDOW_MS of the
server's clock, so it could be sent again for up to twice the window. Each signature that
checked out is *claimed* here, after the key, the timestamp and the HMAC were checked (so
only the key's owner, or whoever saw the request on the wire, can claim it: a forger cannot
use up someone else's signature); the second claim of the same signature within
`hold_ms()` fails, and authentication answers it `401 replayed_request`.

The store is chosen in settings, as Django's CACHES are (`EXCHANGE_SIGNATURE_STORE`, its
"BACKEND" and options):

- `RedisSignatures` (REDIS_URL set): `SET sig:<signature> 1 NX PX <hold>`, one round trip,
  shared by every web process; `aclaim` uses redis-py's asyncio client of the running event
  loop (exchange/redis_turn.py), so the fast order path claims without blocking its loop
  or hopping to a thread;
- `MemorySignatures` (embedded): this process's memory, each signature kept for the same
  hold, at most MAX_ENTRIES at once; past that the store refuses (`StoreFull`) rather than
  forget a signature that could still be replayed.
"""

from __future__ import annotations

import threading
import time
from functools import cache

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from exchange.redis_turn import in_turn

CLOCK_SKEW_MS = 1000  # web processes' clocks may differ this much


class StoreFull(Exception):
    """The in-memory store holds as many signatures as it may."""


def hold_ms() -> int:
    """How long a claimed signature is kept: every moment its timestamp can still be
    accepted (from window before to window after it), plus the processes' clock skew."""
    return 2 * settings.EXCHANGE_SIGNATURE_WINDOW_MS + CLOCK_SKEW_MS


class MemorySignatures:
    """Claimed signatures in this process's memory, in the order claimed (which, with one
    hold for all, is the order they expire in)."""

    def __init__(self, MAX_ENTRIES: int = 200_000) -> None:  # noqa: N803 -- settings' spelling
        self.max_entries = MAX_ENTRIES
        self._expiry: dict[str, float] = {}  # signature -> monotonic time it may be forgotten
        self._lock = threading.Lock()

    def claim(self, signature: str) -> bool:
        """True if `signature` was not claimed within the hold; raises StoreFull."""
        now = time.monotonic()
        with self._lock:
            self._forget_expired(now)
            if signature in self._expiry:
                return False
            if len(self._expiry) >= self.max_entries:
                raise StoreFull()
            self._expiry[signature] = now + hold_ms() / 1000
            return True

    async def aclaim(self, signature: str) -> bool:
        return self.claim(signature)

    def _forget_expired(self, now: float) -> None:
        expired = []
        for signature, expiry in self._expiry.items():
            if expiry > now:
                break
            expired.append(signature)
        for signature in expired:
            del self._expiry[signature]


class RedisSignatures:
    """Claimed signatures in Redis, shared by every process: `SET NX` with the hold as expiry."""

    PREFIX = "sig:"

    def __init__(self, LOCATION: str) -> None:  # noqa: N803 -- settings' spelling
        self.location = LOCATION
        self._client = redis.Redis.from_url(LOCATION)

    def claim(self, signature: str) -> bool:
        return bool(self._client.set(self.PREFIX + signature, b"1", nx=True, px=hold_ms()))

    async def aclaim(self, signature: str) -> bool:
        """`claim` on the event loop's client, with the other Redis commands of its turn
        (exchange/redis_turn.py)."""
        name, hold = self.PREFIX + signature, hold_ms()
        claimed = await in_turn(self.location, lambda pipe: pipe.set(name, b"1", nx=True, px=hold))
        return bool(claimed)


@cache
def signatures() -> MemorySignatures | RedisSignatures:
    """The store settings.EXCHANGE_SIGNATURE_STORE names, made once per process."""
    config = dict(settings.EXCHANGE_SIGNATURE_STORE)
    backend = import_string(config.pop("BACKEND"))
    return backend(**config.pop("OPTIONS", {}), **config)


@receiver(setting_changed)
def _store_setting_changed(setting: str, **kwargs) -> None:
    if setting == "EXCHANGE_SIGNATURE_STORE":
        signatures.cache_clear()

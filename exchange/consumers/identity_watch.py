"""Sockets whose identity has ended are closed within a second.

A socket keeps the identity it had when it logged in (a session cookie, or a signed `auth`
with an API key). Revoking the key, deactivating the user, stopping the user trading (an
admin's TradingStop) or logging the session out must end what that identity can do on
sockets already open, in whichever web process they are. Each process watches the
identities of its open sockets: once a second, for all of them at once, three queries
(revoked keys, users inactive or stopped, sessions that no longer exist); each
socket whose identity ended is told why (`identity_ended`) and closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import ApiKey, User

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Watched:
    """What a socket's identity rests on: its user, the API key it authenticated with (if
    any), the session it logged in by (if any)."""

    user_id: int
    api_key_id: int | None = None
    session_key: str | None = None


OnEnded = Callable[[], Awaitable[None]]
# per event loop: each watched socket's `on_ended` -> what it rests on
_watched: dict[asyncio.AbstractEventLoop, dict[OnEnded, Watched]] = {}
_checkers: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def watch(on_ended: OnEnded, watched: Watched) -> None:
    """Calls `on_ended()` once, within CHECK_SECONDS of `watched` ending."""
    loop = asyncio.get_running_loop()
    _watched.setdefault(loop, {})[on_ended] = watched
    checker = _checkers.get(loop)
    if checker is None or checker.done():
        _checkers[loop] = loop.create_task(_check_forever(loop))


def unwatch(on_ended: OnEnded) -> None:
    _watched.get(asyncio.get_running_loop(), {}).pop(on_ended, None)


async def _check_forever(loop: asyncio.AbstractEventLoop) -> None:
    while _watched.get(loop):
        await asyncio.sleep(CHECK_SECONDS)
        sockets = dict(_watched.get(loop, {}))
        if not sockets:
            break
        try:
            ended = await database_sync_to_async(ended_of, thread_sensitive=False)(
                set(sockets.values())
            )
        except Exception:  # noqa: BLE001 - the database away: checked again in a second
            log.warning("ws: the sockets' identities could not be checked", exc_info=True)
            continue
        for on_ended, watched in sockets.items():
            if watched in ended and _watched[loop].pop(on_ended, None) is not None:
                loop.create_task(on_ended())
    _checkers.pop(loop, None)


def ended_of(watched: Iterable[Watched]) -> set[Watched]:
    """Those of `watched` whose key was revoked (or deleted), whose user is inactive (or
    deleted, or stopped trading by an admin), or whose session has ended (logged out,
    expired)."""
    watched = set(watched)
    key_ids = {w.api_key_id for w in watched if w.api_key_id is not None}
    user_ids = {w.user_id for w in watched}
    session_keys = {w.session_key for w in watched if w.session_key is not None}
    live_keys = set(
        ApiKey.objects.filter(pk__in=key_ids, revoked_at=None).values_list("pk", flat=True)
    )
    active_users = set(
        User.objects.filter(pk__in=user_ids, is_active=True, trading_stop__isnull=True).values_list(
            "pk", flat=True
        )
    )
    live_sessions = set(
        Session.objects.filter(
            session_key__in=session_keys, expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    return {
        w
        for w in watched
        if w.user_id not in active_users
        or (w.api_key_id is not None and w.api_key_id not in live_keys)
        or (w.session_key is not None and w.session_key not in live_sessions)
    }

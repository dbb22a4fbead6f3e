"""`GET /api/v1/health`: ok only when an order could be placed right now.

That takes, for every shard that runs markets (and the default one), a matcher that beat
recently, whose receive loop heard from the transport and whose serving loop finished a
batch within the last seconds, whose journal is written and whose persister is neither too
far behind nor stuck; and the database and the channel layer answering. Each part that is
down is named in `down` (`matcher`, `journal`, `persister`, `database`, `channel_layer`).
Each check swallows its own failure: the answer is `200 ok` or `503 degraded`, never another
5xx.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.serializers.errors import error_responses
from exchange.models import MatcherState
from exchange.models.market import shards_known
from matching.service.matcher_db import status_cache_key
from matching.service.protocol import now_ms
from matching.service.transport import get_transport

log = logging.getLogger(__name__)

# The matcher writes its status every second: three missed beats and it counts as down; so
# does a matcher whose loops have not turned for as long (the transport or the disk stuck).
HEARTBEAT_MAX_AGE_MS = 5000
LIVENESS_MAX_MS = 5000
PARTS = ("matcher", "journal", "persister", "database", "channel_layer")
LAYER_TIMEOUT_S = 1.0

SHARD_FIELDS = {
    "up": serializers.BooleanField(),
    "last_seq": serializers.IntegerField(help_text="The last journaled engine seq; 0: unknown."),
    "lag_ms": serializers.IntegerField(help_text="Age of the last heartbeat in ms; -1: never."),
    "down": serializers.ListField(
        child=serializers.ChoiceField(PARTS[:3]),
        help_text="What of this matcher stops orders: `matcher` (no heartbeat, or its loops "
        "have stopped turning), `journal` (it cannot be written: a full disk), `persister` "
        "(the database too far behind, or refusing a command).",
    ),
    "persist_lag_seconds": serializers.FloatField(
        help_text="How long the oldest event not yet in the database has waited."
    ),
}
HEALTH = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(["ok", "degraded"]),
        "matcher": inline_serializer(
            "MatcherHealth",
            {
                **SHARD_FIELDS,
                "shards": inline_serializer(
                    "ShardHealth", {"shard": serializers.CharField(), **SHARD_FIELDS}, many=True
                ),
            },
        ),
        "database": serializers.BooleanField(),
        "channel_layer": serializers.BooleanField(),
        "down": serializers.ListField(
            child=serializers.ChoiceField(PARTS), help_text="The parts that are down."
        ),
    },
)


def _shard_health(shard: str, now: int) -> dict:
    try:
        beat = cache.get(status_cache_key(shard))
    except Exception:  # the cache (Redis) is down: nothing is known of the matcher
        beat = None
    if not isinstance(beat, dict) or not isinstance(beat.get("ts"), int):
        return _last_known(shard, now)
    lag = max(0, now - beat["ts"])
    last_seq = beat.get("last_seq")
    down = []
    if lag > HEARTBEAT_MAX_AGE_MS or any(
        _number(beat.get(loop), LIVENESS_MAX_MS + 1) > LIVENESS_MAX_MS
        for loop in ("received_ms_ago", "served_ms_ago")
    ):
        down.append("matcher")
    if beat.get("journal_error"):
        down.append("journal")
    if beat.get("persist_busy"):
        down.append("persister")
    return {
        "shard": shard,
        "up": not down,
        "last_seq": last_seq if isinstance(last_seq, int) else 0,
        "lag_ms": lag,
        "down": down,
        "persist_lag_seconds": _number(beat.get("persist_lag_seconds"), 0.0),
    }


def _number(value: object, default: float) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _last_known(shard: str, now: int) -> dict:
    """A matcher gone longer than its cache entry lives: the database still knows when it
    last beat, which tells an operator how long it has been down."""
    down = {
        "shard": shard,
        "up": False,
        "last_seq": 0,
        "lag_ms": -1,
        "down": ["matcher"],
        "persist_lag_seconds": 0.0,
    }
    try:
        state = MatcherState.objects.filter(shard=shard).first()
    except Exception:
        return down
    if state is None or state.heartbeat_at is None:
        return down
    lag = max(0, now - int(state.heartbeat_at.timestamp() * 1000))
    return {**down, "last_seq": state.last_seq, "lag_ms": lag}


def matcher_health() -> dict:
    """The default shard's figures, `up` only if every needed shard is; `lag_ms` the worst."""
    now = now_ms()
    shards = [_shard_health(shard, now) for shard in shards_known()]
    default = shards[0]
    return {
        "up": all(shard["up"] for shard in shards),
        "last_seq": default["last_seq"],
        "lag_ms": -1 if any(s["lag_ms"] < 0 for s in shards) else max(s["lag_ms"] for s in shards),
        "down": [part for part in PARTS[:3] if any(part in s["down"] for s in shards)],
        "persist_lag_seconds": max(s["persist_lag_seconds"] for s in shards),
        "shards": shards,
    }


def database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("health: the database did not answer", exc_info=True)
        return False


def channel_layer_up() -> bool:
    """Whether the matcher's transport answers (its `ping`): the in-memory one lives in this
    process; on Redis each host must answer PING."""
    try:
        transport = get_transport()

        async def check() -> None:
            await asyncio.wait_for(transport.ping(), LAYER_TIMEOUT_S)

        async_to_sync(check)()
        return True
    except Exception:
        log.warning("health: the channel layer did not answer", exc_info=True)
        return False


class HealthView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        summary="Whether orders can be placed: matcher, database, channel layer",
        responses={200: HEALTH, 503: HEALTH, **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        matcher = matcher_health()
        database, layer = database_up(), channel_layer_up()
        down = [*matcher["down"]]
        down += [name for name, up in (("database", database), ("channel_layer", layer)) if not up]
        ok = not down
        body = {
            "status": "ok" if ok else "degraded",
            "matcher": matcher,
            "database": database,
            "channel_layer": layer,
            "down": down,
        }
        return Response(body, status=200 if ok else 503)

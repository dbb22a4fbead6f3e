"""The matcher's few database chores (run on worker threads, off the matcher's loop)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from exchange.models import Market, MatcherState


def status_cache_key(shard: str) -> str:
    return f"matcher:{shard}"


def shard_state(shard: str) -> MatcherState:
    """The shard's row, made on its first start; the default shard is number 0."""
    with transaction.atomic():
        state = MatcherState.objects.select_for_update().filter(shard=shard).first()
        if state is None:
            if shard:
                highest = MatcherState.objects.aggregate(top=Max("number"))["top"]
                number = max(highest or 0, 0) + 1
            else:
                number = 0
            state = MatcherState.objects.create(shard=shard, number=number)
        state.started_at = timezone.now()
        state.save(update_fields=["started_at"])
    return state


def save_heartbeat(shard: str, status: dict) -> None:
    """Says the matcher is alive and how far it is, for the health check: in the cache (what
    the health check reads) and on the shard's row (what it reads once the cache entry is
    gone). Each is written even if the other cannot be; an error of either is raised after."""
    errors = []
    try:
        cache.set(status_cache_key(shard), status, timeout=30)
    except Exception as error:  # noqa: BLE001 - raised below, once the row is written too
        errors.append(error)
    try:
        MatcherState.objects.filter(shard=shard).update(
            last_seq=status["last_seq"], heartbeat_at=timezone.now()
        )
    except Exception as error:  # noqa: BLE001
        errors.append(error)
        connection.close()  # a broken connection: the next beat connects afresh
    if errors:
        raise errors[0]


def record_config_results(results: list[tuple[dict, list[dict]]]) -> None:
    """Notes on each market whether the matcher applied or refused its latest version."""
    for command, events in results:
        version = command.get("version")
        symbol = command.get("symbol")
        if version is None or command.get("op") not in ("symbol", "market"):
            continue
        refusal = next((event for event in events if event["kind"] == "refused"), None)
        Market.objects.filter(symbol=symbol, version=version).update(
            matcher_error=refusal["reason"] if refusal else ""
        )

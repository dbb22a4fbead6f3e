"""The matcher's few database chores (run on worker threads, off the matcher's loop)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
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
    """Says the matcher is alive and how far it is, for the health check."""
    cache.set(status_cache_key(shard), status, timeout=30)
    MatcherState.objects.filter(shard=shard).update(
        last_seq=status["last_seq"], heartbeat_at=timezone.now()
    )


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

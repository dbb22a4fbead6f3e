"""GET /api/v1/health: 200 ok only when an order could be placed; else 503 degraded.

Most tests keep the cache private to the test, so no matcher elsewhere on the same Redis
(another test run, a developer's exchange) can beat for them; one runs a real matcher.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from exchange.models import Market, MatcherState
from matching.service.matcher_db import status_cache_key
from matching.service.protocol import now_ms

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_cache(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "health-tests",
        }
    }
    cache.clear()


def beat(shard: str = "", age_ms: int = 0, last_seq: int = 17, **fields) -> None:
    """A heartbeat as the matcher writes it every second (its loops turning, its journal
    and persister well, unless `fields` say otherwise)."""
    status = {
        "kind": "status",
        "shard": shard,
        "last_seq": last_seq,
        "ts": now_ms() - age_ms,
        "received_ms_ago": 40,
        "served_ms_ago": 10,
        "journal_error": None,
        "persist_lag_seconds": 0.02,
        "persist_busy": False,
        "persist_stuck_seq": None,
        **fields,
    }
    cache.set(status_cache_key(shard), status, 30)


def test_it_is_ok_when_the_matcher_beats_and_the_services_answer(
    client: Client, private_cache
) -> None:
    beat(age_ms=300)

    response = client.get("/api/v1/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["channel_layer"] is True
    assert body["matcher"]["up"] is True
    assert body["matcher"]["last_seq"] == 17
    assert 300 <= body["matcher"]["lag_ms"] < 5000
    assert body["down"] == [] and body["matcher"]["down"] == []


@pytest.mark.parametrize(
    ("fields", "part"),
    [
        ({"received_ms_ago": 6000}, "matcher"),  # the transport has not answered its reads
        ({"served_ms_ago": 6000}, "matcher"),  # its serving loop is stuck
        ({"received_ms_ago": None}, "matcher"),  # a heartbeat that does not say
        ({"journal_error": "[Errno 28] No space left on device"}, "journal"),
        ({"persist_busy": True, "persist_lag_seconds": 31.5}, "persister"),
    ],
)
def test_a_fresh_heartbeat_of_a_stuck_matcher_is_degraded_and_names_the_part(
    client: Client, private_cache, fields: dict, part: str
) -> None:
    beat(**fields)

    response = client.get("/api/v1/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["down"] == [part]
    assert body["matcher"]["up"] is False
    assert body["matcher"]["shards"][0]["down"] == [part]


def test_without_a_heartbeat_the_matcher_is_down_and_health_degraded(
    client: Client, private_cache
) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    down = {"up": False, "last_seq": 0, "lag_ms": -1, "down": ["matcher"],
            "persist_lag_seconds": 0.0}  # fmt: skip
    assert body["matcher"] == {**down, "shards": [{"shard": "", **down}]}
    assert body["database"] is True
    assert body["channel_layer"] is True
    assert body["down"] == ["matcher"]


def test_a_heartbeat_older_than_5_seconds_is_a_matcher_down(client: Client, private_cache) -> None:
    beat(age_ms=10_000, last_seq=99)

    response = client.get("/api/v1/health")

    assert response.status_code == 503
    matcher = response.json()["matcher"]
    assert matcher["up"] is False
    assert matcher["last_seq"] == 99
    assert matcher["lag_ms"] >= 10_000


def test_a_heartbeat_gone_from_the_cache_still_dates_from_the_database(
    client: Client, private_cache
) -> None:
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    MatcherState.objects.create(shard="", number=0, last_seq=40, heartbeat_at=two_minutes_ago)

    matcher = client.get("/api/v1/health").json()["matcher"]

    assert matcher["up"] is False
    assert matcher["last_seq"] == 40
    assert 120_000 <= matcher["lag_ms"] < 130_000


def test_every_shard_that_runs_a_market_must_beat(client: Client, private_cache) -> None:
    Market.objects.create(base="ETH", quote="EUR", tick_size="0.01", lot_size="0.01", shard="eu")
    beat("")

    response = client.get("/api/v1/health")

    assert response.status_code == 503
    shards = {shard["shard"]: shard["up"] for shard in response.json()["matcher"]["shards"]}
    assert shards == {"": True, "eu": False}

    beat("eu")

    assert client.get("/api/v1/health").status_code == 200


def test_an_unreachable_channel_layer_is_degraded(client: Client, private_cache, settings) -> None:
    beat()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "matching.service.transport_redis.RedisTransport",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0"}]},
        }
    }

    response = client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json()["channel_layer"] is False
    assert response.json()["matcher"]["up"] is True
    assert response.json()["down"] == ["channel_layer"]


def test_a_failing_database_is_degraded_not_an_error(
    client: Client, private_cache, monkeypatch
) -> None:
    beat()

    def refuse(*args, **kwargs):
        raise ConnectionError("the database is down")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] is False
    assert response.json()["down"] == ["database"]


@pytest.mark.django_db(transaction=True)
def test_it_is_ok_with_a_running_matcher(client: Client, matcher) -> None:
    deadline = time.monotonic() + 15
    response = client.get("/api/v1/health")
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        response = client.get("/api/v1/health")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["matcher"]["up"] is True
    assert body["matcher"]["lag_ms"] < 5000
    assert body["matcher"]["last_seq"] >= 1  # the market's configuration is journaled
    assert body["down"] == []

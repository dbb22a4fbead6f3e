"""Single-use signatures (API.md "Errors (added)"): a signed request whose exact signature
was already used within its window is refused `401 replayed_request`, on Django's path, on
the fast order path and in the socket's `auth`, whichever of them saw it first. Only a
signature that checked out is used up."""

from __future__ import annotations

import inspect
import re

import pytest
from asgiref.sync import async_to_sync
from rest_framework.views import APIView as DRFAPIView

from accounts import replay_guard
from accounts.api_keys import signature
from accounts.models import ApiKey
from exchange.api.order_pipeline import OrderPipelineView
from exchange.consumers.messages import ClientError
from exchange.consumers.trading import authenticate
from tests.api.clients import SignedClient, next_timestamp, signed_headers
from tests.security.signed_asgi import DJANGO, FAST, loop_threads_closed, order_body, send
from tests.ws.conftest import connect, embedded

__all__ = ["connect", "embedded", "loop_threads_closed"]

ORDERS = "/api/v1/orders"
REDIS_STORE = "accounts.replay_guard.RedisSignatures"


def code_of(response) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, (body.get("error") or {}).get("code")


@pytest.mark.django_db
def test_a_replayed_signed_get_is_refused_replayed_request(client, maker_client) -> None:
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS)

    first = client.get(ORDERS, headers=headers)
    again = client.get(ORDERS, headers=headers)

    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json() == {
        "error": {
            "code": "replayed_request",
            "message": "This signature was already used: each signed request is taken once; "
            "sign it anew.",
            "field": None,
        }
    }
    assert maker_client.get(ORDERS).status_code == 200  # signed anew: served


@pytest.mark.django_db
def test_the_same_signature_in_another_case_or_with_blanks_is_a_replay(client, maker_client):
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS)
    assert client.get(ORDERS, headers=headers).status_code == 200

    for variant in (headers["X-API-SIGNATURE"].upper(), f" {headers['X-API-SIGNATURE']} "):
        response = client.get(ORDERS, headers={**headers, "X-API-SIGNATURE": variant})
        assert code_of(response) == (401, "replayed_request")


@pytest.mark.django_db
def test_a_refused_request_uses_up_no_signature(client, maker_client) -> None:
    """A forger who sends a bad signature, or a request that fails its timestamp or key, takes
    nothing from the key's owner: the owner's request with that signature is still served."""
    stamp = next_timestamp()
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS, b"", stamp)
    forged = {**headers, "X-API-SIGNATURE": "0" * 64}
    wrong_key = {**headers, "X-API-KEY": "f" * 32}

    assert code_of(client.get(ORDERS, headers=forged)) == (401, "invalid_signature")
    assert code_of(client.get(ORDERS, headers=wrong_key)) == (401, "invalid_api_key")
    assert client.get(ORDERS, headers=headers).status_code == 200
    assert code_of(client.get(ORDERS, headers=headers)) == (401, "replayed_request")


@pytest.mark.django_db
def test_a_stale_replay_is_out_of_window_not_replayed(client, maker_client) -> None:
    stale = next_timestamp() - 60_000
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS, b"", stale)
    for _ in range(2):
        assert code_of(client.get(ORDERS, headers=headers)) == (401, "timestamp_out_of_window")


def _order_headers(signer: SignedClient, body: bytes) -> dict[str, str]:
    return signed_headers(signer.key, signer.secret, "POST", ORDERS, body)


def test_a_replayed_order_places_nothing_on_either_path(
    matcher, maker_client, loop_threads_closed
) -> None:
    """API.md's example of the danger: a replayed POST without client_order_id would place
    a second order. Sent again on the fast path or through Django, it is the same 401."""
    body = order_body()
    headers = _order_headers(maker_client, body)

    placed = send(FAST, "POST", ORDERS, headers, body)
    fast_again = send(FAST, "POST", ORDERS, headers, body)
    django_again = send(DJANGO, "POST", ORDERS, headers, body)

    assert placed[0] == 201
    assert fast_again == django_again
    assert fast_again[0] == 401 and fast_again[1]["error"]["code"] == "replayed_request"
    assert len(maker_client.get(ORDERS).json()["results"]) == 1


def test_a_signature_django_used_is_refused_on_the_fast_path(
    matcher, maker_client, loop_threads_closed
) -> None:
    body = order_body()
    headers = _order_headers(maker_client, body)

    assert send(DJANGO, "POST", ORDERS, headers, body)[0] == 201
    status, answer = send(FAST, "POST", ORDERS, headers, body)

    assert (status, answer["error"]["code"]) == (401, "replayed_request")


def test_a_replayed_cancel_is_refused(matcher, maker_client, loop_threads_closed) -> None:
    order_id = maker_client.place(side="buy", price="98", quantity="1").json()["order_id"]
    path = f"{ORDERS}/{order_id}"
    headers = signed_headers(maker_client.key, maker_client.secret, "DELETE", path)

    assert send(FAST, "DELETE", path, headers)[0] == 200
    status, answer = send(FAST, "DELETE", path, headers)

    assert (status, answer["error"]["code"]) == (401, "replayed_request")


def test_a_replay_by_a_read_only_key_is_refused_alike_on_both_paths(
    matcher, traders, loop_threads_closed
) -> None:
    """The claim comes right after the signature, before the permissions, on both paths: a
    replay is `replayed_request`, not the 403 the first request got."""
    reader = SignedClient.for_user(traders[0], permission=ApiKey.Permission.READ)
    body = order_body()
    headers = _order_headers(reader, body)

    first = send(FAST, "POST", ORDERS, headers, body)
    fast_again = send(FAST, "POST", ORDERS, headers, body)
    django_again = send(DJANGO, "POST", ORDERS, headers, body)

    assert (first[0], first[1]["error"]["code"]) == (403, "permission_denied")
    assert fast_again == django_again
    assert fast_again[1]["error"]["code"] == "replayed_request"


def _auth_message(signer: SignedClient, timestamp: int) -> dict:
    return {
        "op": "auth",
        "key": signer.key,
        "timestamp": timestamp,
        "signature": signature(signer.secret, timestamp, "GET", "/ws/v1"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_replayed_socket_auth_is_refused(maker_client) -> None:
    message = _auth_message(maker_client, next_timestamp())

    api_key = async_to_sync(authenticate)(message)
    with pytest.raises(ClientError) as replay:
        async_to_sync(authenticate)(message)

    assert api_key.key == maker_client.key
    assert (replay.value.code, replay.value.extra) == ("replayed_request", {"status": 401})


def test_a_replayed_socket_auth_is_refused_on_a_real_socket(embedded, connect) -> None:
    key = embedded.keys["alice"]
    stamp = next_timestamp()

    first = connect(embedded.ws_url).auth(key, timestamp=stamp)
    again = connect(embedded.ws_url).auth(key, timestamp=stamp)

    assert first["type"] == "authenticated"
    assert (again["type"], again["code"]) == ("error", "replayed_request")


# ---- the stores ------------------------------------------------------------------------


def test_the_memory_store_forgets_a_signature_after_the_hold(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(replay_guard.time, "monotonic", lambda: now[0])
    store = replay_guard.MemorySignatures()

    assert store.claim("a") and not store.claim("a")
    now[0] += replay_guard.hold_ms() / 1000 - 0.01
    assert not store.claim("a")
    now[0] += 0.02
    assert store.claim("a")


def test_the_hold_covers_the_whole_window_both_ways(settings) -> None:
    settings.EXCHANGE_SIGNATURE_WINDOW_MS = 5000
    assert replay_guard.hold_ms() >= 2 * 5000


def test_a_full_memory_store_refuses_rather_than_forgets(monkeypatch) -> None:
    store = replay_guard.MemorySignatures(MAX_ENTRIES=2)
    assert store.claim("a") and store.claim("b")
    with pytest.raises(replay_guard.StoreFull):
        store.claim("c")
    assert not store.claim("a")


@pytest.mark.django_db
def test_a_full_store_answers_429_not_a_replay(client, maker_client, settings) -> None:
    settings.EXCHANGE_SIGNATURE_STORE = {
        "BACKEND": "accounts.replay_guard.MemorySignatures",
        "OPTIONS": {"MAX_ENTRIES": 1},
    }
    assert maker_client.get(ORDERS).status_code == 200
    response = maker_client.get(ORDERS)
    assert code_of(response) == (429, "rate_limited")
    assert response["Retry-After"] == "1"


def test_the_store_is_the_one_settings_name(settings, redis_url) -> None:
    settings.EXCHANGE_SIGNATURE_STORE = {"BACKEND": REDIS_STORE, "LOCATION": redis_url}
    assert isinstance(replay_guard.signatures(), replay_guard.RedisSignatures)
    settings.EXCHANGE_SIGNATURE_STORE = {"BACKEND": "accounts.replay_guard.MemorySignatures"}
    assert isinstance(replay_guard.signatures(), replay_guard.MemorySignatures)


def test_redis_claims_once_with_the_hold_as_expiry(settings, redis_url) -> None:
    settings.EXCHANGE_SIGNATURE_STORE = {"BACKEND": REDIS_STORE, "LOCATION": redis_url}
    store = replay_guard.signatures()
    signature = f"test-{next_timestamp()}"

    assert store.claim(signature)
    assert not store.claim(signature)
    assert not async_to_sync(store.aclaim)(signature)
    ttl = store._client.pttl(store.PREFIX + signature)
    assert replay_guard.hold_ms() - 2000 < ttl <= replay_guard.hold_ms()
    other = f"test-async-{next_timestamp()}"
    assert async_to_sync(store.aclaim)(other) and not store.claim(other)


@pytest.mark.django_db
def test_with_redis_every_process_sees_the_claim(client, maker_client, settings, redis_url):
    """Another process shares the Redis store: a signature it took is refused here."""
    settings.EXCHANGE_SIGNATURE_STORE = {"BACKEND": REDIS_STORE, "LOCATION": redis_url}
    headers = signed_headers(maker_client.key, maker_client.secret, "GET", ORDERS)
    elsewhere = replay_guard.RedisSignatures(LOCATION=redis_url)  # another process's store

    assert elsewhere.claim(headers["X-API-SIGNATURE"])
    assert code_of(client.get(ORDERS, headers=headers)) == (401, "replayed_request")


def test_the_fast_paths_checks_are_drfs_initial_step_for_step() -> None:
    """`initial_on_loop` repeats DRF's `initial` with the claim added after authentication
    and the throttles awaited (`check_throttles_on_loop`, which mirrors DRF's
    `check_throttles`): a DRF release that changes `initial` shows here."""
    steps = re.findall(r"self\.(\w+)\(", inspect.getsource(DRFAPIView.initial))
    ours = re.findall(r"self\.(\w+)\(", inspect.getsource(OrderPipelineView.initial_on_loop))
    assert steps == [
        "get_format_suffix",
        "perform_content_negotiation",
        "determine_version",
        "perform_authentication",
        "check_permissions",
        "check_throttles",
    ]
    assert ours == [*steps[:-1], "check_throttles_on_loop"]
    # ... whose steps are DRF's check_throttles' own
    drf = re.findall(r"(?:self|throttle)\.(\w+)\(", inspect.getsource(DRFAPIView.check_throttles))
    loop = inspect.getsource(OrderPipelineView.check_throttles_on_loop)
    assert drf == ["get_throttles", "allow_request", "wait", "throttled"]
    assert re.findall(r"(?:self|throttle)\.(\w+)\(", loop) == [
        "get_throttles", "aallow_request", "allow_request", "wait", "throttled",
    ]  # fmt: skip

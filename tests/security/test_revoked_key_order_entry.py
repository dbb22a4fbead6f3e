"""Order entry checks the key's state on each order: a key revoked (or its user deactivated)
in another web process places no order here, though this process's key cache still holds it;
reads may use the cached key for its few seconds."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.utils import timezone

from accounts import key_cache
from accounts.api_keys import api_key_revoke
from accounts.models import ApiKey
from exchange.consumers.trading import Identity, order_request
from tests.api.clients import SignedClient, signed_headers
from tests.security.signed_asgi import DJANGO, FAST, loop_threads_closed, order_body, send

__all__ = ["loop_threads_closed"]

ORDERS = "/api/v1/orders"
BALANCES = "/api/v1/account/balances"


@pytest.fixture
def shared_cache(settings, redis_url) -> None:
    """The cache every process sees, as in production (Redis)."""
    settings.CACHES = {
        "default": {"BACKEND": "exchange.cache.SharedPoolRedisCache", "LOCATION": redis_url}
    }
    caches["default"].clear()


def revoked_elsewhere(signer: SignedClient) -> None:
    """What revoking the key in another process leaves this one with: the row revoked, the
    key marked ended in the shared cache, and this process's key cache untouched."""
    ApiKey.objects.filter(key=signer.key).update(revoked_at=timezone.now())  # no signal here
    key_cache.mark_ended([signer.key])


def sent(app, signer: SignedClient, method: str, path: str, body: bytes = b""):
    return send(app, method, path, signed_headers(signer.key, signer.secret, method, path, body))


def code(answer) -> tuple[int, str]:
    return answer[0], answer[1]["error"]["code"]


def test_a_key_revoked_in_another_process_places_no_order_here(
    transactional_db, shared_cache, maker_client, loop_threads_closed
) -> None:
    assert sent(DJANGO, maker_client, "GET", BALANCES)[0] == 200  # the key is cached here
    assert key_cache.cached_key(maker_client.key) is not None

    revoked_elsewhere(maker_client)
    body = order_body()

    for app in (FAST, DJANGO):
        headers = signed_headers(maker_client.key, maker_client.secret, "POST", ORDERS, body)
        assert code(send(app, "POST", ORDERS, headers, body)) == (401, "invalid_api_key")
        assert code(sent(app, maker_client, "DELETE", f"{ORDERS}/1")) == (401, "invalid_api_key")


def test_a_socket_order_of_a_key_revoked_elsewhere_is_refused(
    transactional_db, shared_cache, maker_client
) -> None:
    api_key = ApiKey.objects.select_related("user").get(key=maker_client.key)
    assert key_cache.active_key(maker_client.key) is not None
    revoked_elsewhere(maker_client)
    identity = Identity(user_id=api_key.user_id, api_key=api_key)
    client = {"meta": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {}}
    message = {"op": "order.place", "req_id": 1, "symbol": "BTC-USDT", "side": "buy"}

    answer = async_to_sync(order_request)("order.place", message, identity, client)

    assert (answer["status"], answer["body"]["error"]["code"]) == (401, "invalid_api_key")


@pytest.mark.django_db
def test_revoking_a_key_marks_it_ended_for_every_process(shared_cache, maker_client) -> None:
    api_key_revoke(api_key=ApiKey.objects.get(key=maker_client.key))
    assert caches["default"].get(f"apikey-ended:{maker_client.key}") is not None


@pytest.mark.django_db
def test_deactivating_a_user_marks_each_of_their_keys_ended(shared_cache, traders) -> None:
    first, second = SignedClient.for_user(traders[0]), SignedClient.for_user(traders[0])
    other = SignedClient.for_user(traders[1])

    traders[0].is_active = False
    traders[0].save()

    marked = caches["default"].get_many([f"apikey-ended:{c.key}" for c in (first, second, other)])
    assert set(marked) == {f"apikey-ended:{first.key}", f"apikey-ended:{second.key}"}


@pytest.mark.django_db
def test_an_active_key_is_read_from_the_cache_for_order_entry(shared_cache, maker_client):
    """No mark, no query: order entry costs one cache read, not a database query."""
    found = key_cache.order_entry_key(maker_client.key)
    assert found is not None
    ApiKey.objects.filter(key=maker_client.key).update(name="changed")  # the cache is kept
    assert key_cache.order_entry_key(maker_client.key)[0].name == found[0].name


@pytest.mark.django_db
def test_embedded_a_revoked_key_places_no_order_at_once(maker_client) -> None:
    """One process (no shared cache): revoking drops this process's key cache."""
    assert maker_client.get(BALANCES).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(key=maker_client.key))
    response = maker_client.post(ORDERS, {"symbol": "BTC-USDT"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")

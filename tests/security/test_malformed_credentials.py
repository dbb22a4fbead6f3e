"""Every malformed credential is a 401 with the error envelope, never a 500: on Django's path
(a GET), on the fast order path (POST /api/v1/orders, DELETE /api/v1/orders/{id}, where
the answer is also Django's) and in the socket's `auth`."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from accounts.api_keys import signature
from exchange.consumers.messages import ClientError
from exchange.consumers.trading import authenticate
from tests.api.clients import SignedClient, next_timestamp, signed_headers
from tests.security.signed_asgi import DJANGO, FAST, loop_threads_closed, order_body, send

__all__ = ["loop_threads_closed"]

BALANCES = "/api/v1/account/balances"

# (what is wrong, the headers changed: a value, or None to leave the header out, the code)
MALFORMED = [
    ("non-ASCII signature", {"X-API-SIGNATURE": "é" * 64}, "invalid_signature"),
    ("Latin-1 signature", {"X-API-SIGNATURE": b"\xff" * 64}, "invalid_signature"),
    ("huge signature", {"X-API-SIGNATURE": "a" * 6000}, "invalid_signature"),
    ("empty signature", {"X-API-SIGNATURE": ""}, "invalid_signature"),
    ("double minus", {"X-API-TIMESTAMP": "--1700000000000"}, "timestamp_out_of_window"),
    ("negative", {"X-API-TIMESTAMP": "-1700000000000"}, "timestamp_out_of_window"),
    ("plus sign", {"X-API-TIMESTAMP": "+1700000000000"}, "timestamp_out_of_window"),
    ("huge timestamp", {"X-API-TIMESTAMP": "9" * 6000}, "timestamp_out_of_window"),
    ("float timestamp", {"X-API-TIMESTAMP": "1.7e12"}, "timestamp_out_of_window"),
    ("hex timestamp", {"X-API-TIMESTAMP": "0x18b"}, "timestamp_out_of_window"),
    ("underscored", {"X-API-TIMESTAMP": "1_700_000_000_000"}, "timestamp_out_of_window"),
    ("non-ASCII digits", {"X-API-TIMESTAMP": "١٧٠٠٠٠٠٠٠٠٠٠٠"}, "timestamp_out_of_window"),
    ("superscript digits", {"X-API-TIMESTAMP": "¹⁷"}, "timestamp_out_of_window"),
    ("empty timestamp", {"X-API-TIMESTAMP": ""}, "timestamp_out_of_window"),
    ("empty key", {"X-API-KEY": ""}, "missing_credentials"),
    ("non-ASCII key", {"X-API-KEY": "ключ"}, "invalid_api_key"),
    ("Latin-1 key", {"X-API-KEY": b"\xe9\xff"}, "invalid_api_key"),
    ("huge key", {"X-API-KEY": "a" * 6000}, "invalid_api_key"),
    ("key with blanks", {"X-API-KEY": "a b"}, "invalid_api_key"),
    ("key with a quote", {"X-API-KEY": "a'; drop table x; --"}, "invalid_api_key"),
    ("no timestamp", {"X-API-TIMESTAMP": None}, "missing_credentials"),
    ("no signature", {"X-API-SIGNATURE": None}, "missing_credentials"),
]
IDS = [case[0] for case in MALFORMED]


def malformed(signer: SignedClient, method: str, path: str, body: bytes, change: dict) -> dict:
    headers: dict = signed_headers(signer.key, signer.secret, method, path, body)
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    return headers


def assert_refused(answer: tuple[int, dict], code: str) -> None:
    status, body = answer
    assert status == 401, answer
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"] and body["error"]["field"] is None


@pytest.mark.parametrize(("what", "change", "code"), MALFORMED, ids=IDS)
def test_on_djangos_path_a_get_is_refused_401(
    transactional_db, maker_client, loop_threads_closed, what, change, code
) -> None:
    headers = malformed(maker_client, "GET", BALANCES, b"", change)
    assert_refused(send(DJANGO, "GET", BALANCES, headers), code)


@pytest.mark.parametrize(("what", "change", "code"), MALFORMED, ids=IDS)
def test_on_the_fast_path_a_placement_is_refused_401_as_on_djangos(
    transactional_db, maker_client, loop_threads_closed, what, change, code
) -> None:
    body = order_body()
    headers = malformed(maker_client, "POST", "/api/v1/orders", body, change)
    fast = send(FAST, "POST", "/api/v1/orders", headers, body)
    assert_refused(fast, code)
    assert send(DJANGO, "POST", "/api/v1/orders", headers, body) == fast


@pytest.mark.parametrize(("what", "change", "code"), MALFORMED, ids=IDS)
def test_on_the_fast_path_a_cancel_is_refused_401_as_on_djangos(
    transactional_db, maker_client, loop_threads_closed, what, change, code
) -> None:
    path = "/api/v1/orders/12345"
    headers = malformed(maker_client, "DELETE", path, b"", change)
    fast = send(FAST, "DELETE", path, headers)
    assert_refused(fast, code)
    assert send(DJANGO, "DELETE", path, headers) == fast


def _auth(signer: SignedClient, **change) -> dict:
    stamp = next_timestamp()
    message = {
        "op": "auth",
        "key": signer.key,
        "timestamp": stamp,
        "signature": signature(signer.secret, stamp, "GET", "/ws/v1"),
    }
    return {**message, **change}


SOCKET_MALFORMED = [
    ({"signature": "é" * 64}, "invalid_signature"),
    ({"signature": "a" * 6000}, "invalid_signature"),
    ({"signature": 12345}, "invalid_signature"),
    ({"signature": ["a"]}, "invalid_signature"),
    ({"timestamp": "--1700000000000"}, "timestamp_out_of_window"),
    ({"timestamp": -1}, "timestamp_out_of_window"),
    ({"timestamp": 1.7e12}, "timestamp_out_of_window"),
    ({"timestamp": 10**6000}, "timestamp_out_of_window"),  # str() of it raises ValueError
    ({"timestamp": [1]}, "timestamp_out_of_window"),
    ({"timestamp": {"ms": 1}}, "timestamp_out_of_window"),
    ({"timestamp": True}, "invalid_api_key"),
    ({"key": ""}, "invalid_api_key"),
    ({"key": "ключ"}, "invalid_api_key"),
    ({"key": "k\u0000ey"}, "invalid_api_key"),
    ({"key": "a" * 6000}, "invalid_api_key"),
    ({"key": 7}, "invalid_api_key"),
    ({"key": None}, "missing_credentials"),
]


@pytest.mark.parametrize(
    ("change", "code"),
    SOCKET_MALFORMED,
    ids=[f"{index}-{next(iter(change))}" for index, (change, _) in enumerate(SOCKET_MALFORMED)],
)
def test_a_malformed_socket_auth_is_a_401_error(transactional_db, maker_client, change, code):
    with pytest.raises(ClientError) as refused:
        async_to_sync(authenticate)(_auth(maker_client, **change))
    assert (refused.value.code, refused.value.extra) == (code, {"status": 401})

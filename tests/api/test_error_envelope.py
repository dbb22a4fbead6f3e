"""Bad input of every kind gets API.md's envelope with a precise code, never a 5xx, and
places nothing (these are refused before the matcher is asked)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

GOOD = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "100", "quantity": "1"}


def error_of(response) -> dict:
    return response.json()["error"]


def test_an_unknown_path_under_api_is_a_404_envelope(client) -> None:
    response = client.get("/api/v1/no/such/path")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert set(error_of(response)) == {"code", "message", "field"}


def test_a_wrong_method_is_a_405_envelope(client) -> None:
    response = client.put("/api/v1/orders")

    assert response.status_code in (401, 405)
    assert "error" in response.json()


@pytest.mark.parametrize(
    "raw",
    [b"{", b"", b"nan", b'{"price": NaN}', b"\xff\xfe", b"[" * 100_000],
)
def test_a_body_that_is_not_json_is_invalid_json(maker_client, market, raw) -> None:
    response = maker_client.post("/api/v1/orders", raw=raw)

    assert (response.status_code, error_of(response)["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("body", [[1, 2], "text", 42, None])
def test_a_body_that_is_not_an_object_is_invalid_json(maker_client, market, body) -> None:
    response = maker_client.post("/api/v1/orders", body)

    assert (response.status_code, error_of(response)["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": 100.5}, "price"),
        ({"quantity": 1}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"trigger_price": ["1"]}, "trigger_price"),
        ({"side": 1}, "side"),
        ({"post_only": "yes"}, "post_only"),
        ({"expire_at": "tomorrow"}, "expire_at"),
        ({"client_order_id": "x" * 65}, "client_order_id"),
        ({"client_order_id": "has space"}, "client_order_id"),
        ({"side": "b" * 33}, "side"),
        ({"price": "1" * 65}, "price"),
        ({"leverage": "10"}, "leverage"),
    ],
)
def test_wrong_types_floats_unknown_fields_and_long_strings_are_invalid_field(
    maker_client, market, change, field
) -> None:
    response = maker_client.post("/api/v1/orders", {**GOOD, **change})

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid_field", field)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"quantity": "1" * 13}, "invalid_quantity"),
        ({"price": "9999999999999"}, "invalid_price"),
    ],
)
def test_huge_numbers_get_the_fields_code(maker_client, market, change, code) -> None:
    response = maker_client.post("/api/v1/orders", {**GOOD, **change})

    assert (response.status_code, error_of(response)["code"]) == (400, code)


def test_an_unknown_symbol_is_a_400_unknown_symbol(maker_client, market) -> None:
    response = maker_client.post("/api/v1/orders", {**GOOD, "symbol": "DOGE-USDT"})

    assert (response.status_code, error_of(response)["code"], error_of(response)["field"]) == (
        400,
        "unknown_symbol",
        "symbol",
    )


def test_a_missing_symbol_is_invalid_field(maker_client, market) -> None:
    body = {key: value for key, value in GOOD.items() if key != "symbol"}

    response = maker_client.post("/api/v1/orders", body)

    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid_field", "symbol")


def test_a_body_over_the_size_limit_is_413_not_a_crash(maker_client, market, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = maker_client.post("/api/v1/orders", {**GOOD, "client_order_id": "x" * 2000})

    assert (response.status_code, error_of(response)["code"]) == (413, "payload_too_large")

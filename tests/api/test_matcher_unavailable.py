"""With no matcher answering, order entry is a 503 matcher_unavailable in bounded time, and
the late command is never executed (the matcher drops it: tests/exchange)."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.django_db]


def test_placing_without_a_matcher_is_503_matcher_unavailable(maker_client, market, settings):
    settings.EXCHANGE_MATCHER_TIMEOUT_MS = 200
    started = time.monotonic()

    response = maker_client.place(side="buy", price="100", quantity="1")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "matcher_unavailable"
    assert time.monotonic() - started < 10


def test_cancel_all_without_a_matcher_is_503(maker_client, market, settings) -> None:
    settings.EXCHANGE_MATCHER_TIMEOUT_MS = 200

    response = maker_client.delete("/api/v1/orders")

    assert (response.status_code, response.json()["error"]["code"]) == (503, "matcher_unavailable")

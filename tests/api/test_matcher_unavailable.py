"""With no matcher answering, order entry is a 503 matcher_unavailable in bounded time, and
the late command is never executed (the matcher drops it: tests/exchange)."""

from __future__ import annotations

import time

import pytest

from matching.service import client

# committed: the order path reads the market on a shared thread, with a connection of its own
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def short_wait(settings, monkeypatch) -> None:
    """A caller gives up 0.2 s after sending (and the grace for a batch's fsync is 0.1 s)."""
    settings.EXCHANGE_MATCHER_TIMEOUT_MS = 200
    monkeypatch.setattr(client, "REPLY_GRACE_MS", 100)


def test_placing_without_a_matcher_is_503_matcher_unavailable(maker_client, market, short_wait):
    started = time.monotonic()

    response = maker_client.place(side="buy", price="100", quantity="1")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "matcher_unavailable"
    assert 0.3 <= time.monotonic() - started < 10


def test_cancel_all_without_a_matcher_is_503(maker_client, market, short_wait) -> None:

    response = maker_client.delete("/api/v1/orders")

    assert (response.status_code, response.json()["error"]["code"]) == (503, "matcher_unavailable")

"""Fixtures of the REST API's tests: roomy rate limits, a clean cache, signed clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.clients import SignedClient, session_client  # noqa: F401
from tests.exchange.matcher_helpers import market, matcher, production_like, traders

__all__ = ["market", "matcher", "production_like", "traders"]


@pytest.fixture(autouse=True)
def roomy_rate_limits(settings) -> None:
    """Limits are tested on their own (test_rate_limits.py); elsewhere they stay out of the way."""
    settings.EXCHANGE_RATE_PER_IP = 100_000
    settings.EXCHANGE_RATE_PER_KEY = 100_000


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_book_writer(settings) -> None:
    """No matcher writes the cached book in this test: a ticker waits for a trade's book only
    briefly (the cached book, if any, is the test's own)."""
    settings.EXCHANGE_TICKER_BOOK_WAIT_SECONDS = 0.05


@pytest.fixture
def maker_client(traders) -> SignedClient:
    return SignedClient.for_user(traders[0])


@pytest.fixture
def taker_client(traders) -> SignedClient:
    return SignedClient.for_user(traders[1])

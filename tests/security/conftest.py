"""Fixtures of the hostile-client tests: the REST API's (markets, traders, signed clients)."""

from __future__ import annotations

from tests.api.conftest import clean_cache, maker_client, taker_client  # noqa: F401
from tests.exchange.matcher_helpers import market, matcher, production_like, traders

__all__ = ["market", "matcher", "production_like", "traders"]

"""Fixtures of the load tool's tests: those of the WebSocket tests (a daphne in front of a
real matcher on PostgreSQL and Redis, funded traders, a clean cache), reused as they are."""

from __future__ import annotations

from tests.exchange.matcher_helpers import market, matcher, production_like, traders
from tests.ws.conftest import clean_cache, start_server

__all__ = ["clean_cache", "market", "matcher", "production_like", "start_server", "traders"]

"""Fixtures of the load tool's tests: those of the WebSocket tests (daphne in front of a real
matcher, funded traders, a clean cache), reused as they are."""

from __future__ import annotations

from tests.exchange.matcher_helpers import market, matcher, production_like, traders
from tests.ws.conftest import clean_cache, in_process_daphne, start_server

__all__ = [
    "clean_cache",
    "in_process_daphne",
    "market",
    "matcher",
    "production_like",
    "start_server",
    "traders",
]

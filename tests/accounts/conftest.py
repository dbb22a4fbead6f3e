"""Fixtures of the accounts tests: a real matcher for the end-to-end ones."""

from __future__ import annotations

from tests.exchange.matcher_helpers import market, matcher, production_like, traders

__all__ = ["market", "matcher", "production_like", "traders"]  # fixtures of matcher tests

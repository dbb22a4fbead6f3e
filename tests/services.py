"""Where the test services are, and what a test does when one is unreachable.

With ``EXCHANGE_REQUIRE_SERVICES=1`` (CI) a test that needs PostgreSQL or Redis
fails when the service is unreachable; without it the test is skipped, so the
suite still runs on a laptop with no services.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from exchange.env import env_bool

REQUIRE_FLAG = "EXCHANGE_REQUIRE_SERVICES"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def services_required() -> bool:
    """True when an unreachable service must fail the test rather than skip it."""
    return env_bool(REQUIRE_FLAG, False)


def database_url() -> str:
    """The PostgreSQL URL for service-backed tests: DATABASE_URL, else the local default."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def redis_url() -> str:
    """The Redis URL for service-backed tests: REDIS_URL, else the local default."""
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def unavailable(service: str, reason: str) -> NoReturn:
    """Fail or skip the current test because ``service`` cannot be used."""
    if services_required():
        message = f"{service} is required ({REQUIRE_FLAG}=1) but unusable: {reason}"
        pytest.fail(message, pytrace=False)
    pytest.skip(f"{service} unusable: {reason} (set {REQUIRE_FLAG}=1 to fail instead)")

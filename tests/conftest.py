"""Fixtures shared by every test package: the URLs of reachable services."""

from __future__ import annotations

import psycopg
import pytest
import redis

from tests import services


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL that answered a connection, or skip/fail (see tests.services)."""
    url = services.database_url()
    if not url.startswith(services.POSTGRES_SCHEMES):
        services.unavailable("PostgreSQL", f"DATABASE_URL is not a PostgreSQL URL: {url!r}")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        error = str(exc)
    else:
        return url
    services.unavailable("PostgreSQL", f"cannot connect to {url}: {error}")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis URL that answered PING, or skip/fail (see tests.services)."""
    url = services.redis_url()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        error = str(exc)
    else:
        return url
    services.unavailable("Redis", f"cannot reach {url}: {error}")


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Rate-limit windows live in the server process's memory: none carries over between
    tests run in this process."""
    from exchange.api.rate_window import LIMITS

    LIMITS.clear()


@pytest.fixture(autouse=True)
def fresh_key_cache() -> None:
    """Keys and markets read in one test are not trusted in the next (its database is
    rolled back)."""
    from accounts.key_cache import forget_all
    from exchange.services.orders import forget_markets

    forget_all()
    forget_markets()

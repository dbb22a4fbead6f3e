"""Fixtures shared by every test package: the URLs of reachable services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from django.test import override_settings

from tests import services
from tests.exchange.processes import make_embedded_template


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """A SQLite test database is a file of this session's, not Django's default shared
    in-memory one: a matcher in the test process (tests/exchange/matcher_thread.py) reads and
    writes it from threads of its own, each with its own connection, which a shared-cache
    in-memory database would lock out table by table."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Passwords made in the test process are hashed with a fast hasher: Django's default
    (PBKDF2, a million rounds) takes a third of a second for each admin user a test makes."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def embedded_template(tmp_path_factory) -> Path:
    """The data directory each embedded exchange of the tests (`runexchange` in a process of
    its own) starts from, a copy: `migrate` and `bootstrap_demo` run once a session."""
    return make_embedded_template(tmp_path_factory.mktemp("embedded-template") / "data")


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
    from exchange.services.read_fence import forget_fences

    forget_all()
    forget_markets()
    forget_fences()

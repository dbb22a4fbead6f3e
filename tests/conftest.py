"""Fixtures shared by every test package: the URLs of reachable services."""

from __future__ import annotations

import fcntl
import functools
import gc
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from django.apps import apps as global_apps
from django.db import connections
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate
from django.dispatch import receiver
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
    in-memory database would lock out table by table. Each pytest-xdist worker has a file of
    its own (in its own temporary directory); on PostgreSQL the parallel suffix names each
    worker's database apart (test_NAME_gw0, test_NAME_gw1)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """pytest-django's, and before it drops a PostgreSQL test database, the other sessions
    still open on it ended: threads of this process that read the database (the shared
    threads of exchange/selectors/db_thread.py, an in-process matcher's) keep a connection
    while they live, and the drop would fail ("being accessed by other users") and leave the
    database behind. Each session ended is named on stderr."""
    yield
    gc.collect()  # the connections of threads that ended are closed with them
    with django_db_blocker.unblock():
        for alias in connections:
            each = connections[alias]
            if each.vendor != "postgresql":
                continue
            with each.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name, state, left(query, 100),"
                    " pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                for row in cursor.fetchall():
                    print(f"test database {alias}: ended a session still open: {row[:4]}",
                          file=sys.stderr)  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Passwords made in the test process are hashed with a fast hasher: Django's default
    (PBKDF2, a million rounds) takes a third of a second for each admin user a test makes."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def embedded_template(tmp_path_factory) -> Path:
    """The data directory each embedded exchange of the tests (`runexchange` in a process of
    its own) starts from, a copy: `migrate` and `bootstrap_demo` run once a session. Under
    pytest-xdist the first worker to need it makes it in the run's shared temporary directory
    (the parent of the workers' own), under a lock, and the others copy it: the two commands
    take seconds of CPU, and the template is only ever copied, never changed."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # no xdist, or -n 0
        return make_embedded_template(tmp_path_factory.mktemp("embedded-template") / "data")
    shared = tmp_path_factory.getbasetemp().parent / "embedded-template"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even on an error
        if not (shared / "done").exists():
            shutil.rmtree(shared / "data", ignore_errors=True)  # a half-made one failed
            make_embedded_template(shared / "data")
            (shared / "done").touch()
    return shared / "data"


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
    from exchange.api.rate_store import LIMITS

    LIMITS.clear()


@pytest.fixture(autouse=True)
def fresh_key_cache() -> None:
    """Keys and markets read in one test are not trusted in the next (its database is
    rolled back)."""
    from accounts.key_cache import forget_all
    from exchange.services.orders import forget_markets
    from exchange.services.read_fence import forget_fences
    from exchange.services.ticker import forget_tickers

    forget_all()
    forget_markets()
    forget_fences()
    forget_tickers()


@functools.cache
def _data_migrations() -> dict[str, list]:
    """{app label: the forward functions of its migrations' RunPython operations that seed
    data} for this project's apps, read from the migration files. A seeding operation is one
    not marked `elidable`: a fresh database needs its rows (the schedules of
    django-celery-beat), where an elidable one only rewrites rows that exist."""
    root = Path(__file__).resolve().parents[1]
    ours = {  # the apps whose package is in this checkout
        app.label
        for app in global_apps.get_app_configs()
        if (root / app.name.replace(".", "/")).is_dir()
    }
    seeds: dict[str, list] = {}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (label, _name), migration in sorted(loader.disk_migrations.items()):
        if label in ours:
            for operation in migration.operations:
                if isinstance(operation, RunPython) and not operation.elidable:
                    seeds.setdefault(label, []).append(operation.code)
    return seeds


@receiver(post_migrate, dispatch_uid="tests.replay_data_migrations")
def replay_data_migrations(sender, using, **kwargs) -> None:
    """After a transactional test the database is flushed (emptied), which takes the rows the
    data migrations made with it; this puts them back, app by app, as `migrate` made them.
    Without it a later test that reads them (the beat schedules) passed or failed with the
    order the tests ran in: pytest-django runs every transactional test after the others in
    one process, but each pytest-xdist worker runs whole files as they come.

    `flush` sends post_migrate without a plan; `migrate` (which ran them itself) with one.
    The functions get the current models, not the historical ones: enough for rows that the
    current models still describe (a seed that no longer fits fails here, loudly)."""
    if "plan" in kwargs:
        return
    for forward in _data_migrations().get(sender.label, []):
        with connections[using].schema_editor() as schema_editor:
            forward(global_apps, schema_editor)

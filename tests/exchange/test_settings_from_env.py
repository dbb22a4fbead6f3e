"""Settings follow the environment, and a bad value stops start-up with a clear message."""

from __future__ import annotations

import pytest

from tests.exchange.conftest import LoadSettings, SettingsError


def test_it_uses_redis_for_channels_cache_and_celery_when_redis_url_is_set(
    load_settings: LoadSettings,
) -> None:
    settings = load_settings(REDIS_URL="redis://cache.internal:6379/2")
    layer = settings["CHANNEL_LAYER"]
    assert layer["BACKEND"] == "matching.service.transport_redis.RedisTransport"
    assert [host["address"] for host in layer["CONFIG"]["hosts"]] == [
        "redis://cache.internal:6379/2"
    ]
    # the matcher's channel holds more than the default 100 waiting commands
    assert layer["CONFIG"]["channel_capacity"]["matching*"] >= 10_000
    assert settings["CACHE"]["BACKEND"] == "exchange.cache.SharedPoolRedisCache"
    assert settings["CACHE"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert settings["CELERY_BROKER_URL"] == "redis://cache.internal:6379/2"


def test_it_uses_postgres_when_database_url_is_set(load_settings: LoadSettings) -> None:
    database = load_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")["DATABASE"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "test"


@pytest.mark.parametrize(("value", "prepared"), [(None, True), ("0", False), ("1", True)])
def test_the_order_path_s_postgresql_reads_are_prepared_unless_turned_off(
    load_settings: LoadSettings, value: str | None, prepared: bool
) -> None:
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"}
    if value is not None:
        env["EXCHANGE_DB_PREPARED_READS"] = value

    reads = load_settings(**env)["EXCHANGE_LOOP_READS"]

    assert reads["BACKEND"] == "exchange.selectors.loop_reads.PsycopgOnLoop"
    assert reads["OPTIONS"] == {"prepared": prepared}


def test_the_order_path_s_sqlite_reads_go_to_the_shared_threads(load_settings) -> None:
    reads = load_settings()["EXCHANGE_LOOP_READS"]

    assert reads["BACKEND"] == "exchange.selectors.loop_reads.OnSharedThread"


def test_it_reads_hosts_data_dir_and_fsync_policy(load_settings: LoadSettings, tmp_path) -> None:
    settings = load_settings(
        EXCHANGE_ALLOWED_HOSTS="a.example,b.example",
        EXCHANGE_DATA_DIR=str(tmp_path / "exchange"),
        EXCHANGE_FSYNC="interval",
    )
    assert settings["ALLOWED_HOSTS"][-2:] == ["a.example", "b.example"]
    assert settings["EXCHANGE_DATA_DIR"] == str(tmp_path / "exchange")
    assert settings["DATABASE"]["NAME"] == str(tmp_path / "exchange" / "db.sqlite3")
    assert settings["EXCHANGE_FSYNC"] == "interval"


def test_it_takes_debug_and_the_secret_key_from_the_environment(
    load_settings: LoadSettings, tmp_path
) -> None:
    settings = load_settings(
        DEBUG="1", SECRET_KEY="s3cret-from-env", EXCHANGE_DATA_DIR=str(tmp_path)
    )
    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"] == "s3cret-from-env"
    assert not (tmp_path / "secret_key").exists(), "no key file when the key is given"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("EXCHANGE_FSYNC", "sometimes"),
        ("DATABASE_URL", "nonsense://"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
    ],
)
def test_it_refuses_to_start_on_a_bad_value(
    load_settings: LoadSettings, name: str, value: str
) -> None:
    message = rf"ImproperlyConfigured: {name}='{value}' is not valid"
    with pytest.raises(SettingsError, match=message):
        load_settings(**{name: value})

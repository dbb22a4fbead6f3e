"""With no environment at all, the exchange runs embedded: no services needed."""

from __future__ import annotations

from tests.exchange.conftest import PROJECT_DIR, LoadSettings


def test_it_uses_sqlite_in_the_data_dir_by_default(load_settings: LoadSettings) -> None:
    database = load_settings()["DATABASE"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(PROJECT_DIR / "var" / "db.sqlite3")


def test_it_uses_in_memory_channels_and_cache_by_default(load_settings: LoadSettings) -> None:
    settings = load_settings()
    assert settings["CHANNEL_LAYER"]["BACKEND"] == (
        "matching.service.transport_memory.InMemoryTransport"
    )
    assert settings["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["CELERY_BROKER_URL"] == "memory://"


def test_it_runs_without_debug_in_utc_with_data_in_var_by_default(
    load_settings: LoadSettings,
) -> None:
    settings = load_settings()
    assert settings["DEBUG"] is False
    assert settings["TIME_ZONE"] == "UTC"
    assert settings["EXCHANGE_DATA_DIR"] == str(PROJECT_DIR / "var")
    assert settings["EXCHANGE_FSYNC"] == "always"


def test_it_generates_a_secret_key_once_and_keeps_it_in_the_data_dir(
    load_settings: LoadSettings, tmp_path
) -> None:
    first = load_settings(EXCHANGE_DATA_DIR=str(tmp_path))["SECRET_KEY"]
    again = load_settings(EXCHANGE_DATA_DIR=str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 50 and first == again
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "readable by the owner only"
    other = tmp_path / "other"
    assert load_settings(EXCHANGE_DATA_DIR=str(other))["SECRET_KEY"] != first


def test_it_always_allows_loopback_hosts(load_settings: LoadSettings) -> None:
    assert {"localhost", "127.0.0.1", "[::1]"} <= set(load_settings()["ALLOWED_HOSTS"])


def test_it_lists_daphne_first_among_installed_apps(load_settings: LoadSettings) -> None:
    apps = load_settings()["INSTALLED_APPS"]
    assert apps[0] == "daphne"
    assert {"channels", "rest_framework", "exchange", "accounts", "fees"} <= set(apps)

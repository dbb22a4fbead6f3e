"""With no environment at all, the exchange runs embedded: no services needed."""

from __future__ import annotations

from tests.exchange.conftest import PROJECT_DIR, LoadSettings


def test_it_uses_sqlite_in_the_project_dir_by_default(load_settings: LoadSettings) -> None:
    database = load_settings()["DATABASE"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(PROJECT_DIR / "db.sqlite3")


def test_it_uses_in_memory_channels_and_cache_by_default(load_settings: LoadSettings) -> None:
    settings = load_settings()
    assert settings["CHANNEL_LAYER"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert settings["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["CELERY_BROKER_URL"] == "memory://"


def test_it_runs_in_debug_with_a_dev_key_and_utc_by_default(load_settings: LoadSettings) -> None:
    settings = load_settings()
    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"].startswith("django-insecure-")
    assert settings["TIME_ZONE"] == "UTC"
    assert settings["EXCHANGE_DATA_DIR"] == str(PROJECT_DIR / "var")


def test_it_lists_daphne_first_among_installed_apps(load_settings: LoadSettings) -> None:
    apps = load_settings()["INSTALLED_APPS"]
    assert apps[0] == "daphne"
    assert {"channels", "rest_framework", "exchange", "accounts", "fees"} <= set(apps)

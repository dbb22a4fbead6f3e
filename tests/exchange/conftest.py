"""Fixtures for the project package's tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.matcher_helpers import market, matcher, production_like, traders

__all__ = ["market", "matcher", "production_like", "traders"]  # fixtures of matcher tests

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Prints the settings the tests look at, as JSON, from a fresh interpreter.
_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE": settings.DATABASES["default"],
    "CHANNEL_LAYER": settings.CHANNEL_LAYERS["default"],
    "CACHE": settings.CACHES["default"],
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "EXCHANGE_DATA_DIR": str(settings.EXCHANGE_DATA_DIR),
    "TIME_ZONE": settings.TIME_ZONE,
    "EXCHANGE_FSYNC": settings.EXCHANGE_FSYNC,
    "INSTALLED_APPS": settings.INSTALLED_APPS,
    "EXCHANGE_LOOP_READS": settings.EXCHANGE_LOOP_READS,
}))
"""


class SettingsError(Exception):
    """Loading the settings failed; the message is the child's stderr."""


LoadSettings = Callable[..., dict[str, Any]]


@pytest.fixture
def load_settings() -> LoadSettings:
    """Load exchange.settings in a subprocess whose environment holds only ``env``.

    The test process's own environment (DATABASE_URL, REDIS_URL, ...) cannot leak in.
    """

    def load(**env: str) -> dict[str, Any]:
        clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
        clean["DJANGO_SETTINGS_MODULE"] = "exchange.settings"
        result = subprocess.run(
            [sys.executable, "-c", _PROBE],
            cwd=PROJECT_DIR,
            env=clean,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise SettingsError(result.stderr)
        return json.loads(result.stdout)

    return load

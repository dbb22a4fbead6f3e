"""HTTPS behind a TLS-terminating proxy (exchange/settings.py, "HTTPS behind a proxy"):
the settings follow the environment, and with them a browser's POST through the proxy passes
CSRF, cookies are Secure and HSTS is sent; without them Django's defaults stand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PROJECT_DIR = Path(__file__).resolve().parents[2]
PUBLIC = "exchange.example.com"
ORIGIN = f"https://{PUBLIC}"
PROXY = {"X-Forwarded-Proto": "https"}

_PROBE = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT",
)}))
"""


def settings_with(**env: str) -> dict:
    """The settings of a fresh process whose environment holds only `env`."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    clean["DJANGO_SETTINGS_MODULE"] = "exchange.settings"
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=PROJECT_DIR, env=clean, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return json.loads(result.stdout)


def test_without_the_environment_the_defaults_stand(tmp_path) -> None:
    assert settings_with(EXCHANGE_DATA_DIR=str(tmp_path)) == {
        "SECURE_PROXY_SSL_HEADER": None,
        "CSRF_TRUSTED_ORIGINS": [],
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
    }


def test_behind_a_proxy_everything_secure_follows(tmp_path) -> None:
    loaded = settings_with(
        EXCHANGE_DATA_DIR=str(tmp_path),
        EXCHANGE_SECURE_PROXY="1",
        EXCHANGE_CSRF_TRUSTED_ORIGINS=f"{ORIGIN}, https://*.example.org",
    )
    assert loaded == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": [ORIGIN, "https://*.example.org"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_SSL_REDIRECT": False,
    }


def test_https_without_a_proxy_header_and_the_optional_parts(tmp_path) -> None:
    loaded = settings_with(
        EXCHANGE_DATA_DIR=str(tmp_path),
        EXCHANGE_HTTPS="1",
        EXCHANGE_HSTS_SECONDS="600",
        EXCHANGE_SSL_REDIRECT="1",
    )
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None
    assert (loaded["SESSION_COOKIE_SECURE"], loaded["CSRF_COOKIE_SECURE"]) == (True, True)
    assert (loaded["SECURE_HSTS_SECONDS"], loaded["SECURE_SSL_REDIRECT"]) == (600, True)


@pytest.mark.parametrize("origin", ["exchange.example.com", "ftp://x.example", "https://x/y"])
def test_an_origin_that_is_not_one_stops_start_up(tmp_path, origin) -> None:
    with pytest.raises(AssertionError, match="EXCHANGE_CSRF_TRUSTED_ORIGINS"):
        settings_with(EXCHANGE_DATA_DIR=str(tmp_path), EXCHANGE_CSRF_TRUSTED_ORIGINS=origin)


# ---- the settings at work ---------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings) -> None:
    """What EXCHANGE_SECURE_PROXY=1 and EXCHANGE_CSRF_TRUSTED_ORIGINS=ORIGIN set."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_TRUSTED_ORIGINS = [ORIGIN]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("browser", password="a long passphrase 1")


def log_in(client: Client, **headers: str):
    """The login form fetched, then posted with its CSRF token, as a browser does: the proxy
    forwards to the process's own address, the browser's Origin is the public one."""
    form = client.get("/accounts/login/", headers=headers)
    token = form.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "browser", "password": "a long passphrase 1", "csrfmiddlewaretoken": token},
        headers={"Origin": ORIGIN, **headers},
    )
    return form, response


def test_behind_the_proxy_a_browser_post_passes_csrf_with_secure_cookies(behind_proxy, user):
    form, response = log_in(Client(enforce_csrf_checks=True), **PROXY)

    assert response.status_code == 302, response.content[:300]
    assert form.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["secure"] is True
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_without_the_settings_the_same_post_is_refused(user) -> None:
    """What the proxy's users met before: the request looks like plain HTTP, the browser's
    origin is HTTPS and unknown, so CSRF refuses it; nothing is Secure, no HSTS."""
    form, response = log_in(Client(enforce_csrf_checks=True), **PROXY)

    assert response.status_code == 403
    assert form.cookies["csrftoken"]["secure"] == ""
    assert "Strict-Transport-Security" not in form


def test_an_origin_not_trusted_is_still_refused(behind_proxy, user) -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/accounts/login/", headers=PROXY).cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "browser", "password": "x", "csrfmiddlewaretoken": token},
        headers={"Origin": "https://evil.example", **PROXY},
    )
    assert response.status_code == 403


def test_plain_http_gets_no_hsts_even_behind_the_proxy(behind_proxy, db) -> None:
    response = Client().get("/api/v1/symbols")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response

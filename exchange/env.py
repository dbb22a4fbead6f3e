"""Typed readers for environment variables.

Settings read the environment only through these helpers. An unset or empty
variable takes the default; a value that cannot be read raises
``ImproperlyConfigured`` naming the variable, so a bad deployment fails at
start-up instead of later.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    """The variable's value stripped of whitespace, or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or None


def _bad(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {expected}.")


def env_str(name: str, default: str | None = None) -> str:
    """A string; with no default, the variable is required."""
    value = _raw(name)
    if value is not None:
        return value
    if default is None:
        raise ImproperlyConfigured(f"{name} is not set and has no default: set it.")
    return default


def env_bool(name: str, default: bool) -> bool:
    """A boolean written 1/0, true/false, yes/no or on/off (any case)."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _bad(name, value, "one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    """A base-10 integer."""
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value, 10)
    except ValueError:
        raise _bad(name, value, "an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> tuple[IPv4Network | IPv6Network, ...]:
    """A comma-separated list of addresses or CIDR networks (`10.0.0.0/8, ::1`)."""
    items = env_list(name, default)
    try:
        return tuple(ip_network(item, strict=False) for item in items)
    except ValueError:
        raise _bad(name, ",".join(items), "addresses or CIDR networks") from None


def env_path(name: str, default: Path, *, base: Path) -> Path:
    """A filesystem path; a relative one is taken from ``base``, not the working directory."""
    value = _raw(name)
    path = Path(value).expanduser() if value is not None else default
    return (base / path).resolve()


def env_url(name: str, default: str | None, *, schemes: Collection[str]) -> str | None:
    """A URL whose scheme is one of ``schemes``; None when unset and no default."""
    value = _raw(name)
    if value is None:
        return default
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a non-numeric port
    except ValueError:
        raise _bad(name, value, "a URL") from None
    if parts.scheme not in schemes:
        raise _bad(name, value, f"a URL with scheme {' or '.join(sorted(schemes))}")
    return value


def env_database(name: str, default: str) -> dict[str, Any]:
    """A Django DATABASES entry parsed from a database URL by dj-database-url."""
    value = _raw(name) or default
    try:
        return dict(dj_database_url.parse(value))
    except ValueError as exc:
        raise _bad(name, value, f"a database URL ({exc})") from None


def env_choice(name: str, default: str, *, choices: Collection[str]) -> str:
    """One of a fixed set of words."""
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise _bad(name, value, f"one of {', '.join(choices)}")
    return value


def env_origins(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of web origins, each `scheme://host[:port]` with scheme http or
    https (`https://exchange.example.com, https://*.example.com`), as CSRF_TRUSTED_ORIGINS
    wants them."""
    origins = env_list(name, default)
    for origin in origins:
        try:
            parts = urlsplit(origin)
            parts.port  # noqa: B018 -- raises ValueError on a non-numeric port
        except ValueError:
            raise _bad(name, origin, "origins like https://exchange.example.com") from None
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise _bad(name, origin, "origins like https://exchange.example.com")
    return [origin.rstrip("/") for origin in origins]

"""The typed environment readers that settings go through."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from exchange.env import env_bool, env_database, env_int, env_list, env_path, env_str, env_url

NAME = "EXCHANGE_TEST_VALUE"


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)


def test_it_returns_the_default_when_unset() -> None:
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_url(NAME, None, schemes={"redis"}) is None


def test_it_treats_an_empty_value_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "   ")
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, False) is False


def test_it_reads_a_string_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "  hello ")
    assert env_str(NAME, "fallback") == "hello"


def test_it_fails_fast_when_a_required_value_is_missing() -> None:
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} is not set"):
        env_str(NAME)


@pytest.mark.parametrize("raw", ["1", "true", "Yes", "ON"])
def test_it_reads_true_in_common_spellings(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off"])
def test_it_reads_false_in_common_spellings(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, True) is False


def test_it_fails_fast_on_a_bad_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "maybe")
    message = rf"{NAME}='maybe' is not valid: expected one of 1/0, true/false"
    with pytest.raises(ImproperlyConfigured, match=message):
        env_bool(NAME, True)


def test_it_reads_an_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "-42")
    assert env_int(NAME, 0) == -42


def test_it_fails_fast_on_a_bad_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "12abc")
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME}='12abc' .* an integer"):
        env_int(NAME, 0)


def test_it_splits_a_comma_list_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " a.example, ,b.example,")
    assert env_list(NAME, []) == ["a.example", "b.example"]


def test_it_resolves_a_relative_path_against_the_base(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert env_path(NAME, Path("var"), base=tmp_path) == tmp_path / "var"
    monkeypatch.setenv(NAME, "data/journal")
    assert env_path(NAME, Path("var"), base=tmp_path) == tmp_path / "data" / "journal"
    monkeypatch.setenv(NAME, "/srv/exchange")
    assert env_path(NAME, Path("var"), base=tmp_path) == Path("/srv/exchange")


def test_it_accepts_a_url_with_an_allowed_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "redis://127.0.0.1:6379/1")
    assert env_url(NAME, None, schemes={"redis", "rediss"}) == "redis://127.0.0.1:6379/1"


@pytest.mark.parametrize("raw", ["http://127.0.0.1:6379", "localhost:6379", "redis://h:port/0"])
def test_it_fails_fast_on_a_bad_url(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME}=.* is not valid: expected a URL"):
        env_url(NAME, None, schemes={"redis", "rediss"})


def test_it_parses_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "postgres://trader@db.internal:5433/exchange")
    config = env_database(NAME, "sqlite:///unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "exchange")


def test_it_uses_the_default_database_url_when_unset() -> None:
    config = env_database(NAME, "sqlite:////tmp/exchange.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/exchange.sqlite3"


@pytest.mark.parametrize("raw", ["nonsense://", "not a url", "postgres://h:port/db"])
def test_it_fails_fast_on_a_bad_database_url(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME}=.* expected a database URL"):
        env_database(NAME, "sqlite:///unused.sqlite3")

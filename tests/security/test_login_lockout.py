"""Login, sign-up and admin login (exchange/login_guard.py): repeated failures of a username
from an address lock it out, a right password included, until the lockout ends; every POST
counts against the address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.clock import Clock

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADDRESS = "203.0.113.9"


@pytest.fixture
def clock(settings) -> Clock:
    """The limits counted in memory on a clock the test moves."""
    clock = Clock()
    settings.EXCHANGE_RATE_STORE = {
        "BACKEND": "exchange.api.rate_window.SlidingWindow",
        "OPTIONS": {"clock": clock},
    }
    settings.EXCHANGE_LOGIN_MAX_FAILURES = 5
    settings.EXCHANGE_LOGIN_FAILURE_WINDOW_S = 900
    settings.EXCHANGE_LOGIN_LOCKOUT_S = 900
    settings.EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE = 1000
    return clock


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)


def log_in(path: str, password: str, address: str = ADDRESS, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(path, {"username": "alice", "password": password}, **extra)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_brute_force_is_locked_out_and_a_right_password_refused_until_it_ends(
    clock, alice, path
) -> None:
    failures = [log_in(path, f"guess {n}").status_code for n in range(5)]
    during = log_in(path, PASSWORD)

    assert failures == [200] * 5  # the form again, each time
    assert during.status_code == 429 and int(during["Retry-After"]) > 800
    assert log_in(path, PASSWORD, address="198.51.100.1").status_code == 302  # another address

    clock.now += 901
    assert log_in(path, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_the_window_lock_nothing(clock, alice) -> None:
    for n in range(8):
        assert log_in("/accounts/login/", f"guess {n}").status_code == 200
        clock.now += 250  # at most four in any 900 s

    assert log_in("/accounts/login/", PASSWORD).status_code == 302


def test_a_login_clears_the_count_of_failures(clock, alice) -> None:
    for n in range(4):
        log_in("/accounts/login/", f"guess {n}")
    assert log_in("/accounts/login/", PASSWORD).status_code == 302

    assert [log_in("/accounts/login/", f"again {n}").status_code for n in range(4)] == [200] * 4
    assert log_in("/accounts/login/", PASSWORD).status_code == 302


def test_rotating_x_forwarded_for_does_not_escape_the_lockout(clock, alice) -> None:
    for n in range(5):
        log_in("/accounts/login/", f"guess {n}", forwarded=f"198.51.100.{n}")

    assert log_in("/accounts/login/", PASSWORD, forwarded="192.0.2.1").status_code == 429


def test_posts_are_limited_per_address(clock, settings) -> None:
    settings.EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE = 2
    client = Client(REMOTE_ADDR=ADDRESS)
    form = {"username": "bob", "password1": PASSWORD, "password2": "mismatch"}

    codes = [client.post("/accounts/signup/", form).status_code for _ in range(3)]
    login = client.post("/accounts/login/", {"username": "bob", "password": "x"})

    assert codes == [200, 200, 429]
    assert login.status_code == 429  # one count for the login pages and sign-up
    assert Client(REMOTE_ADDR="198.51.100.1").post("/accounts/signup/", form).status_code == 200
    clock.now += 61
    assert client.post("/accounts/signup/", form).status_code == 200
    assert client.get("/accounts/login/").status_code == 200  # the form is always shown

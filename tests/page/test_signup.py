"""Sign-up makes an account and logs it in; it starts with no funds unless the deployment
grants demo funds (EXCHANGE_DEMO_FUNDS), and then only once per user and asset."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Transfer, User
from exchange.services.signup import SIGNUP_DEMO_FUNDS, signup_demo_funds_grant

pytestmark = pytest.mark.django_db
FORM = {"username": "newcomer", "password1": "fresh-Account-77", "password2": "fresh-Account-77"}


def test_sign_up_logs_the_new_account_in_with_no_funds(client: Client, settings) -> None:
    settings.EXCHANGE_DEMO_FUNDS = False

    response = client.post("/accounts/signup/", FORM)

    assert (response.status_code, response["Location"]) == (302, "/")
    user = User.objects.get(username="newcomer")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert not Transfer.objects.filter(user=user).exists()


def test_sign_up_grants_demo_funds_when_the_setting_is_on(client: Client, settings) -> None:
    settings.EXCHANGE_DEMO_FUNDS = True

    client.post("/accounts/signup/", FORM)

    user = User.objects.get(username="newcomer")
    transfers = {
        t.transfer_id: (t.kind, t.asset, t.amount) for t in Transfer.objects.filter(user=user)
    }
    assert transfers == {
        f"signup-{user.pk}-{asset}": ("credit", asset, pytest.approx(float(amount)))
        for asset, amount in SIGNUP_DEMO_FUNDS
    }


def test_demo_funds_are_granted_once_however_often_asked(settings) -> None:
    settings.EXCHANGE_DEMO_FUNDS = True
    user = User.objects.create_user("twice", password="x-Pass-1234")

    signup_demo_funds_grant(user=user)
    signup_demo_funds_grant(user=user)

    assert Transfer.objects.filter(user=user).count() == len(SIGNUP_DEMO_FUNDS)


def test_a_refused_password_is_shown_next_to_its_field(client: Client) -> None:
    response = client.post("/accounts/signup/", {**FORM, "password2": "something-else-99"})

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert b'class="field-error"' in response.content
    assert not User.objects.filter(username="newcomer").exists()


def test_a_logged_in_user_is_sent_to_the_trading_page(client: Client) -> None:
    client.force_login(User.objects.create_user("already", password="x-Pass-1234"))

    response = client.get("/accounts/signup/")

    assert (response.status_code, response["Location"]) == (302, "/")

"""The trading page renders for visitors and traders: the market picker and the page's
scripts for everyone, the order form for a trader, a log-in prompt for a visitor; the
CSRF cookie the page's script sends back is set."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.page.pages import PAGE_SCRIPT


def test_a_visitor_gets_the_market_and_a_prompt_to_log_in(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="market"' in page and PAGE_SCRIPT in page
    assert "Log in to trade" in page
    assert 'id="order-form"' not in page
    assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_a_trader_gets_the_order_form_balances_and_orders(
    client: Client, django_user_model
) -> None:
    client.force_login(django_user_model.objects.create_user("trader", password="x-Pass-1234"))

    page = client.get("/").content.decode()

    assert 'id="order-form"' in page
    for order_type in (
        "limit",
        "market",
        "stop_loss",
        "stop_limit",
        "take_profit",
        "take_profit_limit",
    ):
        assert f'<option value="{order_type}">' in page
    assert 'data-testid="balances"' in page and 'data-pane="open"' in page
    assert 'data-authenticated="true"' in page

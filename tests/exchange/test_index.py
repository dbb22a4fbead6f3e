"""The home page exists and says the exchange is starting."""

from __future__ import annotations

from django.test import Client


def test_the_home_page_says_the_exchange_is_starting(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"The exchange is starting" in response.content

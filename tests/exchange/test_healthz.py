"""/healthz says the process is alive, without touching the database."""

from __future__ import annotations

from django.test import Client


def test_it_answers_ok_as_json_without_the_database(client: Client) -> None:
    # No django_db mark: pytest-django would fail the test if the view used the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_it_refuses_methods_other_than_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405

"""A reconciliation that cannot compare (the matcher is silent, or the database has not
caught up with it) skips the run with a warning: no alert, no crash."""

from __future__ import annotations

import logging

import pytest

from accounts.models import ReconciliationAlert
from matching.service import client
from tests.accounts.funds_rows import matcher_reports, persisted_up_to, reconcile

pytestmark = pytest.mark.django_db


def test_a_silent_matcher_skips_the_run(monkeypatch, caplog) -> None:
    async def call(command: dict, **options) -> dict:
        raise client.MatcherUnavailable("the matcher did not answer in time")

    monkeypatch.setattr(client, "call", call)

    with caplog.at_level(logging.WARNING, logger="accounts.reconciliation"):
        assert reconcile(wait_seconds=0.1) == []

    assert "did not answer" in caplog.text
    assert not ReconciliationAlert.objects.exists()


def test_a_persister_behind_the_matcher_skips_the_run(monkeypatch, caplog) -> None:
    persisted_up_to(3)
    matcher_reports(monkeypatch, 4, [["7", "USDT", "70", "30"]])

    with caplog.at_level(logging.WARNING, logger="accounts.reconciliation"):
        assert reconcile(wait_seconds=0.2) == []

    assert "persisted up to seq 3, not 4" in caplog.text
    assert not ReconciliationAlert.objects.exists()


def test_an_answer_without_balances_skips_the_run(monkeypatch, caplog) -> None:
    async def call(command: dict, **options) -> dict:
        return {"status": "refused", "events": [{"kind": "refused", "reason": "unknown_op"}]}

    monkeypatch.setattr(client, "call", call)

    with caplog.at_level(logging.WARNING, logger="accounts.reconciliation"):
        assert reconcile(wait_seconds=0.1) == []

    assert "sent no balances" in caplog.text

"""Reconciliation alerts in the admin: listed and filtered, and marked resolved by an action
once an admin has looked into them."""

from __future__ import annotations

import pytest

from accounts.models import ReconciliationAlert

pytestmark = [pytest.mark.django_db]


def an_alert(account: str, **fields) -> ReconciliationAlert:
    return ReconciliationAlert.objects.create(
        account=account, asset="USDT", seq=4, matcher_available=70, ledger_available=69,
        detail="matcher vs ledger differ", **fields,
    )  # fmt: skip


def test_open_alerts_are_listed_apart_from_resolved_ones(admin_client) -> None:
    an_alert("7")
    an_alert("8", resolved=True)

    page = admin_client.get("/admin/accounts/reconciliationalert/", {"resolved__exact": "0"})

    assert "1 reconciliation alert" in page.content.decode()


def test_the_action_marks_the_selected_alerts_resolved(admin_client) -> None:
    first, second = an_alert("7"), an_alert("8")

    admin_client.post(
        "/admin/accounts/reconciliationalert/",
        {"action": "mark_resolved", "_selected_action": [first.pk]},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.resolved, second.resolved) == (True, False)


def test_an_alerts_findings_cannot_be_edited_or_added(admin_client) -> None:
    alert = an_alert("7")

    admin_client.post(
        f"/admin/accounts/reconciliationalert/{alert.pk}/change/",
        {"account": "9", "ledger_available": "70", "resolved": "on"},
    )

    alert.refresh_from_db()
    assert (alert.account, alert.ledger_available, alert.resolved) == ("7", 69, True)
    assert admin_client.get("/admin/accounts/reconciliationalert/add/").status_code == 403

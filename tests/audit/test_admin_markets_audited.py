"""Markets changed in the admin are in the audit trail: one entry per add, change, halt and
resume, naming the admin and holding the market before and after; a change the matcher
refuses saves nothing and records nothing."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from exchange.models import Market
from tests.audit.conftest import only_entry

READ_ONLY = {"symbol", "version", "matcher_error", "created_at", "updated_at"}


def form_data(market: Market, **changes: str) -> dict[str, str]:
    """The market's form as the admin shows it (every editable field), `changes` typed in."""
    data = {
        field.name: "" if field.value_from_object(market) is None else
        str(field.value_from_object(market))
        for field in Market._meta.concrete_fields
        if field.editable and field.name not in READ_ONLY
    }  # fmt: skip
    return {**data, **changes}


def change_url(market: Market) -> str:
    return f"/admin/exchange/market/{market.pk}/change/"


pytestmark = [pytest.mark.django_db(transaction=True)]


def test_adding_a_market_records_it_with_no_before(admin_client, admin_user) -> None:
    new = Market(base="ETH", quote="USDT", tick_size="0.01", lot_size="0.001")
    response = admin_client.post("/admin/exchange/market/add/", form_data(new))

    assert response.status_code == 302
    entry = only_entry()
    assert (entry.action, entry.actor_id, entry.actor_name) == ("market.add", admin_user.pk,
                                                                "admin")  # fmt: skip
    stored = Market.objects.get()
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "market", str(stored.pk), "ETH-USDT")  # fmt: skip
    assert entry.before is None
    assert entry.after["symbol"] == "ETH-USDT"
    assert entry.after["tick_size"] == str(stored.tick_size)


def test_a_change_through_the_form_records_before_and_after(matcher, market, admin_client):
    response = admin_client.post(change_url(market), form_data(market, tick_size="0.1"))

    assert response.status_code == 302
    entry = only_entry()
    assert entry.action == "market.change"
    assert entry.before["version"] == market.version
    assert entry.after["version"] == market.version + 1
    assert entry.after["tick_size"] != entry.before["tick_size"]


def test_the_halt_and_resume_actions_record_one_entry_each(matcher, market, admin_client):
    for action in ("halt", "resume"):
        admin_client.post("/admin/exchange/market/",
                          {"action": action, "_selected_action": [market.pk]})  # fmt: skip

    halt, resume = AuditEntry.objects.order_by("id")
    assert (halt.action, halt.before["status"], halt.after["status"]) == (
        "market.halt", "trading", "halted")  # fmt: skip
    assert (resume.action, resume.before["status"], resume.after["status"]) == (
        "market.resume", "halted", "trading")  # fmt: skip
    assert halt.actor_name == resume.actor_name == "admin"


def test_halting_a_halted_market_records_nothing(matcher, market, admin_client) -> None:
    Market.objects.filter(pk=market.pk).update(status=Market.Status.HALTED)

    admin_client.post("/admin/exchange/market/",
                      {"action": "halt", "_selected_action": [market.pk]})  # fmt: skip

    assert not AuditEntry.objects.exists()


def test_a_change_the_matcher_refuses_records_nothing(market, admin_client) -> None:
    # no matcher runs: it does not answer, and nothing is saved
    response = admin_client.post(change_url(market), form_data(market, tick_size="0.1"))

    assert response.status_code == 200
    assert not AuditEntry.objects.exists()

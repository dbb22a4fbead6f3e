"""The trail in the admin: listed, filtered and searched, never added, changed or deleted;
exported as CSV or JSON lines with every entry the current filter matches."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model

from audit.services import audit_record

pytestmark = [pytest.mark.django_db]

LIST = "/admin/audit/auditentry/"


@pytest.fixture
def trail(admin_user):
    other = get_user_model().objects.create_superuser("operator")
    return [
        audit_record(action="market.halt", actor=admin_user, object_type_name="market",
                     object_id="1", object_repr="BTC-USDT", before={"status": "trading"},
                     after={"status": "halted"}),
        audit_record(action="fee_tier.add", actor=other, object_type_name="fee_tier",
                     object_id="7", object_repr="vip", after={"taker_rate": "0.001"}),
        audit_record(action="market.resume", actor=None, object_type_name="market",
                     object_id="1", object_repr="BTC-USDT", before={"status": "halted"},
                     after={"status": "trading"}),
    ]  # fmt: skip


def test_the_list_shows_entries_and_filters_by_action_and_actor(admin_client, trail) -> None:
    page = admin_client.get(LIST).content.decode()
    assert "fee_tier.add" in page and "market.halt" in page

    halted = admin_client.get(LIST, {"action": "market.halt"}).content.decode()
    assert "market.halt" in halted and "fee_tier.add</td>" not in halted

    by_operator = admin_client.get(LIST, {"actor_name": "operator"}).context["cl"].result_list
    assert [entry.action for entry in by_operator] == ["fee_tier.add"]


def test_an_entry_opens_read_only(admin_client, trail) -> None:
    response = admin_client.get(f"{LIST}1/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


@pytest.mark.parametrize("path", ["add/", "1/delete/"])
def test_entries_cannot_be_added_or_deleted(admin_client, trail, path) -> None:
    assert admin_client.get(LIST + path).status_code == 403


def test_a_post_to_an_entry_changes_nothing(admin_client, trail) -> None:
    response = admin_client.post(f"{LIST}1/change/", {"actor_name": "mallory"})

    assert response.status_code == 403
    assert trail[0].__class__.objects.get(id=1).actor_name == "admin"


def test_the_csv_export_holds_every_entry_oldest_first(admin_client, trail) -> None:
    response = admin_client.get(f"{LIST}export.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert [row["hash"] for row in rows] == [entry.hash for entry in trail]
    assert json.loads(rows[0]["after"]) == {"status": "halted"}
    assert (rows[2]["actor_name"], rows[2]["actor_id"], rows[1]["before"]) == ("system", "", "")


def test_the_json_lines_export_holds_the_filtered_entries(admin_client, trail) -> None:
    response = admin_client.get(f"{LIST}export.jsonl", {"object_type": "market"})

    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    assert [(line["id"], line["action"]) for line in lines] == [(1, "market.halt"),
                                                                 (3, "market.resume")]  # fmt: skip
    assert lines[0]["before"] == {"status": "trading"}
    assert lines[1]["prev_hash"] == trail[1].hash


def test_the_list_links_to_both_exports_with_its_filter(admin_client, trail) -> None:
    page = admin_client.get(LIST, {"action": "market.halt"}).content.decode()

    assert f"{LIST}export.csv?action=market.halt" in page
    assert f"{LIST}export.jsonl?action=market.halt" in page


def test_the_export_needs_a_staff_login(client, trail) -> None:
    response = client.get(f"{LIST}export.csv")

    assert response.status_code == 302
    assert "/login/" in response["Location"]

"""Each entry's SHA-256 covers its fields and the hash of the entry before it; `audit_verify`
recomputes the chain and names the first entry that does not hold."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from audit import chain
from audit.models import AuditEntry
from audit.services import audit_record
from tests.audit.conftest import audit_verify, tamper

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def trail() -> list[AuditEntry]:
    admin = get_user_model().objects.create_superuser("root")
    return [
        audit_record(action="fee_tier.add", actor=admin, object_type_name="fee_tier",
                     object_id=str(n), before=None, after={"maker_rate": f"0.00{n}"})
        for n in range(1, 5)
    ]  # fmt: skip


def test_entries_are_numbered_and_chained_from_the_genesis_hash(trail) -> None:
    assert [entry.id for entry in trail] == [1, 2, 3, 4]
    assert trail[0].prev_hash == chain.GENESIS
    assert [entry.prev_hash for entry in trail[1:]] == [entry.hash for entry in trail[:-1]]


def test_the_hash_is_recomputed_from_the_stored_row(trail) -> None:
    stored = AuditEntry.objects.get(id=2)

    assert chain.entry_hash(stored.hashed_fields(), stored.prev_hash) == stored.hash


def test_an_untouched_trail_verifies(trail) -> None:
    assert audit_verify("--chain-only") == (0, "ok\n")


def test_an_empty_trail_verifies() -> None:
    assert audit_verify("--chain-only") == (0, "ok\n")


def test_an_edited_field_names_its_entry(trail) -> None:
    tamper("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["mallory", 3])

    status, out = audit_verify("--chain-only")

    assert status == 1
    assert out.startswith("audit trail: entry 3: its fields do not match its hash")


def test_an_edited_after_value_names_its_entry(trail) -> None:
    stored = AuditEntry.objects.get(id=2)
    forged = {**stored.after, "maker_rate": "-0.5"}
    tamper("UPDATE audit_auditentry SET after = %s WHERE id = %s",
           [chain.canonical_json(forged).decode(), 2])  # fmt: skip

    status, out = audit_verify("--chain-only")

    assert status == 1
    assert "entry 2: its fields do not match its hash" in out


def test_an_entry_rehashed_after_an_edit_breaks_the_link_to_the_next(trail) -> None:
    stored = AuditEntry.objects.get(id=2)
    fields = {**stored.hashed_fields(), "actor_name": "mallory"}
    forged = chain.entry_hash(fields, stored.prev_hash)
    tamper("UPDATE audit_auditentry SET actor_name = %s, hash = %s WHERE id = %s",
           ["mallory", forged, 2])  # fmt: skip

    status, out = audit_verify("--chain-only")

    assert status == 1
    assert "entry 3: prev_hash" in out


def test_a_deleted_entry_is_found_by_the_gap_it_leaves(trail) -> None:
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [2])

    status, out = audit_verify("--chain-only")

    assert status == 1
    assert out.startswith("audit trail: entry 3: follows entry 1; entry 2 is missing")


def test_the_chain_is_checked_before_the_journals(trail) -> None:
    tamper("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["9", 1])

    assert audit_verify()[0] == 1

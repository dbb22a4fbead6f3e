"""Audit entries are append-only: the ORM refuses to change or delete them, and below it the
database's trigger refuses an UPDATE (and on PostgreSQL a DELETE)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.errors import AppendOnlyError
from audit.models import AuditEntry
from audit.services import audit_record

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def entry() -> AuditEntry:
    return audit_record(action="market.halt", actor=None, object_type_name="market",
                        object_id="BTC-USDT", before={"status": "trading"},
                        after={"status": "halted"})  # fmt: skip


def test_saving_a_stored_entry_again_is_refused(entry) -> None:
    entry.object_repr = "something else"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert AuditEntry.objects.get().object_repr == ""


def test_deleting_an_entry_is_refused(entry) -> None:
    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "write",
    [
        lambda: AuditEntry.objects.update(action="market.resume"),
        lambda: AuditEntry.objects.filter(id=1).delete(),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.bulk_create([AuditEntry(id=2)]),
        lambda: AuditEntry.objects.bulk_update(list(AuditEntry.objects.all()), ["action"]),
    ],
    ids=["update", "filtered delete", "delete all", "bulk_create", "bulk_update"],
)
def test_queryset_writes_are_refused(entry, write) -> None:
    with pytest.raises(AppendOnlyError):
        write()

    assert AuditEntry.objects.get().action == "market.halt"


def test_the_database_refuses_a_raw_update(entry) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_name = 'mallory' WHERE id = 1")

    assert AuditEntry.objects.get().actor_name == "system"


def test_postgresql_refuses_a_raw_delete(entry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE (the test database is emptied with it); the chain "
                    "check finds a deleted entry")  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = 1")

    assert AuditEntry.objects.count() == 1

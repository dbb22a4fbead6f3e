"""Writing the audit trail: `audit_record` appends one entry in the caller's transaction,
so the entry exists if and only if the change it records commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, router, transaction
from django.db.models import Model
from django.utils import timezone

from audit import chain
from audit.actions import NAME, object_type
from audit.errors import AuditError
from audit.models import AuditEntry
from audit.state import json_value, stored_state

SYSTEM = "system"  # the actor name of entries without a user
# The PostgreSQL advisory lock taken by each append (any constant unique to this use).
APPEND_LOCK = 0x41554449  # "AUDI"


def audit_record(
    *,
    action: str,
    actor: Model | None,
    obj: Model | None = None,
    object_type_name: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends an entry: `actor` (a user, None for the system) did `action` (audit/actions.py
    names) to `obj` (or to the object named by the `object_*` arguments), which was `before`
    and is now `after` (JSON values; None where there was or is no object). Runs inside the
    caller's transaction (or its own): call it in the transaction that makes the change.
    Appends are serialized, so every entry follows the one before it. AuditError for a
    malformed action name."""
    if not NAME.fullmatch(action):
        raise AuditError(f"not an action name (type.verb): {action!r}")
    if obj is not None:
        object_type_name = object_type_name or object_type(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    with transaction.atomic():
        _lock_the_chain()
        last = AuditEntry.objects.order_by("-id").only("id", "hash").first()
        entry = AuditEntry(
            id=1 if last is None else last.id + 1,
            at=timezone.now(),
            actor_id=None if actor is None else actor.pk,
            actor_name=SYSTEM if actor is None else actor.get_username(),
            action=action,
            object_type=object_type_name,
            object_id=object_id[:64],
            object_repr=object_repr[:200],
            before=json_value(before),
            after=json_value(after),
            prev_hash=chain.GENESIS if last is None else last.hash,
        )
        entry.hash = chain.entry_hash(entry.hashed_fields(), entry.prev_hash)
        entry.save()
    return entry


@contextmanager
def audited_change(*, action: str, actor: Model | None, obj: Model) -> Iterator[None]:
    """Runs the block in a transaction that ends with an entry of `action` on `obj`, holding
    its row as stored before the block and after it (None once deleted). A block that
    changed nothing of the row records nothing; one that raises records nothing either."""
    model, pk = type(obj), obj.pk
    name, kind = str(obj), object_type(obj)
    with transaction.atomic(using=router.db_for_write(model)):
        before = stored_state(model, pk)
        yield
        after = stored_state(model, pk)
        if before != after:
            audit_record(action=action, actor=actor, object_type_name=kind,
                         object_id=str(pk), object_repr=name, before=before,
                         after=after)  # fmt: skip


def _lock_the_chain() -> None:
    """Holds the append lock to the end of the transaction. On PostgreSQL an advisory lock;
    SQLite writes one transaction at a time anyway (IMMEDIATE transactions, settings)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK])

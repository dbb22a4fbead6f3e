"""The audit entry: who did what to which object, when, the object before and after, chained
to the entry before it by SHA-256 (audit/chain.py). Entries are written only by
`audit.services.audit_record`.

Append-only: `save` of a stored entry, `delete`, and a queryset's `update`, `delete`,
`bulk_create` and `bulk_update` raise AppendOnlyError. Below Python, a trigger (migration
0002) refuses UPDATE and DELETE of a row on PostgreSQL, and UPDATE on SQLite (where the test
database is emptied with DELETE). On SQLite a migration that rebuilds this table drops the
trigger: such a migration must create it again (audit/triggers.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from audit.errors import AppendOnlyError

REFUSED = "audit entries are append-only: {what} refused"


class AuditEntryQuerySet(models.QuerySet):
    """A queryset that reads, filters and exports, and refuses to write in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(REFUSED.format(what="update"))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(REFUSED.format(what="delete"))

    def bulk_create(self, *args: Any, **kwargs: Any) -> list:
        raise AppendOnlyError(REFUSED.format(what="bulk_create (use audit_record)"))

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(REFUSED.format(what="bulk_update"))


class AuditEntry(models.Model):
    # given by audit_record (the last id + 1, under a lock): the hash covers it, and a gap
    # in the ids is an entry deleted
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    # no database constraint and no cascade: deleting the user leaves the entry as it was
    # (its hash covers actor_id); actor_name keeps who it was
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="Empty for the system.",
    )
    actor_name = models.CharField(max_length=150, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_repr} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(REFUSED.format(what=f"changing entry {self.pk}"))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(REFUSED.format(what=f"deleting entry {self.pk}"))

    def hashed_fields(self) -> dict[str, Any]:
        """The values the hash covers (audit/chain.py HASHED_FIELDS)."""
        return {
            "id": self.id,
            "at": self.at,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
        }

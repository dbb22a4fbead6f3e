"""Fixtures and helpers of the audit trail's tests: the matcher fixtures, the trail's
entries, and tampering below the triggers that refuse it."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit import triggers
from audit.models import AuditEntry
from tests.exchange.matcher_helpers import market, matcher, production_like, traders

__all__ = ["market", "matcher", "production_like", "traders"]  # fixtures of matcher tests


def only_entry() -> AuditEntry:
    """The one entry of the trail (fails unless there is exactly one)."""
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, [str(entry) for entry in entries]
    return entries[0]


def tamper(sql: str, params: list) -> None:
    """Runs `sql` on the audit table with its trigger off (as an attacker with the table
    owner's rights could), then puts the trigger back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {triggers.TABLE} DISABLE TRIGGER {triggers.TRIGGER}")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {triggers.TABLE} ENABLE TRIGGER {triggers.TRIGGER}")
        else:
            cursor.execute(f"DROP TRIGGER {triggers.TRIGGER}")
            cursor.execute(sql, params)
            cursor.execute(triggers.SQLITE_CREATE)


def audit_verify(*args: str) -> tuple[int, str]:
    """`manage.py audit_verify ARGS`: its exit status and what it printed on stdout."""
    return audit_verify_report(*args)[:2]


def audit_verify_report(*args: str) -> tuple[int, str, str]:
    """`manage.py audit_verify ARGS`: its exit status, stdout and stderr (its notes)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()

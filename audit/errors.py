"""The audit trail's domain errors."""


class AuditError(Exception):
    """An audit entry cannot be written as asked (a malformed action name)."""


class AppendOnlyError(AuditError):
    """An attempt to change or delete an audit entry: the trail is append-only."""

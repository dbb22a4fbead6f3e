"""The database triggers that keep audit entries append-only below Django: PostgreSQL
refuses UPDATE and DELETE of a row (TRUNCATE, which needs the table's owner, stays possible:
the test database is emptied with it); SQLite refuses UPDATE (its test database is emptied
with DELETE)."""

from __future__ import annotations

TABLE = "audit_auditentry"
TRIGGER = "audit_entry_append_only"

POSTGRESQL_CREATE = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TRIGGER}();
"""
POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS {TRIGGER}();
"""

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER} BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');
END;
"""
SQLITE_DROP = f"DROP TRIGGER IF EXISTS {TRIGGER};"


def create(schema_editor) -> None:
    """Creates the trigger on the connection's database (PostgreSQL or SQLite; none else);
    running it again changes nothing."""
    _run(schema_editor, {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE})


def drop(schema_editor) -> None:
    """Drops the trigger, if the database has one."""
    _run(schema_editor, {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})


def _run(schema_editor, sql_by_vendor: dict[str, str]) -> None:
    sql = sql_by_vendor.get(schema_editor.connection.vendor)
    if sql is not None:
        schema_editor.execute(sql, params=None)

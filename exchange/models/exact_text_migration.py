"""Migrating decimal columns to `ExactDecimalField` (exchange/models/fields.py).

On PostgreSQL the column stays `NUMERIC(60, 18)` and nothing is rewritten. On SQLite the
column becomes text: Django rebuilds the table, and SQLite copies each old value as text
(an INTEGER's digits, a REAL's shortest form). This module then rewrites every value in the
sortable form. What the old column held exactly is kept exactly: an integer as it was, a
REAL rounded to the 15 significant digits SQLite kept of it (what Django used to read).

Check constraints compare the sortable form: while the copied values are not yet in it,
they would refuse them, so SQLite's checks are paused from before the rebuild until every
value is rewritten (and, going back, from the rewrite to plain text until the old table is
rebuilt).
"""

from __future__ import annotations

from decimal import Context, Decimal

from django.db import migrations

from exchange.models.fields import from_text, plain, sortable_text

_KEPT_OF_A_REAL = Context(prec=15)


def exact_text_operations(
    app_label: str, fields: dict[str, list[str]], alterations: list[migrations.AlterField]
) -> list[migrations.operations.base.Operation]:
    """`alterations` (to ExactDecimalField) wrapped by the pause and the rewrite of
    `fields`, {model name: [field names]}."""
    return [
        migrations.RunPython(_pause_checks, _resume_checks, elidable=True),
        *alterations,
        migrations.RunPython(
            _rewriter(app_label, fields, _sortable, after=_resume_checks),
            _rewriter(app_label, fields, _plain, before=_pause_checks),
            elidable=True,
        ),
    ]


def _pause_checks(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("PRAGMA ignore_check_constraints = ON")


def _resume_checks(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("PRAGMA ignore_check_constraints = OFF")


def _legacy_value(text: str) -> Decimal:
    """The value an old SQLite DECIMAL column held, from the text it was copied as."""
    value = from_text(text)
    if any(mark in text for mark in ".eE"):
        return _KEPT_OF_A_REAL.plus(value)
    return value


def _sortable(field, text: str) -> str:
    integer_digits = field.max_digits - field.decimal_places
    value = _legacy_value(text)
    return sortable_text(value, integer_digits=integer_digits, places=field.decimal_places)


def _plain(field, text: str) -> str:
    return plain(from_text(text))


def _rewriter(app_label: str, fields: dict[str, list[str]], convert, *, before=None, after=None):
    """Rewrites every value of `fields` with `convert`, between `before` and `after`."""

    def rewrite(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        if before:
            before(apps, schema_editor)
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            _rewrite_table(schema_editor, model, [model._meta.get_field(n) for n in names], convert)
        if after:
            after(apps, schema_editor)

    return rewrite


def _rewrite_table(schema_editor, model, fields, convert) -> None:
    quote = schema_editor.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = [quote(field.column) for field in fields]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {', '.join(columns)} FROM {table}")
        rows = cursor.fetchall()
        assignments = ", ".join(f"{column} = %s" for column in columns)
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
            [
                [
                    None if text is None else convert(field, str(text))
                    for field, text in zip(fields, values, strict=True)
                ]
                + [key]
                for key, *values in rows
            ],
        )

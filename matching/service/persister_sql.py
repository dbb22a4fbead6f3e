"""The persister's bulk writes on PostgreSQL: one statement per table, however many rows.

Rows come as dicts of model field attnames (`user_id`, not `user`) holding the values the
ORM would be given (int, Decimal, aware datetime, str, bool; None for NULL). Each column
travels as one array, and `unnest` turns the arrays back into rows inside the server:

    INSERT INTO t (a, b) SELECT * FROM unnest(%s::bigint[], %s::numeric[]) ON CONFLICT ...
    UPDATE t SET b = v.b FROM unnest(%s::bigint[], %s::numeric[]) AS v (a, b) WHERE t.a = v.a

so a batch costs a few joined strings per column instead of a model instance per row and
a compiled expression per value, and each statement's text is built once. The arrays are
PostgreSQL array literals made here (`{1,NULL,3}`, `{"a","b\\"c"}`): a column's whole
literal is one parameter, which the driver quotes once, rather than one adapted value per
element. Each value is converted as the ORM converts it (`int()` for an integer column,
`str()` for a text one) and text is always quoted, so no value can spill into the next.

Tables, columns and types come from the models' `_meta`, so the migrations stay the one
truth about the schema. Arrays are of the column's base type (`varchar[]`, not
`varchar(12)[]`, whose cast would cut long values silently): the server's assignment to the
column then checks lengths and rounds numbers as it does with the ORM's parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.db import connection, models
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

_TYPE_MODIFIER = re.compile(r"\(.*?\)")


def insert(
    cursor: CursorWrapper,
    model: type[models.Model],
    rows: list[dict],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Inserts `rows` into `model`'s table. On a conflict on the `conflict` fields the row's
    `update` fields are overwritten (the ORM's `update_conflicts`); without `conflict` a row
    that breaks any unique constraint is skipped (its `ignore_conflicts`). A field the rows
    lack gets what the ORM would give it: its default (`auto_now` fields: now)."""
    if not rows:
        return
    fields = _insert_fields(model)
    sql = _insert_sql(model, tuple(conflict), tuple(update))
    cursor.execute(sql, [_array(field, _column(field, rows)) for field in fields])


def update(
    cursor: CursorWrapper,
    model: type[models.Model],
    rows: list[dict],
    key: str,
    fields: Sequence[str],
    *,
    only: dict[str, object] | None = None,
) -> None:
    """Sets the `fields` of the row whose `key` field equals each row's (the ORM's
    `bulk_update`, or `filter(key=...).update(...)` for each row), and only where the
    `only` fields hold the given values. Rows that match nothing change nothing; no two
    rows may have the same key."""
    if not rows:
        return
    only = only or {}
    names = (key, *fields)
    sql = _update_sql(model, names, tuple(only))
    arrays = [_array(field, _column(field, rows)) for field in _fields(model, names)]
    cursor.execute(sql, [*arrays, *only.values()])


def arrays(model: type[models.Model], rows: list[dict], names: Sequence[str]) -> list[str]:
    """The `names` fields of `rows` as one array literal each, for a statement of one's own
    (`unnest(%s::bigint[], ...)`, `array_type` giving each cast)."""
    return [_array(field, _column(field, rows)) for field in _fields(model, names)]


def array_type(model: type[models.Model], name: str) -> str:
    """The array type `arrays` writes the field's column as: `numeric[]`, `varchar[]`..."""
    return f"{_base_type(model._meta.get_field(name))}[]"


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields the ORM's bulk_create writes for rows without an auto primary key."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not isinstance(field, models.AutoField)
    ]


def _column(field: models.Field, rows: list[dict]) -> list:
    name = field.attname
    if name in rows[0]:
        return [row[name] for row in rows]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return [timezone.now() for _ in rows]  # as pre_save() sets them
    return [field.get_default() for _ in rows]  # as Model.__init__() fills what it is not given


@cache
def _insert_sql(model: type[models.Model], conflict: tuple, update: tuple) -> str:
    fields = _insert_fields(model)
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} ({_names(fields)}) "
        f"SELECT * FROM unnest({_arrays(fields)}) "
    )
    if not conflict:
        return sql + "ON CONFLICT DO NOTHING"
    target, changed = _fields(model, conflict), _fields(model, update)
    assignments = ", ".join(f"{_quote(f.column)} = EXCLUDED.{_quote(f.column)}" for f in changed)
    return sql + f"ON CONFLICT ({_names(target)}) DO UPDATE SET {assignments}"


@cache
def _update_sql(model: type[models.Model], names: tuple, only: tuple) -> str:
    table = _quote(model._meta.db_table)
    key, *fields = _fields(model, names)
    assignments = ", ".join(f"{_quote(f.column)} = v.{_quote(f.column)}" for f in fields)
    conditions = [f"{table}.{_quote(key.column)} = v.{_quote(key.column)}"]
    conditions += [f"{table}.{_quote(f.column)} = %s" for f in _fields(model, only)]
    return (
        f"UPDATE {table} SET {assignments} "
        f"FROM unnest({_arrays([key, *fields])}) AS v ({_names([key, *fields])}) "
        f"WHERE {' AND '.join(conditions)}"
    )


def _fields(model: type[models.Model], names: Iterable[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def _names(fields: Iterable[models.Field]) -> str:
    return ", ".join(_quote(field.column) for field in fields)


def _arrays(fields: Iterable[models.Field]) -> str:
    """One array parameter per field, cast to an array of the column's base type."""
    return ", ".join(f"%s::{_base_type(field)}[]" for field in fields)


@cache
def _base_type(field: models.Field) -> str:
    """The column's type without its modifier: `numeric`, `varchar`, `bigint`..."""
    base = _TYPE_MODIFIER.sub("", field.db_type(connection))
    if base not in _ELEMENTS:
        raise TypeError(f"{field} is a {base} column: persister_sql cannot write that type yet")
    return base


def _array(field: models.Field, values: list) -> str:
    """`values` as a PostgreSQL array literal of the column's base type."""
    return "{" + ",".join(_ELEMENTS[_base_type(field)](values)) + "}"


def _integers(values: list) -> list[str]:
    return ["NULL" if value is None else str(int(value)) for value in values]


def _numbers(values: list) -> list[str]:
    return [
        "NULL" if value is None else str(value if type(value) is Decimal else Decimal(value))
        for value in values
    ]


def _booleans(values: list) -> list[str]:
    return ["NULL" if value is None else "t" if value else "f" for value in values]


def _moments(values: list[datetime | None]) -> list[str]:
    texts: dict[datetime, str] = {}  # the rows of one command share its moment
    return [
        "NULL" if value is None else texts.get(value) or texts.setdefault(value, _moment(value))
        for value in values
    ]


def _moment(value: datetime) -> str:
    return f'"{value.isoformat()}"'


def _texts(values: list) -> list[str]:
    return ["NULL" if value is None else f'"{_escaped(str(value))}"' for value in values]


def _escaped(text: str) -> str:
    """`text` as it goes between an array element's double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


# the elements of an array literal of each base type (NULL is unquoted, so never a value)
_ELEMENTS = {
    "bigint": _integers,
    "integer": _integers,
    "smallint": _integers,
    "numeric": _numbers,
    "boolean": _booleans,
    "timestamp with time zone": _moments,
    "varchar": _texts,
    "text": _texts,
}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)

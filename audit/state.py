"""What an entry keeps of a model row, before and after a change: its concrete fields and
many-to-many relations as JSON values, secrets left out."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.db.models import Model

# Never written into the trail: they would leak a credential into every copy and export.
HIDDEN = frozenset({"password", "secret_encrypted"})


def json_value(value: Any) -> Any:
    """`value` as a JSON value that reads back the same: decimals, times and ids as
    strings (a decimal never becomes a float)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    return str(value)


def row_state(obj: Model) -> dict[str, Any]:
    """The fields of `obj` (attnames, `user_id` not `user`) and its many-to-many relations
    (sorted primary keys), as JSON values; HIDDEN fields are left out."""
    opts = obj._meta
    state = {
        field.attname: json_value(field.value_from_object(obj))
        for field in opts.concrete_fields
        if field.name not in HIDDEN
    }
    if obj.pk is not None:
        for field in opts.many_to_many:
            state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


def stored_state(model: type[Model], pk: Any) -> dict[str, Any] | None:
    """`row_state` of the row `pk` as the database holds it now; None if there is none."""
    obj = model._default_manager.filter(pk=pk).first()
    return None if obj is None else row_state(obj)

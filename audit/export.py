"""Audit entries as CSV or JSON lines, line by line: each line holds every field of an
entry, before and after as canonical JSON text (CSV) or objects (JSON lines)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from audit import chain
from audit.models import AuditEntry

COLUMNS = (
    "id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
    "before", "after", "prev_hash", "hash",
)  # fmt: skip
CHUNK = 2000


def entry_record(entry: AuditEntry) -> dict:
    """`entry` as a dict of JSON values in COLUMNS order."""
    return {
        **entry.hashed_fields(),
        "at": chain.timestamp(entry.at),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """A header line, then one CSV line per entry (before and after as JSON text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(COLUMNS)
    for entry in entries:
        record = entry_record(entry)
        for name in ("before", "after"):
            value = record[name]
            record[name] = "" if value is None else chain.canonical_json(value).decode()
        yield line(["" if record[name] is None else record[name] for name in COLUMNS])


def json_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """One JSON object per line per entry."""
    for entry in entries:
        yield json.dumps(entry_record(entry), separators=(",", ":")) + "\n"

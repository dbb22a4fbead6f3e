"""The hash chain: each entry's SHA-256 covers a canonical JSON of its fields and the hash
of the entry before it. Pure functions of plain values, shared by the writer and the
verifier."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The prev_hash of the first entry.
GENESIS = "0" * 64

# The fields the hash covers, besides prev_hash.
HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
)


def canonical_json(value: Any) -> bytes:
    """`value` as JSON with sorted keys, no spaces and ASCII escapes: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def timestamp(at: datetime) -> str:
    """`at` in UTC, ISO 8601 with microseconds: how the hash sees a time."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """The hex SHA-256 of an entry with `fields` (HASHED_FIELDS, `at` a datetime) following
    the entry whose hash is `prev_hash`."""
    body = {name: fields[name] for name in HASHED_FIELDS}
    body["at"] = timestamp(body["at"])
    body["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(body)).hexdigest()

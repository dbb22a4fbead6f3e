"""Checking the chain: every entry's hash recomputed in id order, each prev_hash the hash of
the entry before, ids without gaps from 1. The first entry that does not hold is reported.

A deleted last entry leaves no trace in the chain itself: the chain proves that what is
there is whole and unchanged from its first entry to its last.
"""

from __future__ import annotations

from audit import chain
from audit.models import AuditEntry

CHUNK = 2000


def chain_problem() -> str | None:
    """The first entry that does not hold, and why, or None when the whole chain holds."""
    expected_id, prev_hash = 1, chain.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=CHUNK):
        if entry.id > expected_id:
            missing = (
                f"entry {expected_id} is"
                if entry.id == expected_id + 1
                else f"entries {expected_id} to {entry.id - 1} are"
            )
            return f"entry {entry.id}: follows entry {expected_id - 1}; {missing} missing (deleted)"
        if entry.id < expected_id:
            return f"entry {entry.id}: ids start at 1 (inserted)"
        if entry.prev_hash != prev_hash:
            return (
                f"entry {entry.id}: prev_hash {entry.prev_hash} is not the hash of the entry "
                f"before it ({prev_hash})"
            )
        if chain.entry_hash(entry.hashed_fields(), entry.prev_hash) != entry.hash:
            return f"entry {entry.id}: its fields do not match its hash (edited)"
        expected_id, prev_hash = entry.id + 1, entry.hash
    return None

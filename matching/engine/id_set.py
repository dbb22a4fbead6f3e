"""The set of order ids ever used (SPEC.md: a `new` with a used id is `duplicate_order_id`,
for good), kept small.

An id is remembered for ever, so a plain set costs ~70 bytes per order ever placed:
gigabytes a day on a busy market. Here the non-negative integers are grouped in chunks of
65,536 consecutive values; a chunk that holds 256 ids or more becomes a bitmap (8 KiB, one
bit per value), which packs the matcher's dense, rising ids into about a bit and a half each.
Sparse ids, strings and negative integers stay in a plain set. Same answers as a set.

A chunk never goes back to the set (ids are never removed), so which ids are in bitmaps
depends only on which ids are held: equal sets dump to equal data (state.py).

Cost: `in`, `add` and `claim` (both in one) are O(1); a chunk turning into a bitmap moves
its 256 ids once, finding them in O(min(ids kept in the set, chunk size)).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from typing import Final

CHUNK_BITS: Final = 16
CHUNK_SIZE: Final = 1 << CHUNK_BITS
LOW_MASK: Final = CHUNK_SIZE - 1
DENSE_AT: Final = 256  # ids in one chunk from which its bitmap is no bigger than the set entries


class IdSet:
    __slots__ = ("_chunks", "_counts", "_sparse")

    def __init__(self, ids: Iterable[int | str] = ()) -> None:
        self._sparse: set[int | str] = set()  # ids not in a bitmap chunk
        self._chunks: dict[int, bytearray] = {}  # chunk number -> bitmap of its values
        self._counts: dict[int, int] = {}  # chunk number -> ids of it in _sparse
        for order_id in ids:
            self.add(order_id)

    def __contains__(self, order_id: object) -> bool:
        if order_id in self._sparse:
            return True
        if type(order_id) is not int or order_id < 0:
            return False
        bits = self._chunks.get(order_id >> CHUNK_BITS)
        return bits is not None and bits[(order_id & LOW_MASK) >> 3] >> (order_id & 7) & 1 == 1

    def claim(self, order_id: int | str) -> bool:
        """Adds `order_id`; False if it was there already. What a `new` asks: one look-up of
        its chunk where `in` then `add` take two."""
        if type(order_id) is int and order_id >= 0:
            bits = self._chunks.get(order_id >> CHUNK_BITS)
            if bits is not None:
                index, mask = (order_id & LOW_MASK) >> 3, 1 << (order_id & 7)
                byte = bits[index]
                if byte & mask:
                    return False
                bits[index] = byte | mask
                return True
        if order_id in self._sparse:  # an id no bitmap holds is here or nowhere
            return False
        self.add(order_id)
        return True

    def add(self, order_id: int | str) -> None:
        if type(order_id) is not int or order_id < 0:
            self._sparse.add(order_id)
            return
        chunk = order_id >> CHUNK_BITS
        bits = self._chunks.get(chunk)
        if bits is not None:
            bits[(order_id & LOW_MASK) >> 3] |= 1 << (order_id & 7)
            return
        if order_id in self._sparse:
            return
        self._sparse.add(order_id)
        count = self._counts.get(chunk, 0) + 1
        if count < DENSE_AT:
            self._counts[chunk] = count
            return
        del self._counts[chunk]
        self._chunks[chunk] = bits = bytearray(CHUNK_SIZE >> 3)
        start, end = chunk << CHUNK_BITS, (chunk + 1) << CHUNK_BITS
        sparse = self._sparse
        # the chunk's ids leave the set: looked for in the set or in the chunk, the smaller
        scanned = sparse if len(sparse) < CHUNK_SIZE else range(start, end)
        moving = [v for v in scanned if type(v) is int and start <= v < end and v in sparse]
        for value in moving:
            sparse.discard(value)
            bits[(value & LOW_MASK) >> 3] |= 1 << (value & 7)

    def __len__(self) -> int:
        return len(self._sparse) + sum(
            int.from_bytes(bits, "little").bit_count() for bits in self._chunks.values()
        )

    def __iter__(self) -> Iterator[int | str]:
        """The ids in bitmaps, chunk by chunk, then the others in no order."""
        for chunk, bits in sorted(self._chunks.items()):
            start = chunk << CHUNK_BITS
            for index, byte in enumerate(bytes(bits)):
                while byte:
                    low = byte & -byte
                    yield start + (index << 3) + low.bit_length() - 1
                    byte ^= low
        yield from self._sparse

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IdSet):
            return self._chunks == other._chunks and self._sparse == other._sparse
        if isinstance(other, (set, frozenset)):
            return len(self) == len(other) and all(order_id in self for order_id in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"IdSet({len(self)} ids, {len(self._chunks)} bitmap chunks)"

    # ---- snapshots ------------------------------------------------------------------------

    def sparse(self) -> set[int | str]:
        """The ids not in a bitmap chunk."""
        return self._sparse

    def packed_chunks(self) -> list[list]:
        """The bitmap chunks as `[chunk number, base64 of its bitmap]`, by number."""
        return [
            [chunk, base64.b64encode(bits).decode("ascii")]
            for chunk, bits in sorted(self._chunks.items())
        ]

    @classmethod
    def unpacked(cls, chunks: Iterable[list], sparse: Iterable[int | str]) -> IdSet:
        """The set `packed_chunks` and `sparse` describe. Raises ValueError if they are not
        a form this class makes (a malformed or tampered snapshot)."""
        ids = cls()
        for chunk, text in chunks:
            bits = bytearray(base64.b64decode(text, validate=True))
            if type(chunk) is not int or chunk < 0 or len(bits) != CHUNK_SIZE >> 3:
                raise ValueError(f"bad id chunk {chunk!r}")
            ids._chunks[chunk] = bits
        for order_id in sparse:
            if order_id in ids:
                raise ValueError(f"id {order_id!r} listed twice")
            ids.add(order_id)
        return ids

"""The price levels of one book side in the compiled build: the part of `SortedDict` that
book.py uses, in types the compiler knows (mypyc), with the same answers.

The pure build keeps its levels in a `sortedcontainers.SortedDict`, the fastest there is in
Python; compiled, SortedDict's Python code was most of the time of a book update. Here the
keys (book.py's: the price, minus the price on the bids, so the best sorts first) are
sorted in chunks of at most 2 × `LOAD` keys, `maxes` holds each chunk's last key, and the
levels are in a dict by key:
a look-up is O(1), the best level O(1), a new or emptied level O(log n + LOAD) (bisecting
`maxes`, then moving at most 2 × LOAD keys of one chunk), like SortedDict's own lists.
The bisection is this module's own (`_bisect_left`): compiled, it compares the keys as
machine integers, where the `bisect` module's functions compare Python objects (and cost
about 1,200 instructions a call on a chunk of 512 keys, against about 375).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .book import Level

LOAD: Final = 256  # a chunk splits in two above 2 × LOAD keys


def _bisect_left(keys: list[int], key: int) -> int:
    """Where `key` goes in the sorted `keys`, before any equal key (as `bisect.bisect_left`)."""
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) >> 1
        if keys[middle] < key:
            low = middle + 1
        else:
            high = middle
    return low


class PriceLevels:
    """Levels by key, iterated in key order."""

    __slots__ = ("_chunks", "_maxes", "_by_key")

    def __init__(self) -> None:
        self._chunks: list[list[int]] = []  # the keys, sorted, in consecutive chunks
        self._maxes: list[int] = []  # the last key of each chunk
        self._by_key: dict[int, Level] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def get(self, key: int) -> Level | None:
        return self._by_key.get(key)

    def __getitem__(self, key: int) -> Level:
        return self._by_key[key]

    def __setitem__(self, key: int, level: Level) -> None:
        by_key = self._by_key
        known = len(by_key)
        by_key[key] = level
        if len(by_key) == known:  # a key there already: its level replaced, nothing to sort
            return
        chunks, maxes = self._chunks, self._maxes
        if not maxes:
            chunks.append([key])
            maxes.append(key)
            return
        at = _bisect_left(maxes, key)
        if at == len(maxes):  # after every key: the last chunk grows at its end
            at -= 1
            chunk = chunks[at]
            chunk.append(key)
            maxes[at] = key
        else:
            chunk = chunks[at]
            chunk.insert(_bisect_left(chunk, key), key)
        if len(chunk) > 2 * LOAD:
            upper = chunk[LOAD:]
            del chunk[LOAD:]
            chunks.insert(at + 1, upper)
            maxes[at] = chunk[-1]
            maxes.insert(at + 1, upper[-1])

    def __delitem__(self, key: int) -> None:
        del self._by_key[key]  # KeyError, as SortedDict, if there is no such key
        chunks, maxes = self._chunks, self._maxes
        at = _bisect_left(maxes, key)
        chunk = chunks[at]
        chunk.pop(_bisect_left(chunk, key))  # compiled, `pop` takes the index unboxed
        if not chunk:
            del chunks[at]
            del maxes[at]
        elif maxes[at] == key:
            maxes[at] = chunk[-1]

    def peekitem(self, index: int) -> tuple[int, Level]:
        """The (key, level) at `index` in key order (0: the best)."""
        key = self._chunks[0][0] if index == 0 else list(self.keys())[index]
        return key, self._by_key[key]

    def keys(self) -> Iterator[int]:
        for chunk in self._chunks:
            yield from chunk

    def values(self) -> Iterator[Level]:
        by_key = self._by_key
        for chunk in self._chunks:
            for key in chunk:
                yield by_key[key]

    def items(self) -> Iterator[tuple[int, Level]]:
        by_key = self._by_key
        for chunk in self._chunks:
            for key in chunk:
                yield key, by_key[key]

"""Reading a matcher's journal without touching it: the segments in its directory and in the
archive, records up to a seq. Unlike `matching.journal.JournalScan`, which cuts a torn tail
off (recovery's right), nothing here writes: the matcher may be appending as it is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from matching.journal import MAGIC, JournalCorrupt, Record, _parse, segments


def first_seq(segment: Path) -> int:
    """The seq of the first record of `segment`, from its name (journal-<seq>.wal)."""
    return int(segment.stem.split("-")[1])


def journal_segments(journal_dir: Path, archive_dir: Path | None = None) -> list[Path]:
    """The segments of the journal in `journal_dir` and of its archive (where retention moves
    the old ones), oldest first; a name in both is read from the journal directory."""
    found = {path.name: path for path in segments(archive_dir)} if archive_dir else {}
    found.update({path.name: path for path in segments(journal_dir)})
    return sorted(found.values(), key=first_seq)


def read_records(files: list[Path], after_seq: int, upto_seq: int) -> Iterator[Record]:
    """The records with after_seq < seq <= upto_seq, in order, each following the one
    before. JournalCorrupt if one of them is missing or unreadable."""
    expected = after_seq + 1
    for index, path in enumerate(files):
        if index + 1 < len(files) and first_seq(files[index + 1]) <= expected:
            continue  # wholly before what is asked for
        if first_seq(path) > upto_seq:
            break
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            raise JournalCorrupt(f"{path}: not a journal segment")
        offset = len(MAGIC)
        while offset < len(data) and expected <= upto_seq:
            record, end = _parse(data, offset)
            if record is None:
                break  # the torn tail a running matcher may be writing; checked below
            if record.seq > expected:
                raise JournalCorrupt(f"{path}: seq {record.seq} at offset {offset}, expected "
                                     f"{expected}")  # fmt: skip
            offset = end
            if record.seq < expected:
                continue
            expected += 1
            yield record
        if expected > upto_seq:
            return
    if expected <= upto_seq:
        raise JournalCorrupt(
            f"the journal has no readable record {expected} (it should reach {upto_seq})"
        )

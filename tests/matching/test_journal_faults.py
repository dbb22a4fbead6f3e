"""The journal through a full disk and its retention (matching/journal.py): a failed commit
keeps its batch and leaves nothing of it in the file, so committing again writes it once;
segments that recovery no longer needs are removed or archived, and a journal whose early
segments are missing is refused rather than replayed with a gap."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from matching import journal as journal_module
from matching.journal import JournalCorrupt, JournalScan, JournalWriter, prune_segments, segments


def payload_of(seq: int) -> bytes:
    return f'{{"op":"tick","n":{seq}}}'.encode()


def read_seqs(directory: Path, after_seq: int = 0) -> list[int]:
    return [record.seq for record in JournalScan(directory, after_seq=after_seq).records()]


class FullDisk:
    """Makes the writer's file writes fail with ENOSPC after `room` more bytes."""

    def __init__(self, writer: JournalWriter, room: int) -> None:
        self.writer, self.room, self.full = writer, room, True
        self.real_write = writer._write

    def write(self, data: bytes) -> None:
        if self.full:
            part = bytes(data)[: self.room]
            if part:
                self.writer._file.write(part)  # a partial write, as a filling disk gives
            raise OSError(errno.ENOSPC, "No space left on device")
        self.real_write(data)


def test_a_commit_that_hits_a_full_disk_keeps_its_batch_and_writes_it_once_later(tmp_path):
    writer = JournalWriter(tmp_path, 1)
    for seq in (1, 2):
        writer.append(seq, seq, payload_of(seq))
    writer.commit()
    size_before = (tmp_path / segments(tmp_path)[0].name).stat().st_size
    disk = FullDisk(writer, room=10)
    writer._write = disk.write
    for seq in (3, 4):
        writer.append(seq, seq, payload_of(seq))

    with pytest.raises(OSError):
        writer.commit()
    with pytest.raises(OSError):
        writer.commit()  # still full: nothing doubled either

    assert writer.pending
    assert segments(tmp_path)[0].stat().st_size == size_before  # the partial write is cut
    disk.full = False
    assert writer.commit() == 4
    writer.append(5, 5, payload_of(5))
    writer.commit()
    writer.close()
    assert read_seqs(tmp_path) == [1, 2, 3, 4, 5]


def test_a_failed_fsync_is_retried_with_the_batch_written_again(tmp_path, monkeypatch):
    writer = JournalWriter(tmp_path, 1)
    real_fsync = journal_module.os.fsync
    failures = [OSError(errno.EIO, "I/O error")]

    def fsync(fd):
        if failures:
            raise failures.pop()
        real_fsync(fd)

    writer.append(1, 1, payload_of(1))
    monkeypatch.setattr(journal_module.os, "fsync", fsync)
    with pytest.raises(OSError):
        writer.commit()
    assert writer.commit() == 1
    writer.close()
    assert read_seqs(tmp_path) == [1]


def test_a_new_segment_that_cannot_be_made_is_made_by_the_next_commit(tmp_path):
    writer = JournalWriter(tmp_path, 1, segment_bytes=64)
    for seq in (1, 2):
        writer.append(seq, seq, payload_of(seq))
        writer.commit()
    real_open_segment = writer._open_segment
    calls = []

    def open_segment(first_seq):
        calls.append(first_seq)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_open_segment(first_seq)

    writer._open_segment = open_segment
    writer.append(3, 3, payload_of(3))
    with pytest.raises(OSError):
        writer.commit()
    assert writer.commit() == 3
    writer.close()
    assert read_seqs(tmp_path) == [1, 2, 3]


def _journal_of_segments(directory: Path, count: int) -> None:
    writer = JournalWriter(directory, 1, segment_bytes=64)
    for seq in range(1, count + 1):  # each record fills a segment of 64 bytes
        writer.append(seq, seq, payload_of(seq))
        writer.commit()
    writer.close()


def test_segments_wholly_at_or_before_the_seq_are_removed_and_never_the_newest(tmp_path):
    _journal_of_segments(tmp_path, 5)
    assert len(segments(tmp_path)) == 5

    gone = prune_segments(tmp_path, 3)

    assert [path.name for path in gone] == [f"journal-{seq:020d}.wal" for seq in (1, 2, 3)]
    assert read_seqs(tmp_path, after_seq=3) == [4, 5]
    assert prune_segments(tmp_path, 100) == [tmp_path / f"journal-{4:020d}.wal"]
    assert len(segments(tmp_path)) == 1


def test_segments_go_to_the_archive_when_one_is_set(tmp_path):
    journal, archive = tmp_path / "journal", tmp_path / "archive"
    _journal_of_segments(journal, 3)

    prune_segments(journal, 2, archive)

    assert read_seqs(archive) == [1, 2]
    assert read_seqs(journal, after_seq=2) == [3]


def test_a_journal_whose_early_segments_are_missing_is_refused(tmp_path):
    _journal_of_segments(tmp_path, 4)
    prune_segments(tmp_path, 2)

    with pytest.raises(JournalCorrupt, match="missing"):
        read_seqs(tmp_path, after_seq=1)

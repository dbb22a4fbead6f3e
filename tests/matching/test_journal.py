"""The write-ahead journal (DESIGN.md "Durability"): append-only segments of length-prefixed,
CRC32-checked records carrying the engine seq and clock; group commit (one write, one fsync
per batch) under the always/interval/off policies; a torn or corrupt tail is cut off with a
warning, damage anywhere else stops the scan naming the file and offset."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from matching.journal import MAGIC, JournalCorrupt, JournalScan, JournalWriter, segments

# The documented layout, restated here so the test checks the file, not the module's constants.
HEADER = struct.Struct("<IIQq")  # length u32 | crc32 u32 | seq u64 | ts i64
# Where a flipped byte lands, by offset into a record: 0, 3, 4, 8, 16, 24.
FIELDS = ["length", "length_high", "crc", "seq", "ts", "payload_first"]


def payload_of(seq: int) -> bytes:
    return b'{"op":"tick","ts":%d}' % (1_700_000_000_000 + seq)


def write_journal(
    directory: Path, count: int, *, batch: int = 1, first: int = 1, **options
) -> JournalWriter:
    """Journals records `first`..`first + count - 1` (ts = 1000 + seq), committing every
    `batch` records, and closes the writer."""
    writer = JournalWriter(directory, first, **options)
    for seq in range(first, first + count):
        writer.append(seq, 1000 + seq, payload_of(seq))
        if (seq - first + 1) % batch == 0:
            writer.commit()
    writer.close()
    return writer


def read_all(directory: Path, after_seq: int = 0) -> tuple[list, JournalScan]:
    scan = JournalScan(directory, after_seq=after_seq)
    return list(scan.records()), scan


def record_spans(path: Path) -> list[tuple[int, int]]:
    """(start, end) of each record of a healthy segment, parsed from the documented layout."""
    data = path.read_bytes()
    assert data[: len(MAGIC)] == MAGIC
    spans, offset = [], len(MAGIC)
    while offset < len(data):
        length = HEADER.unpack_from(data, offset)[0]
        end = offset + HEADER.size + length
        spans.append((offset, end))
        offset = end
    assert offset == len(data)
    return spans


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def record_bytes(seq: int, ts: int, payload: bytes) -> bytes:
    seq_ts = struct.pack("<Qq", seq, ts)
    return struct.pack("<II", len(payload), zlib.crc32(seq_ts + payload)) + seq_ts + payload


class CountingFile:
    """Stands in for the writer's segment file and counts the writes that reach it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        return self.inner.write(data)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@pytest.fixture
def fsyncs(monkeypatch) -> list[int]:
    """Every fsync made during the test (the file descriptors)."""
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


# ---- records -------------------------------------------------------------------------------


def test_records_come_back_in_order_with_their_seq_ts_and_payload(tmp_path):
    write_journal(tmp_path, 25, batch=4)
    records, scan = read_all(tmp_path)
    assert [(r.seq, r.ts, r.payload) for r in records] == [
        (seq, 1000 + seq, payload_of(seq)) for seq in range(1, 26)
    ]
    assert scan.last_seq == 25
    assert scan.warnings == []


def test_records_are_length_prefixed_and_crc32_checked_as_documented(tmp_path):
    write_journal(tmp_path, 3, batch=3)
    [segment] = segments(tmp_path)
    assert segment.name == "journal-00000000000000000001.wal"
    data = segment.read_bytes()
    assert data.startswith(MAGIC)
    for index, (start, end) in enumerate(record_spans(segment), start=1):
        length, crc, seq, ts = HEADER.unpack_from(data, start)
        payload = data[start + HEADER.size : end]
        assert (length, seq, ts, payload) == (len(payload), index, 1000 + index, payload_of(index))
        assert crc == zlib.crc32(data[start + 8 : end]), "the CRC covers seq, ts and payload"


def test_a_negative_timestamp_round_trips(tmp_path):
    writer = JournalWriter(tmp_path, 1)
    writer.append(1, -5, b"{}")
    writer.close()
    [record], _ = read_all(tmp_path)
    assert (record.seq, record.ts, record.payload) == (1, -5, b"{}")


def test_reading_after_a_seq_skips_the_records_up_to_it(tmp_path):
    write_journal(tmp_path, 10, batch=3)
    records, scan = read_all(tmp_path, after_seq=6)
    assert [r.seq for r in records] == [7, 8, 9, 10]
    assert scan.last_seq == 10


# ---- group commit and fsync policies -------------------------------------------------------


def test_nothing_reaches_the_file_before_commit(tmp_path):
    writer = JournalWriter(tmp_path, 1)
    for seq in range(1, 11):
        writer.append(seq, seq, payload_of(seq))
    [segment] = segments(tmp_path)
    assert segment.read_bytes() == MAGIC
    assert read_all(tmp_path)[0] == []
    assert writer.commit() == 10
    assert [r.seq for r in read_all(tmp_path)[0]] == list(range(1, 11))
    writer.close()


def test_a_commit_writes_the_whole_batch_with_one_write_and_one_fsync(tmp_path, fsyncs):
    writer = JournalWriter(tmp_path, 1, fsync="always")
    writer._file = counting = CountingFile(writer._file)
    fsyncs.clear()  # opening the segment synced it; count from the first batch on
    for batch in range(3):
        for seq in range(batch * 100 + 1, batch * 100 + 101):
            writer.append(seq, seq, payload_of(seq))
        assert writer.commit() == batch * 100 + 100
        assert counting.writes == batch + 1
        assert len(fsyncs) == batch + 1
        assert writer.batches == batch + 1
    writer.close()
    assert [r.seq for r in read_all(tmp_path)[0]] == list(range(1, 301))


def test_an_empty_commit_writes_and_syncs_nothing_and_returns_the_last_seq(tmp_path, fsyncs):
    writer = JournalWriter(tmp_path, 8)
    writer._file = counting = CountingFile(writer._file)
    writer.append(8, 0, b"{}")
    writer.commit()
    fsyncs.clear()
    assert writer.commit() == 8
    assert (counting.writes, len(fsyncs), writer.batches) == (1, 0, 1)
    writer.close()


def test_fsync_policy_off_never_syncs_the_journal(tmp_path, fsyncs):
    writer = JournalWriter(tmp_path, 1, fsync="off")
    segment_fd = writer._file.fileno()
    for seq in range(1, 6):
        writer.append(seq, seq, payload_of(seq))
        writer.commit()
    writer.close()
    assert segment_fd not in fsyncs
    assert writer.batches == 5
    assert writer.fsync_seconds == 0
    assert len(read_all(tmp_path)[0]) == 5


def test_fsync_policy_interval_syncs_a_batch_only_once_the_interval_has_passed(tmp_path, fsyncs):
    writer = JournalWriter(tmp_path, 1, fsync="interval", interval_ms=3_600_000)
    fsyncs.clear()
    for seq in range(1, 6):
        writer.append(seq, seq, payload_of(seq))
        writer.commit()
    assert fsyncs == [], "an hour has not passed"
    assert writer.batches == 5
    writer.close()
    assert len(fsyncs) == 1, "closing syncs what the interval left unsynced"


def test_fsync_policy_interval_with_a_zero_interval_syncs_every_batch(tmp_path, fsyncs):
    writer = JournalWriter(tmp_path, 1, fsync="interval", interval_ms=0)
    fsyncs.clear()
    for seq in range(1, 6):
        writer.append(seq, seq, payload_of(seq))
        writer.commit()
    assert len(fsyncs) == 5
    writer.close()


@pytest.mark.parametrize("policy", ["sometimes", "ALWAYS", "", "never"])
def test_an_unknown_fsync_policy_is_refused(tmp_path, policy):
    with pytest.raises(ValueError, match="fsync policy"):
        JournalWriter(tmp_path, 1, fsync=policy)


def test_the_first_record_must_carry_the_seq_the_writer_starts_at(tmp_path):
    writer = JournalWriter(tmp_path, 5)
    with pytest.raises(ValueError, match="expects seq 5, got 1"):
        writer.append(1, 0, b"{}")
    writer.close()


@pytest.mark.parametrize("bad_seq", [2, 4, 5, 100])
def test_each_record_must_follow_the_previous_one(tmp_path, bad_seq):
    writer = JournalWriter(tmp_path, 1)
    writer.append(1, 0, b"{}")
    writer.append(2, 0, b"{}")
    with pytest.raises(ValueError, match=f"expects seq 3, got {bad_seq}"):
        writer.append(bad_seq, 0, b"{}")
    writer.append(3, 0, b"{}")  # the refused record did not move the expected seq
    writer.close()
    assert [r.seq for r in read_all(tmp_path)[0]] == [1, 2, 3]


# ---- segments ------------------------------------------------------------------------------


def test_a_full_segment_rolls_over_to_a_new_file_named_for_its_first_seq(tmp_path):
    record_size = HEADER.size + len(payload_of(1))
    write_journal(tmp_path, 30, batch=3, segment_bytes=len(MAGIC) + 7 * record_size)
    files = segments(tmp_path)
    # two 3-record batches fit in a segment, a third does not: batches are never split
    assert [f.name for f in files] == [f"journal-{first:020d}.wal" for first in range(1, 31, 6)]
    for first, path in zip(range(1, 31, 6), files, strict=True):
        assert path.read_bytes().startswith(MAGIC)
        assert len(record_spans(path)) == 6
        seqs = [r.seq for r in read_all(tmp_path, after_seq=first - 1)[0]][:6]
        assert seqs == list(range(first, first + 6))
    records, scan = read_all(tmp_path)
    assert [r.seq for r in records] == list(range(1, 31))
    assert scan.last_seq == 30


def test_a_batch_larger_than_a_segment_goes_whole_into_one_segment(tmp_path):
    write_journal(tmp_path, 20, batch=10, segment_bytes=64)
    files = segments(tmp_path)
    assert [f.name for f in files] == [
        "journal-00000000000000000001.wal",
        "journal-00000000000000000011.wal",
    ]
    assert [len(record_spans(f)) for f in files] == [10, 10]


def test_reading_after_a_seq_reads_on_across_segments(tmp_path):
    write_journal(tmp_path, 30, batch=3, segment_bytes=200)
    assert len(segments(tmp_path)) > 3
    for after in (0, 1, 2, 3, 4, 14, 15, 29, 30):
        records, _ = read_all(tmp_path, after_seq=after)
        assert [r.seq for r in records] == list(range(after + 1, 31))


# ---- a torn or corrupt tail is cut off ------------------------------------------------------


@pytest.mark.parametrize("keep", [1, 5, HEADER.size, HEADER.size + 3], ids=lambda k: f"keep{k}")
def test_a_torn_last_record_is_cut_off_with_a_warning_and_the_file_truncated(tmp_path, keep):
    write_journal(tmp_path, 10, batch=5)
    [segment] = segments(tmp_path)
    last_start, _ = record_spans(segment)[-1]
    with open(segment, "r+b") as handle:
        handle.truncate(last_start + keep)

    records, scan = read_all(tmp_path)

    assert [r.seq for r in records] == list(range(1, 10))
    assert scan.last_seq == 9
    [warning] = scan.warnings
    assert str(segment) in warning and f"offset {last_start}" in warning
    assert segment.stat().st_size == last_start
    again, rescan = read_all(tmp_path)
    assert [r.seq for r in again] == list(range(1, 10)) and rescan.warnings == []


def test_a_torn_batch_loses_only_its_incomplete_record(tmp_path):
    write_journal(tmp_path, 10, batch=10)
    [segment] = segments(tmp_path)
    spans = record_spans(segment)
    with open(segment, "r+b") as handle:
        handle.truncate(spans[6][0] + 4)  # the write stopped inside record 7
    records, scan = read_all(tmp_path)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    assert len(scan.warnings) == 1
    assert segment.stat().st_size == spans[6][0]


def test_a_segment_torn_inside_its_magic_is_cut_to_nothing(tmp_path):
    write_journal(tmp_path, 6, batch=3, segment_bytes=100)
    last = segments(tmp_path)[-1]
    last.write_bytes(MAGIC[:3])
    records, scan = read_all(tmp_path)
    assert scan.last_seq == records[-1].seq < 6
    [warning] = scan.warnings
    assert str(last) in warning
    assert last.stat().st_size == 0


@pytest.mark.parametrize(
    "field_offset", [0, 3, 4, 8, 16, HEADER.size, -1], ids=FIELDS + ["payload_last"]
)
def test_a_flipped_byte_in_the_last_record_cuts_that_record_off(tmp_path, field_offset):
    write_journal(tmp_path, 10, batch=2)
    [segment] = segments(tmp_path)
    start, end = record_spans(segment)[-1]
    flip_byte(segment, start + field_offset if field_offset >= 0 else end + field_offset)

    records, scan = read_all(tmp_path)

    assert [r.seq for r in records] == list(range(1, 10))
    [warning] = scan.warnings
    assert str(segment) in warning and f"offset {start}" in warning
    assert segment.stat().st_size == start


# ---- damage anywhere else stops the scan ---------------------------------------------------


@pytest.mark.parametrize("field_offset", [0, 3, 4, 8, 16, 30], ids=FIELDS[:5] + ["payload"])
@pytest.mark.parametrize("victim", [0, 4, 8], ids=["first", "middle", "second_to_last"])
def test_a_flipped_byte_in_a_middle_record_is_corrupt_naming_file_and_offset(
    tmp_path, victim, field_offset
):
    write_journal(tmp_path, 10, batch=3)
    [segment] = segments(tmp_path)
    start, _ = record_spans(segment)[victim]
    flip_byte(segment, start + field_offset)
    damaged = segment.read_bytes()

    scan = JournalScan(tmp_path)
    read = []
    with pytest.raises(JournalCorrupt) as raised:
        for record in scan.records():
            read.append(record.seq)

    assert str(segment) in str(raised.value)
    assert f"at offset {start}" in str(raised.value)
    assert read == list(range(1, victim + 1)), "the records before the damage were read"
    assert segment.read_bytes() == damaged, "a corrupt journal is left as it is"


def test_a_corrupt_tail_of_an_earlier_segment_is_corrupt_not_cut(tmp_path):
    write_journal(tmp_path, 12, batch=3, segment_bytes=200)
    first = segments(tmp_path)[0]
    start, end = record_spans(first)[-1]
    flip_byte(first, end - 1)
    with pytest.raises(JournalCorrupt, match=f"{first}.*offset {start}"):
        read_all(tmp_path)
    assert first.stat().st_size == end


def test_a_torn_earlier_segment_is_corrupt_not_cut(tmp_path):
    write_journal(tmp_path, 12, batch=3, segment_bytes=200)
    first = segments(tmp_path)[0]
    start, _ = record_spans(first)[-1]
    with open(first, "r+b") as handle:
        handle.truncate(start + 5)
    with pytest.raises(JournalCorrupt, match=f"{first}.*offset {start}"):
        read_all(tmp_path)


@pytest.mark.parametrize("which", [0, -1], ids=["first_segment", "last_segment"])
def test_a_segment_with_bad_magic_is_corrupt(tmp_path, which):
    write_journal(tmp_path, 12, batch=3, segment_bytes=200)
    victim = segments(tmp_path)[which]
    flip_byte(victim, 2)
    with pytest.raises(JournalCorrupt, match=f"{victim}.*bad magic at offset 0"):
        read_all(tmp_path)


def test_a_well_formed_record_out_of_sequence_is_corrupt(tmp_path):
    segment = tmp_path / "journal-00000000000000000001.wal"
    seqs = [1, 2, 4, 5, 6]
    segment.write_bytes(MAGIC + b"".join(record_bytes(s, s, payload_of(s)) for s in seqs))
    offset = len(MAGIC) + 2 * len(record_bytes(1, 1, payload_of(1)))
    with pytest.raises(JournalCorrupt, match=f"seq 4, expected 3 at offset {offset}"):
        read_all(tmp_path)


def test_fsync_policy_interval_syncs_an_idle_journal_once_the_interval_has_passed(
    tmp_path, fsyncs, monkeypatch
):
    import matching.journal as journal

    now = [100.0]
    monkeypatch.setattr(journal.time, "monotonic", lambda: now[0])
    writer = JournalWriter(tmp_path, 1, fsync="interval", interval_ms=50)
    fsyncs.clear()
    writer.append(1, 1, payload_of(1))
    writer.commit()
    assert fsyncs == [] and not writer.sync_if_due(), "50 ms have not passed"
    now[0] += 0.051
    assert writer.sync_if_due() and len(fsyncs) == 1
    now[0] += 1
    assert not writer.sync_if_due(), "nothing written since the last fsync"
    assert len(fsyncs) == 1
    writer.close()

"""The write-ahead journal of the matcher: append-only segment files of checksummed records.

A segment `journal-<first seq>.wal` starts with an 8-byte magic; each record is

    length u32 | crc32 u32 | seq u64 | ts i64 | payload (length bytes)

little-endian, the CRC32 covering seq, ts and payload. `seq` is the engine sequence number
after the command (the count of commands processed) and `ts` the engine clock; the payload
is the command as JSON. Group commit: `append` buffers, `commit` writes the whole batch with
one write and, by policy, one fsync; nothing may be acknowledged before `commit` returns. A
`commit` that fails (OSError: a full disk, an fsync error) keeps the batch and cuts the file
back to where the batch began, so calling it again writes the batch afresh.

Reading stops at the first bad record. If it is the torn tail of the last segment (a write
cut short by a crash, or a corrupt last record with nothing valid after it) it is cut off
with a warning: it was never acknowledged. Anything else is `JournalCorrupt`, naming the
file and offset; recovery never guesses past it.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"MXJRNL01"
HEADER = struct.Struct("<IIQq")
_SEQ_TS = struct.Struct("<Qq")
SEGMENT_BYTES = 64 * 1024 * 1024
FSYNC_POLICIES = ("always", "interval", "off")
# A record longer than this is a corrupt length field, not a command.
MAX_PAYLOAD = 16 * 1024 * 1024


class JournalCorrupt(Exception):
    """A bad record that is not the torn tail: recovery must stop."""


@dataclass(frozen=True)
class Record:
    seq: int
    ts: int
    payload: bytes


def _segment_name(first_seq: int) -> str:
    return f"journal-{first_seq:020d}.wal"


def _first_seq(segment: Path) -> int:
    return int(segment.stem.split("-")[1])


def segments(directory: Path) -> list[Path]:
    """The journal's segment files, oldest first."""
    return sorted(directory.glob("journal-*.wal"))


def prune_segments(directory: Path, upto_seq: int, archive_dir: Path | None = None) -> list[Path]:
    """Removes the segments whose records all have seq <= `upto_seq` (never the newest), or
    moves them into `archive_dir` if given; returns the paths they had, oldest first."""
    files = segments(directory)
    gone = []
    for path, following in zip(files, files[1:], strict=False):
        if _first_seq(following) - 1 > upto_seq:
            break
        if archive_dir is None:
            path.unlink()
        else:
            archive_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(path, archive_dir / path.name)
        gone.append(path)
    if gone:
        fsync_directory(directory)
    return gone


def fsync_directory(directory: Path) -> None:
    """Makes a file creation or rename in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JournalWriter:
    """Appends records to the journal in `directory`, starting a new segment at `next_seq`."""

    def __init__(
        self,
        directory: Path,
        next_seq: int,
        *,
        fsync: str = "always",
        interval_ms: int = 10,
        segment_bytes: int = SEGMENT_BYTES,
        on_commit=None,
        on_sync=None,
    ) -> None:
        """`on_commit(records)` and `on_sync(seconds)`, if given, are told of each batch
        written and each fsync (for metrics); they run on the committing thread."""
        if fsync not in FSYNC_POLICIES:
            raise ValueError(f"fsync policy must be one of {FSYNC_POLICIES}, not {fsync!r}")
        self.directory = directory
        self.policy = fsync
        self.interval = interval_ms / 1000
        self.segment_bytes = segment_bytes
        self.fsync_seconds = 0.0  # total time spent in fsync, for metrics
        self.batches = 0
        self.on_commit = on_commit
        self.on_sync = on_sync
        self._buffer: list[bytes] = []
        self._next_seq = next_seq
        self._last_fsync = time.monotonic()
        self._unsynced = False
        self._file = None
        self._size = 0
        self._cut_needed = False  # a failed commit left bytes past `_size`
        directory.mkdir(parents=True, exist_ok=True)
        self._open_segment(next_seq)

    def _open_segment(self, first_seq: int) -> None:
        if self._file is not None:
            self._sync()
            self._file.close()
            self._file = None
        path = self.directory / _segment_name(first_seq)
        if path.exists() and path.stat().st_size <= len(MAGIC):
            # left by a crash before its first record was written (recovery cut it back):
            # it holds nothing, so it is started afresh
            path.unlink()
        self._file = open(path, "xb", buffering=0)  # noqa: SIM115 - kept open across batches
        try:
            self._write(MAGIC)
            self._sync()
            fsync_directory(self.directory)
        except OSError:  # the next commit makes it again (it holds no record)
            self._file.close()
            self._file = None
            raise
        self._size = len(MAGIC)
        self._cut_needed = False

    @property
    def pending(self) -> bool:
        """True if records are buffered, waiting for `commit`."""
        return bool(self._buffer)

    def append(self, seq: int, ts: int, payload: bytes) -> None:
        """Buffers one record; `seq` must follow the previous one."""
        if seq != self._next_seq:
            raise ValueError(f"journal expects seq {self._next_seq}, got {seq}")
        self._next_seq = seq + 1
        crc = zlib.crc32(payload, zlib.crc32(_SEQ_TS.pack(seq, ts)))
        # header and payload apart: `commit` joins them, so the payload is copied once
        self._buffer += (HEADER.pack(len(payload), crc, seq, ts), payload)

    def commit(self) -> int:
        """Writes the buffered batch, fsyncs it by policy, and returns the last seq written.
        On OSError the batch stays buffered and the segment is cut back to its size before
        the batch; the error is raised."""
        if self._buffer:
            data = b"".join(self._buffer)
            try:
                if self._cut_needed:
                    self._cut_back()
                if self._file is None or (
                    self._size + len(data) > self.segment_bytes and self._size > len(MAGIC)
                ):
                    self._open_segment(self._first_buffered_seq(data))
                self._write(data)
                if self.policy == "always":
                    self._sync()
            except OSError:
                self._cut_needed = self._file is not None
                try:
                    self._cut_back()
                except OSError:  # the next commit tries again before it writes
                    pass
                raise
            records = len(self._buffer) // 2  # each a header and a payload
            self._buffer.clear()
            self._size += len(data)
            self.batches += 1
            if self.on_commit is not None:
                self.on_commit(records)
            if self.policy != "always":
                self._unsynced = True
                self.sync_if_due()
        return self._next_seq - 1

    def _cut_back(self) -> None:
        """After a failed write or fsync: the segment back to its size before the batch (its
        pages, which a failed fsync may have dropped, are written again by the retry)."""
        if self._file is not None:
            os.ftruncate(self._file.fileno(), self._size)
            self._file.seek(self._size)
        self._cut_needed = False

    def sync_if_due(self) -> bool:
        """Under `interval`, fsyncs written batches once the interval has passed since the
        last fsync; the matcher also calls it when idle, so a quiet journal gets synced too.
        Returns True if it synced."""
        if (
            self.policy == "interval"
            and self._unsynced
            and time.monotonic() - self._last_fsync >= self.interval
        ):
            self._sync()
            return True
        return False

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # an unbuffered write may take less than it was given
            view = view[self._file.write(view) :]

    @staticmethod
    def _first_buffered_seq(data: bytes) -> int:
        return HEADER.unpack_from(data)[2]

    def _sync(self) -> None:
        if self.policy == "off":
            return
        started = time.monotonic()
        os.fsync(self._file.fileno())
        self._unsynced = False
        self._last_fsync = time.monotonic()
        self.fsync_seconds += self._last_fsync - started
        if self.on_sync is not None:
            self.on_sync(self._last_fsync - started)

    def close(self) -> None:
        """Commits what is buffered, syncs (whatever the policy but `off`) and closes."""
        self.commit()
        if self._file is not None:
            self._sync()
            self._file.close()
            self._file = None


@dataclass
class JournalScan:
    """What reading the journal found: records come from `records()`; warnings after."""

    directory: Path
    after_seq: int = 0
    warnings: list[str] = field(default_factory=list)
    last_seq: int = 0

    def records(self) -> Iterator[Record]:
        """Records with seq > after_seq, in order; cuts a torn tail, raises on corruption."""
        files = segments(self.directory)
        if files and _first_seq(files[0]) > self.after_seq + 1:
            raise JournalCorrupt(
                f"{files[0]}: the journal starts at seq {_first_seq(files[0])}, but the state "
                f"to replay it on is at seq {self.after_seq}: the segments between are missing"
            )
        expected = None
        for index, path in enumerate(files):
            is_last = index == len(files) - 1
            if not is_last and _first_seq(files[index + 1]) <= self.after_seq + 1:
                expected = None  # wholly before what is asked for: not read
                continue
            data = path.read_bytes()
            if not data.startswith(MAGIC):
                if is_last and len(data) < len(MAGIC) and MAGIC.startswith(data):
                    self._cut(path, 0, "segment header")
                    return
                raise JournalCorrupt(f"{path}: not a journal segment (bad magic at offset 0)")
            offset = len(MAGIC)
            while offset < len(data):
                record, end = _parse(data, offset)
                if record is None or (expected is not None and record.seq != expected):
                    if is_last and not _valid_record_after(data, offset):
                        self._cut(path, offset, "record")
                        return
                    what = (
                        "corrupt record"
                        if record is None
                        else f"seq {record.seq}, expected {expected}"
                    )
                    raise JournalCorrupt(f"{path}: {what} at offset {offset}")
                expected = record.seq + 1
                self.last_seq = record.seq
                if record.seq > self.after_seq:
                    yield record
                offset = end

    def _cut(self, path: Path, offset: int, what: str) -> None:
        size = path.stat().st_size
        self.warnings.append(
            f"{path}: torn {what} at offset {offset} cut off "
            f"({size - offset} bytes, never acknowledged)"
        )
        with open(path, "r+b") as handle:
            handle.truncate(offset)
            os.fsync(handle.fileno())


def _parse(data: bytes, offset: int) -> tuple[Record | None, int]:
    """The record at `offset` and where the next starts, or (None, offset) if it is bad."""
    if offset + HEADER.size > len(data):
        return None, offset
    length, crc, seq, ts = HEADER.unpack_from(data, offset)
    start = offset + HEADER.size
    end = start + length
    if length > MAX_PAYLOAD or end > len(data):
        return None, offset
    payload = data[start:end]
    if zlib.crc32(payload, zlib.crc32(data[offset + 8 : start])) != crc:
        return None, offset
    return Record(seq, ts, payload), end


def _valid_record_after(data: bytes, bad_offset: int) -> bool:
    """True if some valid record starts after `bad_offset`: the damage is not the tail.

    Scans byte by byte, so only runs on a damaged journal. O(n × record size) worst case.
    """
    for offset in range(bad_offset + 1, len(data) - HEADER.size + 1):
        record, _ = _parse(data, offset)
        if record is not None:
            return True
    return False

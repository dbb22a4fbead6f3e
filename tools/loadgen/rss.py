"""Resident memory of watched processes (`--watch-pid`), from /proc/PID/status."""

from __future__ import annotations

from pathlib import Path


def rss_kb(pid: int) -> int | None:
    """VmRSS of process `pid` in kB, or None if it is gone (or not readable)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None  # a zombie has no VmRSS


def rss_all(pids: list[int]) -> dict[str, int | None]:
    return {str(pid): rss_kb(pid) for pid in pids}

"""Writing a snapshot from a forked child, so the matcher does not stop while it is written.

Dumping the whole state stops the matcher for as long as it takes, which grows with the
book: under a 10-minute soak (50,000 resting orders) each snapshot held every order for up
to two seconds. A fork takes a copy-on-write image of the process at a sequence number in
milliseconds; the child dumps, checksums, writes and fsyncs it exactly as `write_snapshot`
does, and leaves with `os._exit` (no cleanup of the parent's sockets, files or threads,
none of which it touches). The parent carries on at once and collects the child's exit
status later. Where there is no fork, the caller writes in process as before. A child that
takes longer than its timeout (a stuck disk) is killed (`stop`): its snapshot is not kept
(it was written to a temporary file), and the next one tries again.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from pathlib import Path

from matching.engine import Engine
from matching.snapshots import write_snapshot

CAN_FORK = hasattr(os, "fork")


def start(directory: Path, engine: Engine, keep_at_or_before: int | None = None) -> int:
    """Forks a child that writes `engine`'s snapshot into `directory` (keeping the newest at
    or before `keep_at_or_before`, see snapshots.prune_snapshots); returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        gc.disable()  # nothing of the parent's is collected (and finalized) here
        write_snapshot(directory, engine, keep_at_or_before=keep_at_or_before)
        code = 0
    except BaseException as error:  # noqa: BLE001 - reported, then the exit status says it
        try:
            sys.stderr.write(f"snapshot child: writing the snapshot failed: {error!r}\n")
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def finished(pid: int, wait: bool = False) -> int | None:
    """The child's exit code once it has ended (waiting for it if asked), else None."""
    done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
    if not done:
        return None
    return os.waitstatus_to_exitcode(status)


def stop(pid: int, timeout: float) -> int:
    """The child's exit code, waiting at most `timeout` seconds before killing it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = finished(pid)
        if code is not None:
            return code
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return finished(pid, wait=True)

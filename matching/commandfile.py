"""Reading command files (SPEC.md §1): JSON Lines, `#` comments, malformed lines reported."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

from matching.engine import malformed_reason


def read_commands(
    path: Path, on_malformed: Callable[[int, str], None], lines: list[str] | None = None
) -> list[dict]:
    """The commands of the file in order. A malformed line (not a JSON object, an unknown `op`,
    a `new` without id or user) goes to `on_malformed(line_number, reason)` and is skipped.
    When `lines` is given, each command's line text is appended to it. A `.gz` file is read
    through gzip."""
    opener = gzip.open if path.suffix == ".gz" else open
    commands = []
    loads = json.loads
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as source:
        for number, line in enumerate(source, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                cmd = loads(text)
            except (ValueError, RecursionError):
                on_malformed(number, "not_json")
                continue
            reason = malformed_reason(cmd)
            if reason is not None:
                on_malformed(number, reason)
                continue
            commands.append(cmd)
            if lines is not None:
                lines.append(text)
    return commands

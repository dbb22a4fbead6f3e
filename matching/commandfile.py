"""Reading command files (SPEC.md §1): JSON Lines, `#` comments, malformed lines reported."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from matching.engine import malformed_reason


def command_lines(
    path: Path, on_malformed: Callable[[int, str], None]
) -> Iterator[tuple[dict, str]]:
    """The commands of the file in order, each with its line's text, read as they are asked
    for (a long file is never all in memory). The file is opened at once (OSError here if it
    cannot be); a malformed line (not a JSON object, an unknown `op`, a `new` without id or
    user) goes to `on_malformed(line_number, reason)` when it is reached and is skipped. A
    `.gz` file is read through gzip."""
    opener = gzip.open if path.suffix == ".gz" else open
    return _commands_in(opener(path, "rt", encoding="utf-8-sig", errors="replace"), on_malformed)


def _commands_in(
    source: IO[str], on_malformed: Callable[[int, str], None]
) -> Iterator[tuple[dict, str]]:
    loads = json.loads
    with source:
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
            yield cmd, text


def read_commands(
    path: Path, on_malformed: Callable[[int, str], None], lines: list[str] | None = None
) -> list[dict]:
    """All the commands of the file (`command_lines`), in a list. When `lines` is given,
    each command's line text is appended to it."""
    commands = []
    for cmd, text in command_lines(path, on_malformed):
        commands.append(cmd)
        if lines is not None:
            lines.append(text)
    return commands

"""The matching core imports only the standard library and sortedcontainers (DESIGN.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).parents[2] / "matching" / "engine"
ALLOWED_THIRD_PARTY = {"sortedcontainers"}


def imported_top_level_modules(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_engine_imports_only_the_standard_library_and_sortedcontainers() -> None:
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"__future__"}
    files = sorted(ENGINE.rglob("*.py"))
    assert files, "no engine sources found"
    for source in files:
        foreign = imported_top_level_modules(source) - allowed
        assert not foreign, f"{source.name} imports {sorted(foreign)}"


def test_importing_the_engine_loads_no_django_or_channels() -> None:
    probe = (
        "import sys, matching.engine, matching.replay; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'channels', 'rest_framework', 'celery', 'psycopg', 'redis'}); "
        "print(','.join(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ENGINE.parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""


def test_engine_reads_no_clock_and_no_randomness() -> None:
    forbidden = {"time", "random", "uuid", "datetime", "secrets", "os"}
    for source in sorted(ENGINE.rglob("*.py")):
        used = imported_top_level_modules(source) & forbidden
        assert not used, f"{source.name} imports {sorted(used)}: the core must be deterministic"

"""The matching core imports only the standard library and sortedcontainers (DESIGN.md).

The pure part is all of `matching/` but `matching/service/` (the Django app around it): the
engine, the journal, snapshots, recovery, replay and the command file."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MATCHING = Path(__file__).parents[2] / "matching"
ENGINE = MATCHING / "engine"
SERVICE = MATCHING / "service"
ALLOWED_THIRD_PARTY = {"sortedcontainers"}


def pure_sources() -> list[Path]:
    return sorted(p for p in MATCHING.rglob("*.py") if SERVICE not in p.parents)


def pure_modules() -> list[str]:
    names = []
    for source in pure_sources():
        if source.name == "__main__.py":  # runs the command line when imported
            continue
        parts = source.relative_to(MATCHING.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imported_top_level_modules(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_pure_part_imports_only_the_standard_library_sortedcontainers_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"__future__", "matching"}
    files = pure_sources()
    assert ENGINE / "engine.py" in files and MATCHING / "journal.py" in files
    for source in files:
        foreign = imported_top_level_modules(source) - allowed
        assert not foreign, f"{source} imports {sorted(foreign)}"
        service = [m for m in imported_modules(source) if m.startswith("matching.service")]
        assert not service, f"{source} imports the service: {service}"


def test_importing_the_pure_part_loads_no_django_channels_or_service() -> None:
    probe = (
        f"import sys, {', '.join(pure_modules())}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'channels', 'rest_framework', 'celery', 'psycopg', 'redis', 'exchange',"
        " 'accounts', 'fees'} or m.startswith('matching.service')); "
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


def imported_modules(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_import_hides_inside_a_function() -> None:
    """Imports of the project's own modules sit at the top of each file: none is tucked into
    a function to dodge an import cycle (Django's AppConfig.ready excepted)."""
    own = {"matching", "exchange", "accounts", "fees"}
    root = MATCHING.parent
    for package in own:
        for source in sorted((root / package).rglob("*.py")):
            if "migrations" in source.parts or source.name == "apps.py":
                continue
            tree = ast.parse(source.read_text(), filename=str(source))
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(function):
                    module = None
                    if isinstance(node, ast.ImportFrom) and node.level == 0:
                        module = node.module
                    elif isinstance(node, ast.Import):
                        module = node.names[0].name
                    if module and module.split(".")[0] in own:
                        raise AssertionError(f"{source}:{node.lineno} imports {module} inside")


def test_engine_reads_no_clock_and_no_randomness() -> None:
    forbidden = {"time", "random", "uuid", "datetime", "secrets", "os"}
    for source in sorted(ENGINE.rglob("*.py")):
        used = imported_top_level_modules(source) & forbidden
        assert not used, f"{source.name} imports {sorted(used)}: the core must be deterministic"

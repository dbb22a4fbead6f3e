"""Which build of the matching core runs: the pure-Python modules of `matching/engine/` (the
reference) or the same modules compiled with mypyc (`tools/build_core.py`, run by `make venv`).

`MATCHING_CORE` chooses, when `matching.engine` is first imported:
- `auto` (the default): the compiled build if it was made from the engine's current sources
  for this Python, else the pure modules; a build that is there but stale says so on stderr;
- `pure`: the .py files, whatever is built;
- `compiled`: the compiled build, or ImportError if it is missing or stale.

The build lives outside the source tree, in `build/core/` (git-ignored): the engine's modules
as extension modules under `matching/engine/`, and `BUILD.json` with the hash of the sources
they were compiled from. Choosing it puts that directory first on `matching.engine.__path__`,
so the engine's submodules load from there; choosing pure leaves the package as it is, so
nothing compiled can load. `matching.engine.BUILD` says which one runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

ENGINE = Path(__file__).parent / "engine"
BUILD_DIR = Path(__file__).parents[1] / "build" / "core"
BUILD_INFO = BUILD_DIR / "BUILD.json"
COMPILED_ENGINE = BUILD_DIR / "matching" / "engine"
CHOICES = ("auto", "pure", "compiled")


def engine_sources() -> list[Path]:
    """The modules the build compiles: every engine module but the package's `__init__`,
    which chooses the build and so always runs as Python."""
    return sorted(p for p in ENGINE.glob("*.py") if p.name != "__init__.py")


def sources_hash() -> str:
    """SHA-256 over the engine's sources, names and contents."""
    digest = hashlib.sha256()
    for source in engine_sources():
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def built_for() -> dict:
    """What the compiled build was made from (`BUILD.json`); empty if there is none."""
    try:
        return json.loads(BUILD_INFO.read_text())
    except (OSError, ValueError):
        return {}


def why_not_current(info: dict) -> str | None:
    """Why the build `info` describes cannot run here (None: it can)."""
    if not info:
        return "not built"
    if info.get("python") != sys.implementation.cache_tag:
        return f"built for {info.get('python')}, this is {sys.implementation.cache_tag}"
    if info.get("sources") != sources_hash():
        return "stale: matching/engine changed since it was built (make venv rebuilds it)"
    return None


def choose(choice: str | None = None) -> str:
    """`compiled` or `pure`, as `MATCHING_CORE` (or `choice`) asks; raises ImportError for
    `compiled` when it cannot run, ValueError for an unknown choice."""
    choice = choice or os.environ.get("MATCHING_CORE") or "auto"
    if choice not in CHOICES:
        raise ValueError(f"MATCHING_CORE={choice!r}: expected one of {', '.join(CHOICES)}")
    if choice == "pure":
        return "pure"
    info = built_for()
    problem = why_not_current(info)
    if problem is None:
        return "compiled"
    if choice == "compiled":
        raise ImportError(f"MATCHING_CORE=compiled, but the compiled core is {problem}")
    if info:  # built once, but not for what runs now: never run it silently
        print(f"matching core: the compiled build is {problem}; running pure", file=sys.stderr)
    return "pure"


def engine_path(build: str, path: list[str]) -> list[str]:
    """`matching.engine.__path__` for `build`: the compiled modules first, if chosen."""
    return [str(COMPILED_ENGINE), *path] if build == "compiled" else list(path)

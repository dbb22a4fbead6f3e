"""Compiles the matching core (`matching/engine/`) with mypyc into build/core/, where
`matching/core.py` finds it (and says how a build is chosen). `make venv` runs it:

    .venv/bin/python -m tools.build_core [--force]

It compiles only when the engine's sources, this file, mypy or Python changed since the last
build, and never fails the install: without a C compiler, or when mypy finds a type error,
it prints one line (the whole log is in build/core.log) and the pure modules stay in use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from matching.core import (
    BUILD_DIR,
    BUILD_INFO,
    built_for,
    engine_sources,
    sources_hash,
    why_not_current,
)

ROOT = BUILD_DIR.parents[1]
LOG = BUILD_DIR.parent / "core.log"
# The extension modules' shared library (mypyc's runtime and all the modules' code) goes in
# the package too, so nothing lands at the top level of the import path.
GROUP = "matching.engine._core"


def wanted() -> dict:
    """What a build made now would be made from: compared with the last one's BUILD.json."""
    return {
        "sources": sources_hash(),
        "python": sys.implementation.cache_tag,
        "mypy": version("mypy"),
        "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    }


def compile_into(out: Path) -> None:
    """The build itself, in a child process whose output goes to the log: mypy checks the
    engine, mypyc turns it into C, setuptools compiles that into `out`."""
    from mypyc.build import mypycify  # only the build needs mypyc and setuptools
    from setuptools import setup

    os.chdir(ROOT)
    sources = [str(path.relative_to(ROOT)) for path in engine_sources()]
    setup(
        name="matching-core",
        ext_modules=mypycify(
            sources,
            group_name=GROUP,
            target_dir=str(out / "c"),
        ),
        script_args=["build_ext", "--build-lib", str(out), "--build-temp", str(out / "obj")],
    )


def build(force: bool = False) -> int:
    want = wanted()
    if not force and built_for() == want:
        return 0
    BUILD_DIR.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD_DIR.parent, prefix="core-") as work:
        staged = Path(work) / "core"
        with LOG.open("w") as log:
            done = subprocess.run(
                [sys.executable, "-m", "tools.build_core", "--compile-into", str(staged)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if done.returncode != 0:
            runs = "the pure modules run" if why_not_current(built_for()) else "the last build runs"
            print(f"matching core: not compiled ({_first_error()}; {LOG}); {runs}")
            return 0
        shutil.rmtree(staged / "c")
        shutil.rmtree(staged / "obj")
        (staged / BUILD_INFO.name).write_text(json.dumps(want, indent=1) + "\n")
        if BUILD_DIR.exists():
            shutil.rmtree(BUILD_DIR)
        staged.rename(BUILD_DIR)
    print(f"matching core: compiled into {BUILD_DIR.relative_to(ROOT)}")
    return 0


def _first_error() -> str:
    """The line of the log that says why the build failed: mypy's first error, else the
    compiler's (setuptools: `error: command 'gcc' failed ...`), else the last line."""
    lines = [line.strip() for line in LOG.read_text().splitlines() if line.strip()]
    for pattern in (": error:", "error:"):
        found = [line for line in lines if pattern in line]
        if found:
            return found[0] if pattern == ": error:" else found[-1]
    return lines[-1] if lines else "no output"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_core")
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    parser.add_argument("--compile-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compile_into is not None:
        compile_into(args.compile_into)
        return 0
    try:
        return build(args.force)
    except Exception as error:  # the install goes on, with the pure modules
        print(f"matching core: not compiled ({error!r}); the pure modules run")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

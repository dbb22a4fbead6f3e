"""The core's two builds (matching/core.py): the one `MATCHING_CORE` chooses is the one that
runs, `pure` runs the .py files even beside a compiled build, and a stale build never runs.

CI runs the engine suite with `MATCHING_CORE=compiled` and again with `pure` (.ci/run), so
`test_the_chosen_build_is_the_one_that_runs` is what keeps it from testing one build twice.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from importlib.machinery import ExtensionFileLoader, SourceFileLoader
from pathlib import Path

import pytest

import matching.core as core
import matching.engine
from matching.engine import state

PROJECT = Path(__file__).parents[2]
MODULES = [f"matching.engine.{source.stem}" for source in core.engine_sources()]


def loaders(build_env: str | None) -> dict:
    """{module: (loader class name, file suffix)} of every engine module in a fresh process."""
    probe = (
        "import importlib, json, matching.engine as e; "
        f"ms = [importlib.import_module(n) for n in {MODULES!r}]; "
        "print(json.dumps([e.BUILD, {m.__name__: [type(m.__loader__).__name__, "
        "m.__file__.rsplit('.', 1)[-1]] for m in ms}]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MATCHING_CORE"}
    if build_env is not None:
        env["MATCHING_CORE"] = build_env
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_chosen_build_is_the_one_that_runs() -> None:
    if os.environ.get("MATCHING_CORE") == "compiled":
        assert matching.engine.BUILD == "compiled"
    if os.environ.get("MATCHING_CORE") == "pure":
        assert matching.engine.BUILD == "pure"
    loader = ExtensionFileLoader if matching.engine.BUILD == "compiled" else SourceFileLoader
    for name in MODULES:
        module = importlib.import_module(name)
        assert type(module.__loader__) is loader, f"{name} is {module.__loader__!r}"


def test_pure_runs_the_python_files_even_beside_a_compiled_build() -> None:
    build, modules = loaders("pure")
    assert build == "pure"
    assert set(modules) == set(MODULES)
    assert all(found == ["SourceFileLoader", "py"] for found in modules.values()), modules


@pytest.mark.skipif(core.why_not_current(core.built_for()) is not None, reason="not compiled")
def test_auto_runs_a_current_compiled_build_whole() -> None:
    build, modules = loaders(None)
    assert build == "compiled"
    assert all(found == ["ExtensionFileLoader", "so"] for found in modules.values()), modules


def test_a_stale_build_never_runs(monkeypatch, capsys) -> None:
    stale = {"sources": "0" * 64, "python": sys.implementation.cache_tag}
    monkeypatch.setattr(core, "built_for", lambda: stale)
    assert core.choose("auto") == "pure"
    assert capsys.readouterr().err.count("\n") == 1  # one line says so
    with pytest.raises(ImportError, match="stale"):
        core.choose("compiled")
    monkeypatch.setattr(core, "built_for", lambda: {**stale, "sources": core.sources_hash()})
    assert core.choose("auto") == "compiled"
    monkeypatch.setattr(core, "built_for", lambda: {**stale, "python": "cpython-399"})
    with pytest.raises(ImportError, match="built for cpython-399"):
        core.choose("compiled")


def test_no_build_runs_pure_quietly_and_compiled_refuses(monkeypatch, capsys) -> None:
    monkeypatch.setattr(core, "built_for", dict)
    assert core.choose("auto") == "pure"
    assert capsys.readouterr().err == ""
    with pytest.raises(ImportError, match="not built"):
        core.choose("compiled")
    with pytest.raises(ValueError, match="MATCHING_CORE='fast'"):
        core.choose("fast")


def test_the_source_hash_follows_every_engine_module() -> None:
    names = {source.name for source in core.engine_sources()}
    assert "engine.py" in names and "book.py" in names and "__init__.py" not in names
    assert len(core.sources_hash()) == 64


def test_a_snapshot_keeps_every_order_field_but_the_links_and_derived_ones() -> None:
    """state.py lists the fields (a compiled class has no `__slots__` to read them from)."""
    tree = ast.parse((PROJECT / "matching/engine/domain.py").read_text())
    order = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Order")
    slots = next(
        ast.literal_eval(n.value)
        for n in order.body
        if isinstance(n, ast.Assign) and n.targets[0].id == "__slots__"
    )
    dropped = ("market", "reason", "hold_left", "level", "prev", "next")
    assert state._ORDER_FIELDS == tuple(name for name in slots if name not in dropped)

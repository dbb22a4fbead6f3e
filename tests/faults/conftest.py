"""Fixtures of the fault tests: the session's template cluster, and a whole private exchange
(PostgreSQL, Redis, run_matcher, daphne) per test, stopped and removed whatever happens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.faults import harness


@pytest.fixture(scope="session")
def fault_template(tmp_path_factory) -> Iterator[harness.Template]:
    """Skips (or fails with EXCHANGE_REQUIRE_SERVICES=1) where the tests cannot run; else a
    migrated, bootstrapped, stopped private cluster every test starts a copy of."""
    harness.require_tooling()
    template = harness.build_template(tmp_path_factory.mktemp("faults-template"))
    yield template
    harness.remove_template(template)


@pytest.fixture
def exchange_stack(fault_template, tmp_path) -> Iterator[Callable[..., harness.Stack]]:
    """`exchange_stack(journal_tmpfs_mb=None)` starts a private exchange; all are closed
    (processes stopped, tmpfs unmounted, cluster removed) when the test ends."""
    stacks: list[harness.Stack] = []

    def start(**options) -> harness.Stack:
        stack = harness.Stack(fault_template, tmp_path / f"stack-{len(stacks)}", **options)
        stacks.append(stack)  # closed even if it fails half-way through starting
        return stack.start()

    yield start
    errors = []
    for stack in stacks:
        try:
            stack.close()
        except Exception as error:
            errors.append(error)
    if errors:
        raise errors[0]


@pytest.fixture
def tmpfs_or_skip(tmp_path) -> None:
    """The full-disk test needs a size-limited tmpfs (root and mount rights)."""
    why = harness.tmpfs_works(tmp_path / "tmpfs-probe")
    if why is not None:
        pytest.skip(f"cannot fill a small disk for the journal here: {why}")

"""Real exchange processes for tests: a matcher (`run_matcher`) or the embedded exchange,
started with the test database and a private data directory, stopped gently or by kill -9."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database the test runs on (pytest-django's test database)."""
    settings = connection.settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings",
        "DATABASE_URL": database_url(),
        "EXCHANGE_DATA_DIR": str(data_dir),
        "EXCHANGE_FSYNC": "always",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def embedded_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an embedded exchange's commands: no DATABASE_URL nor REDIS_URL
    (SQLite in `data_dir`, the in-memory transport), whatever the tests run on."""
    env = process_env(data_dir, **extra)
    env.pop("DATABASE_URL")
    env.pop("REDIS_URL", None)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """`manage.py ARGS` in a process of its own; its standard output."""
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd="/")
    return result.stdout


def manage_many(env: dict[str, str], *commands: tuple[str, ...]) -> list[str]:
    """`manage.py` commands, each (name, *args), one after the other in one process of its own
    (`call_command`, which parses the arguments as the command line does); the standard output
    of each. Setups that need several commands use it: starting Django costs a process a
    second or more of CPU. A command that fails fails the process (CalledProcessError)."""
    code = (
        "import io, json\n"
        "from django.core.management import call_command\n"
        "outputs = []\n"
        f"for args in {[list(command) for command in commands]!r}:\n"
        "    out = io.StringIO()\n"
        "    call_command(*args, stdout=out)\n"
        "    outputs.append(out.getvalue())\n"
        "print(json.dumps(outputs))\n"
    )
    printed = manage(env, "shell", "--verbosity", "0", "-c", code)
    return json.loads(printed.splitlines()[-1])  # after anything a command print()ed itself


def make_embedded_template(data_dir: Path) -> Path:
    """`data_dir` as `make run` leaves it before `runexchange`: `migrate`, then
    `bootstrap_demo` (the demo markets, fee tiers and users), on the embedded settings."""
    manage_many(embedded_env(data_dir), ("migrate", "--no-input"), ("bootstrap_demo",))
    return data_dir


def copy_embedded_template(template: Path, data_dir: Path) -> None:
    """Gives `data_dir` the state of `template` (`make_embedded_template`): a copy takes
    no time, where the two commands take seconds."""
    shutil.copytree(template, data_dir, dirs_exist_ok=True)


class Process:
    """A manage.py command running in the background; its output is kept for failures."""

    def __init__(self, args: list[str], env: dict[str, str], ready_text: str) -> None:
        self.output: list[str] = []
        self._ready = threading.Event()
        self._ready_text = ready_text
        self.popen = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            cwd="/",  # processes run from any working directory (API.md)
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.output.append(line)
            if self._ready_text in line:
                self._ready.set()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"process not ready:\n{''.join(self.output)}")

    def kill(self) -> None:
        """kill -9: no chance to flush, snapshot or say goodbye."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def terminate(self, timeout: float = 60) -> int:
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.send_signal(signal.SIGUSR1)  # run_matcher dumps its threads' stacks
            time.sleep(2)
            raise AssertionError(
                f"no exit {timeout} s after SIGTERM; output:\n{''.join(self.output)}"
            ) from None

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


def start_matcher(data_dir: Path, **env: str) -> Process:
    process = Process(["run_matcher"], process_env(data_dir, **env), "matcher (default)")
    process.wait_ready()
    return process

"""Real servers for the WebSocket tests, and a signed HTTP client for their REST API: the
embedded exchange (`runexchange`: SQLite, the in-memory transport, the matcher on daphne's
loop) in a process of its own; daphne, or the Procfile's `web:` command (uvicorn), in front of
a `run_matcher` (PostgreSQL, Redis), in a process of its own; or daphne in a thread of the
test process, in front of the test's in-process matcher (tests/exchange/matcher_thread.py)
over the in-memory transport."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from daphne.server import Server as DaphneServer  # installs the asyncio reactor: first
from django.conf import settings as django_settings
from twisted.internet import reactor

from exchange.asgi import application
from tests.api.clients import signed_headers
from tests.exchange.processes import (
    ROOT,
    Process,
    copy_embedded_template,
    embedded_env,
    manage_many,
    process_env,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(
    base: str,
    method: str,
    path: str,
    key: dict | None = None,
    body: object = None,
    headers: dict | None = None,
) -> tuple[int, dict]:
    """A REST request, signed with `key` if given: (status, JSON body)."""
    data = b"" if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if key:
        all_headers.update(signed_headers(key["key"], key["secret"], method, path, data))
    request = urllib.request.Request(
        base + path, data=data or None, method=method, headers=all_headers
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.1)


@dataclass
class Server:
    """A running exchange's addresses, its process and its users' API keys."""

    port: int
    process: object
    env: dict
    keys: dict[str, dict] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1"

    def http(self, method: str, path: str, user: str | None = None, body: object = None):
        return http(self.base, method, path, self.keys.get(user) if user else None, body)

    @property
    def pid(self) -> int:
        """The id of the process that serves."""
        return self.process.pid

    def output(self) -> str:
        return "".join(self.process.output)


def start_embedded(template: Path, data_dir: Path, **settings: str) -> Server:
    """`runexchange` on a fresh SQLite database (a copy of `template`, tests/conftest.py) with
    the demo markets and users (alice and bob, funded), their keys made; returns once the
    deposits reached the matcher."""
    env = embedded_env(data_dir, **settings)
    copy_embedded_template(template, data_dir)
    port = free_port()
    process = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    server = Server(port, process, env)
    try:
        process.wait_ready()
        keys = manage_many(
            env,
            ("create_api_key", "alice"),
            ("create_api_key", "bob"),
            ("create_api_key", "alice", "--read-only"),
        )
        server.keys.update(zip(("alice", "bob", "reader"), map(json.loads, keys), strict=True))

        def funded() -> bool:
            status, balances = server.http("GET", "/api/v1/account/balances", "bob")
            return status == 200 and {"BTC", "USDT"} <= {row["asset"] for row in balances}

        wait_until(funded, "the demo deposits reach the matcher")
    except BaseException:
        process.stop()
        raise
    return server


class WebProcess:
    """A web server's command run from `cwd` (/ unless told: processes run from any working
    directory, API.md) with the checkout on PYTHONPATH; its output is kept for failures."""

    def __init__(self, command: list[str], env: dict, cwd: Path = Path("/")) -> None:
        self.output: list[str] = []
        self.popen = subprocess.Popen(
            command,
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.output.append(line)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


class Daphne(WebProcess):
    """`daphne exchange.asgi:application`."""

    def __init__(self, port: int, env: dict) -> None:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        super().__init__([*command, "exchange.asgi:application"], env)


def procfile_web_command() -> str:
    """The command of the Procfile's `web:` line, as written there."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no `web:` line")


class ProcfileWeb(WebProcess):
    """The Procfile's `web:` command, run as a Procfile runner runs it: by a shell, with PORT
    set, from the Procfile's directory (the shell `exec`s it: this process is the server's);
    the virtualenv's scripts first on PATH."""

    def __init__(self, port: int, env: dict) -> None:
        scripts = str(Path(sys.executable).parent)
        env = {**env, "PORT": str(port), "PATH": f"{scripts}:{env.get('PATH', os.defpath)}"}
        super().__init__(["/bin/sh", "-c", f"exec {procfile_web_command()}"], env, ROOT)


def start_web(data_dir: Path, server_class: type[WebProcess] = Daphne, **settings: str) -> Server:
    """A web process (`server_class`: daphne, or the Procfile's web command) on the test
    database and Redis (a `run_matcher` must be running)."""
    port = free_port()
    # the test process's key: API key secrets made here are encrypted under it
    env = process_env(data_dir, SECRET_KEY=django_settings.SECRET_KEY, **settings)
    process = server_class(port, env)
    server = Server(port, process, {})

    def serving() -> bool:
        assert process.popen.poll() is None, server.output()
        try:
            return server.http("GET", "/api/v1/symbols")[0] == 200
        except OSError:
            return False

    try:
        wait_until(serving, f"{server_class.__name__} serves")
    except BaseException:
        process.stop()
        raise
    return server


def start_daphne(data_dir: Path, **settings: str) -> Server:
    """Daphne on the test database and Redis (a `run_matcher` must be running)."""
    return start_web(data_dir, Daphne, **settings)


class DaphneThread:
    """Daphne serving `exchange.asgi.application` from a thread of the test process, on the
    test's settings and database. Twisted's reactor runs once in a process's life, so one
    serves the whole session (`daphne_thread`); the settings a test changes (the `settings`
    fixture) apply to it, being read at each request or connection."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server = DaphneServer(
            application=application,
            endpoints=[f"tcp:port={self.port}:interface=127.0.0.1"],
            signal_handlers=False,
            verbosity=0,
        )
        self.thread = threading.Thread(target=self.server.run, name="daphne", daemon=True)
        self.thread.start()

        def listening() -> bool:
            assert self.thread.is_alive(), "daphne stopped"
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        wait_until(listening, "daphne listens")

    def shut_down(self) -> None:
        if self.thread.is_alive():
            reactor.callFromThread(self.server.stop)
            self.thread.join(10)


_daphne_thread: list[DaphneThread] = []


def daphne_thread() -> DaphneThread:
    """This process's daphne thread, started the first time it is asked for."""
    if not _daphne_thread:
        _daphne_thread.append(DaphneThread())
    return _daphne_thread[0]


@dataclass
class ServedInProcess:
    """The in-process daphne as one test sees it, in place of a daphne process: this process's
    id, and as output the test's log records (`caplog`, at INFO: what daphne logs)."""

    daphne: DaphneThread
    caplog: pytest.LogCaptureFixture

    @property
    def pid(self) -> int:
        return os.getpid()

    @property
    def output(self) -> list[str]:
        return [f"{r.levelname} {r.name} {r.getMessage()}\n" for r in self.caplog.records]

    def stop(self) -> None:
        """Nothing: the session's daphne outlives each test (`DaphneThread.shut_down`)."""

"""Real servers for the WebSocket tests: the embedded exchange (`runexchange`: SQLite, the
in-memory layer, the matcher on daphne's loop) or daphne alone in front of a `run_matcher`
(PostgreSQL, Redis), each in its own process, and a signed HTTP client for their REST API."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings as django_settings

from tests.api.clients import signed_headers
from tests.exchange.processes import ROOT, Process, process_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd="/")
    return result.stdout


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

    def output(self) -> str:
        return "".join(self.process.output)


def start_embedded(data_dir: Path, **settings: str) -> Server:
    """`runexchange` on a fresh SQLite database with the demo markets and users (alice and
    bob, funded), their keys made; returns once the deposits reached the matcher."""
    env = process_env(data_dir, **settings)
    env.pop("DATABASE_URL")
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--no-input")
    manage(env, "bootstrap_demo")
    port = free_port()
    process = Process(["runexchange", "--port", str(port)], env, "Exchange at http://")
    server = Server(port, process, env)
    try:
        process.wait_ready()
        for user in ("alice", "bob"):
            server.keys[user] = json.loads(manage(env, "create_api_key", user))
        server.keys["reader"] = json.loads(manage(env, "create_api_key", "alice", "--read-only"))

        def funded() -> bool:
            status, balances = server.http("GET", "/api/v1/account/balances", "bob")
            return status == 200 and {"BTC", "USDT"} <= {row["asset"] for row in balances}

        wait_until(funded, "the demo deposits reach the matcher")
    except BaseException:
        process.stop()
        raise
    return server


class Daphne:
    """`daphne exchange.asgi:application` run from / with the checkout on PYTHONPATH."""

    def __init__(self, port: int, env: dict) -> None:
        self.output: list[str] = []
        self.popen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "exchange.asgi:application",
            ],
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd="/",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def start_daphne(data_dir: Path, **settings: str) -> Server:
    """Daphne on the test database and Redis (a `run_matcher` must be running)."""
    port = free_port()
    # the test process's key: API key secrets made here are encrypted under it
    env = process_env(data_dir, SECRET_KEY=django_settings.SECRET_KEY, **settings)
    process = Daphne(port, env)
    server = Server(port, process, {})

    def serving() -> bool:
        assert process.popen.poll() is None, server.output()
        try:
            return server.http("GET", "/api/v1/symbols")[0] == 200
        except OSError:
            return False

    try:
        wait_until(serving, "daphne serves")
    except BaseException:
        process.stop()
        raise
    return server

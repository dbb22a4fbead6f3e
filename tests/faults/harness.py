"""The fault tests' harness (issue 16): private services, the exchange's processes, a steady
signed order load, and the checks made after a fault.

- `PostgresCluster`: a PostgreSQL of its own (initdb into a temporary directory, trust auth,
  127.0.0.1 on a spare port, its socket in that directory), started and stopped with pg_ctl.
  Run as root (as here), the server runs as the `postgres` user, which PostgreSQL insists on.
  A template cluster is made once a session (migrate, bootstrap_demo, an API key) and each
  test starts from a copy (`cp -a`: seconds, where migrate takes tens of seconds).
- `RedisServer`: `redis-server --port P --save "" --appendonly no`, stoppable and startable
  again on the same port.
- `MatcherSupervisor`: `manage.py run_matcher`; it restarts the matcher only when the test
  kills it (after `RESTART_DELAY_S`, as systemd's `RestartSec=` would), and records every
  exit it did not cause. `Daphne`: `daphne exchange.asgi:application`. Both run from / with
  the checkout on PYTHONPATH, DATABASE_URL and REDIS_URL pointing at the private services.
- `Load`: from a thread, a steady open-loop stream of signed orders (`RATE` a second, each
  with a unique client_order_id), every answer recorded; `GET /api/v1/health` polled; the
  matcher's VmRSS sampled.
- `run_fault` and `FaultRun.failures`: warm up, apply the fault, wait for recovery, then
  check what issue 16 asks (accepted again within 15 s, health degraded during and ok after,
  503 and never 500, every acknowledged order in the database exactly once, bounded memory).

Nothing here stops the machine's own PostgreSQL or Redis: every service is private, on a
port found by binding port 0, and every process is stopped by the id it was started with.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import pwd
import re
import secrets as secrets_module
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg
import redis
import requests

from tests import services
from tests.exchange.processes import ROOT
from tools.loadgen.rss import rss_kb
from tools.loadgen.signing import Signer

# ---- what the tests need of the machine ----------------------------------------------------

PG_BIN_ENV = "EXCHANGE_FAULTS_PG_BIN"  # where initdb, pg_ctl and postgres are, if not below
PG_BIN_DEFAULT = Path("/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"  # who runs PostgreSQL when the tests run as root
SECRET_KEY = "fault-tests-" + "k" * 52  # every process of a stack shares it (API key secrets)
DATABASE = "exchange"

# ---- the load and the checks ---------------------------------------------------------------

RATE = 30.0  # orders a second, open loop
HEALTH_EVERY_S = 0.25
RSS_EVERY_S = 0.5
REQUEST_TIMEOUT_S = 30.0  # a client gives up on an order after this long
HEALTH_TIMEOUT_S = 5.0
RECOVERY_LIMIT_S = 15.0  # orders accepted again within this long after the fault ends
HEALTH_OK_LIMIT_S = 15.0  # health `ok` again within this long after the fault ends
STABLE_S = 5.0  # how long the load goes on once the exchange has recovered
WARM_UP_STEADY_S = 3.0  # before a fault: this long with every order accepted, health ok
WARM_UP_LIMIT_S = 60.0
PERSIST_LIMIT_S = 60.0  # how long the database may take to hold every acknowledged order
RSS_FACTOR, RSS_SLACK_KB = 2.0, 50 * 1024  # bound: < 2 x before the fault + 50 MB
RESTART_DELAY_S = 6.0  # the supervisor's RestartSec: longer than health's heartbeat age (5 s)
ALLOWED_STATUSES = {201, 503}


class HarnessError(AssertionError):
    """The harness could not do its part (a service did not start, ...): not a finding
    about the exchange's behaviour under a fault."""


def require_tooling() -> None:
    """Skips (or fails, with EXCHANGE_REQUIRE_SERVICES=1) unless this run is a production
    pass (DATABASE_URL is PostgreSQL) and the PostgreSQL server binaries and redis-server are
    installed."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(services.POSTGRES_SCHEMES):
        services.unavailable(
            "PostgreSQL",
            "the fault tests run in the production pass only (DATABASE_URL is not a"
            f" PostgreSQL URL: {url!r}); they start a private PostgreSQL and Redis of their own",
        )
    binaries = pg_bin()
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (binaries / name).exists()]
    if missing:
        services.unavailable(
            "PostgreSQL server binaries",
            f"{', '.join(missing)} not found in {binaries} (set {PG_BIN_ENV} to their folder)",
        )
    if shutil.which("redis-server") is None:
        services.unavailable("redis-server", "not found on PATH")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            services.unavailable(
                "PostgreSQL", f"running as root and there is no {SERVER_USER!r} user to run it"
            )


def pg_bin() -> Path:
    if os.environ.get(PG_BIN_ENV):
        return Path(os.environ[PG_BIN_ENV])
    if (PG_BIN_DEFAULT / "initdb").exists():
        return PG_BIN_DEFAULT
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else PG_BIN_DEFAULT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], what: str, timeout: float, every: float = 0.2):
    """Polls `check` until it returns something true; HarnessError after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = check()
        except (OSError, requests.RequestException, psycopg.Error, redis.RedisError) as error:
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise HarnessError(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(every)


def terminate(popen: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `timeout` s."""
    if popen.poll() is not None:
        return
    popen.terminate()
    try:
        popen.wait(timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait(10)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} unreadable)"
    return "\n".join(text.splitlines()[-lines:])


def daphne_tail(path: Path, lines: int = 30) -> str:
    """The end of daphne's log without its access lines and the one-line 4xx/5xx notes that
    go with them: what is left is tracebacks and warnings."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} unreadable)"
    kept = [
        line for line in text.splitlines()
        if not _ACCESS_LINE.search(line) and not _STATUS_NOTE.search(line)
    ]  # fmt: skip
    return "\n".join(kept[-lines:])


_ACCESS_LINE = re.compile(r'\] "(GET|POST|DELETE|PATCH) /\S*" \d{3} ')
_STATUS_NOTE = re.compile(r"\s(Service Unavailable|Too Many Requests): /api/v1/\S+$")


# ---- PostgreSQL ------------------------------------------------------------------------------


def _server_user() -> dict:
    """subprocess arguments that run a command as the PostgreSQL user when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(SERVER_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def server_dir(prefix: str) -> Path:
    """A fresh directory the PostgreSQL server's user owns (pytest's tmp dirs are root's
    own, mode 0700: the `postgres` user could not enter them)."""
    path = Path(tempfile.mkdtemp(prefix=f"exchange-faults-{prefix}-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


class PostgresCluster:
    """A private PostgreSQL in `root` (data/, its socket in root, log in root/postgres.log)."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.running = False

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(pg_bin() / args[0]), *args[1:]]
        try:
            return subprocess.run(
                command, cwd=self.root, capture_output=True, text=True, timeout=timeout,
                check=True, stdin=subprocess.DEVNULL, **_server_user(),
            )  # fmt: skip
        except subprocess.CalledProcessError as error:
            raise HarnessError(
                f"{' '.join(command)} failed ({error.returncode}):\n{error.stdout}\n"
                f"{error.stderr}\n{tail(self.log)}"
            ) from None
        except subprocess.TimeoutExpired:
            raise HarnessError(f"{' '.join(command)}: no end in {timeout} s") from None

    @classmethod
    def initdb(cls, root: Path, port: int) -> PostgresCluster:
        cluster = cls(root, port)
        cluster._run(
            "initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        # a throwaway database on a shared 2-core machine: durability buys nothing here
        with open(cluster.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# exchange fault tests\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 200\nshared_buffers = 32MB\n"
            )
        return cluster

    def clone(self, root: Path, port: int) -> PostgresCluster:
        """A copy of this (stopped) cluster in `root`, to run on `port`."""
        assert not self.running, "copy a stopped cluster"
        subprocess.run(
            ["cp", "-a", str(self.data), str(root / "data")], check=True, timeout=120,
            capture_output=True,
        )  # fmt: skip
        return PostgresCluster(root, port)

    def start(self, timeout: float = 90) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
            "-t", str(int(timeout)), "-o", options, timeout=timeout + 30,
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        self._run(
            "pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", str(int(timeout)),
            timeout=timeout + 30,
        )  # fmt: skip
        self.running = False

    def kill(self) -> None:
        """Cleanup: stop it by all means (pg_ctl immediate, then SIGKILL to the postmaster
        this cluster's postmaster.pid names: the one we started)."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            self.running = False
            return
        try:
            self.stop("immediate", timeout=30)
            return
        except HarnessError:
            pass
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
        self.running = False

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = DATABASE, **options) -> psycopg.Connection:
        return psycopg.connect(self.url(database), connect_timeout=5, **options)

    def create_database(self, name: str = DATABASE) -> None:
        with self.connect("postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')


# ---- Redis -------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server on `port`, no persistence: a restart loses everything, as a
    restart of a cache-and-queue Redis does."""

    def __init__(self, directory: Path, port: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.port = directory, port
        self.log = directory / "redis.log"
        self.popen: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 30) -> None:
        with open(self.log, "ab") as log:
            self.popen = subprocess.Popen(
                [
                    "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", str(self.directory),
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.directory,
            )  # fmt: skip

        def answers() -> bool:
            if self.popen.poll() is not None:
                raise HarnessError(f"redis-server exited:\n{tail(self.log)}")
            client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
            try:
                return client.ping()
            finally:
                client.close()

        wait_until(answers, f"redis-server on port {self.port}", timeout)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a restart as an operator does it), SIGKILL if it lingers."""
        if self.popen is not None:
            terminate(self.popen, timeout)


# ---- the exchange's processes ----------------------------------------------------------------


def exchange_env(database_url: str, redis_url: str, data_dir: Path, **extra: str) -> dict:
    """The environment of every exchange process of a stack: the private services, a data
    directory of the test's own, one SECRET_KEY (API key secrets are encrypted under it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="exchange.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EXCHANGE_DATA_DIR=str(data_dir),
        SECRET_KEY=SECRET_KEY,
        EXCHANGE_FSYNC="always",
        # Not under test: on this shared machine daphne may stall for seconds and then take
        # a backlog of the 30/s load at once, which the per-key window (100 in any second)
        # answers 429. A 429 must not hide the answer the fault would have given.
        EXCHANGE_RATE_PER_KEY="100000",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """`manage.py ARGS` in a process of its own, from /; its standard output."""
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    try:
        result = subprocess.run(
            command, env=env, cwd="/", capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise HarnessError(f"manage.py {' '.join(args)}: no end in {timeout} s") from None
    if result.returncode != 0:
        raise HarnessError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}"
        )
    return result.stdout


class Child:
    """A process of the exchange, its output appended to `log`."""

    def __init__(self, argv: list[str], env: dict, log: Path) -> None:
        self.log = log
        self.killed_by_test = False
        with open(log, "ab") as handle:
            self.popen = subprocess.Popen(
                argv, env=env, cwd="/", stdout=handle, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        terminate(self.popen, timeout)


class Daphne(Child):
    def __init__(self, port: int, env: dict, log: Path) -> None:
        argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                "exchange.asgi:application"]  # fmt: skip
        super().__init__(argv, env, log)


@dataclass
class Exit:
    at: float  # time.monotonic()
    pid: int
    code: int | None


class MatcherSupervisor:
    """`manage.py run_matcher`, restarted only after the test kills it (a supervisor's
    `Restart=` with `RestartSec=RESTART_DELAY_S`). An exit it did not cause is recorded in
    `unexpected_exits` and left alone: the tests expect the exchange to ride out faults of
    Redis, PostgreSQL and the disk without a restart."""

    READY_TEXT = "matcher (default)"

    def __init__(self, env: dict, log_dir: Path, restart_delay: float = RESTART_DELAY_S) -> None:
        self.env, self.log_dir, self.restart_delay = env, log_dir, restart_delay
        self.generations: list[Child] = []
        self.unexpected_exits: list[Exit] = []
        self.kills: list[Exit] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="matcher-watch", daemon=True)

    @property
    def current(self) -> Child:
        return self.generations[-1]

    @property
    def pid(self) -> int:
        return self.current.pid

    def start(self, timeout: float = 120) -> float:
        """Starts a matcher and returns (time.monotonic()) when it says it is ready."""
        log = self.log_dir / f"matcher-{len(self.generations) + 1}.log"
        argv = [sys.executable, str(ROOT / "manage.py"), "run_matcher"]
        with self._lock:
            child = Child(argv, self.env, log)
            self.generations.append(child)
        if not self._watcher.is_alive():
            self._watcher.start()

        def ready() -> bool:
            if not child.alive():
                raise HarnessError(
                    f"run_matcher exited ({child.popen.returncode}) before it was ready:\n"
                    f"{tail(log)}"
                )
            return self.READY_TEXT in child.output()

        wait_until(ready, "run_matcher to be ready", timeout, every=0.1)
        return time.monotonic()

    def kill_and_restart(self) -> tuple[float, float]:
        """kill -9 of the running matcher; a new one `restart_delay` s later. Returns when
        it was killed and when the new one was ready (time.monotonic())."""
        with self._lock:
            child = self.current
            child.killed_by_test = True
            killed_at = time.monotonic()
            os.kill(child.pid, signal.SIGKILL)
        child.popen.wait(30)
        self.kills.append(Exit(killed_at, child.pid, child.popen.returncode))
        time.sleep(self.restart_delay)
        return killed_at, self.start()

    def _watch(self) -> None:
        seen: set[int] = set()
        while not self._closing.wait(0.2):
            with self._lock:
                for child in self.generations:
                    code = child.popen.poll()
                    if code is not None and child.pid not in seen:
                        seen.add(child.pid)
                        if not child.killed_by_test and not self._closing.is_set():
                            self.unexpected_exits.append(Exit(time.monotonic(), child.pid, code))

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM; a matcher still there `timeout` s later has its threads' stacks dumped
        into its log (SIGUSR1, run_matcher's faulthandler) and is killed."""
        self._closing.set()
        for child in self.generations:
            if not child.alive():
                continue
            child.popen.terminate()
            try:
                child.popen.wait(timeout)
                continue
            except subprocess.TimeoutExpired:
                pass
            os.kill(child.pid, signal.SIGUSR1)
            time.sleep(1)
            child.popen.kill()
            child.popen.wait(10)
            print(
                f"cleanup: run_matcher pid {child.pid} had not stopped {timeout:g} s after "
                f"SIGTERM: killed; its stacks are at the end of {child.log}"
            )


# ---- a whole exchange --------------------------------------------------------------------------


@dataclass
class Template:
    """A stopped cluster, migrated and bootstrapped (bootstrap_demo), with alice's key."""

    cluster: PostgresCluster
    key: dict


def build_template(workdir: Path) -> Template:
    """`migrate`, `bootstrap_demo` and `create_api_key alice` on a new private cluster, which
    is then stopped: each test starts a copy."""
    cluster = PostgresCluster.initdb(server_dir("template"), free_port())
    redis_server = RedisServer(workdir / "redis", free_port())
    try:
        cluster.start()
        cluster.create_database()
        redis_server.start()
        env = exchange_env(cluster.url(), redis_server.url(), workdir / "data")
        manage(env, "migrate", "--no-input")
        manage(env, "bootstrap_demo")
        key = json.loads(manage(env, "create_api_key", "alice"))
        cluster.stop()
    except BaseException:
        cluster.kill()
        shutil.rmtree(cluster.root, ignore_errors=True)
        raise
    finally:
        redis_server.stop()
    return Template(cluster, key)


def remove_template(template: Template) -> None:
    template.cluster.kill()
    shutil.rmtree(template.cluster.root, ignore_errors=True)


def tmpfs_works(probe_dir: Path) -> str | None:
    """None if a size-limited tmpfs can be mounted here, else why not."""
    probe_dir.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount/umount not installed"
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe_dir)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if result.returncode != 0:
        return f"`mount -t tmpfs -o size=1m` failed: {result.stderr.strip() or result.returncode}"
    subprocess.run(["umount", str(probe_dir)], capture_output=True, timeout=30)
    return None


class Stack:
    """A private PostgreSQL (a copy of the template) and Redis, `run_matcher` and daphne;
    `close()` stops them all (and unmounts the journal's tmpfs) whatever state they are in."""

    def __init__(self, template: Template, workdir: Path, journal_tmpfs_mb: int | None = None):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs = workdir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.key = template.key
        self.signer = Signer(self.key["key"], self.key["secret"])
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.pg: PostgresCluster | None = None
        self.redis: RedisServer | None = None
        self.matcher: MatcherSupervisor | None = None
        self.daphne: Daphne | None = None
        self.journal_mount: Path | None = None
        self._template = template
        self._journal_tmpfs_mb = journal_tmpfs_mb
        self._last: dict[str, object] = {}  # what start() last saw, for its failures
        self.env: dict = {}

    @property
    def journal_dir(self) -> Path:
        return self.data_dir / "journal"

    def start(self) -> Stack:
        self.pg = self._template.cluster.clone(server_dir("pg"), free_port())
        self.pg.start()
        self.redis = RedisServer(self.workdir / "redis", free_port())
        self.redis.start()
        if self._journal_tmpfs_mb:
            self.journal_dir.mkdir(parents=True)
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={self._journal_tmpfs_mb}m", "tmpfs",
                 str(self.journal_dir)], check=True, capture_output=True, timeout=30,
            )  # fmt: skip
            self.journal_mount = self.journal_dir
        self.env = exchange_env(self.pg.url(), self.redis.url(), self.data_dir)
        self.matcher = MatcherSupervisor(self.env, self.logs)
        self.matcher.start()
        self.daphne = Daphne(self.port, self.env, self.logs / "daphne.log")

        def serving() -> bool:
            if not self.daphne.alive():
                raise HarnessError(f"daphne exited:\n{tail(self.daphne.log)}")
            return self._seen("symbols", self.get("/api/v1/symbols"))[0] == 200

        def health_ok() -> bool:
            return self._seen("health", self.get("/api/v1/health"))[0] == 200

        self._wait(serving, "daphne to serve", 90)
        self._wait(self._funded, "the matcher to take alice's demo deposits (bootstrap_demo)", 60)
        self._wait(health_ok, "health to say ok", 60)
        return self

    def _seen(self, what: str, answer: tuple) -> tuple:
        self._last[what] = answer
        return answer

    def _wait(self, check: Callable[[], object], what: str, timeout: float) -> None:
        """wait_until, its failure told with what was last seen and the processes' logs."""
        try:
            wait_until(check, what, timeout)
        except HarnessError as error:
            seen = "; ".join(f"last {k}: {str(v)[:300]}" for k, v in self._last.items())
            raise HarnessError(
                f"starting the exchange: {error}\n{seen}\n{self.logs_tail()}"
            ) from None

    def _funded(self) -> bool:
        """alice's deposits (bootstrap_demo's transfers) done, as the private database says:
        the matcher took them. Read from the database, not the API, so that the start of a
        stack depends on nothing but the matcher's transfer pickup."""
        with self.pg.connect() as connection:
            rows = connection.execute(
                "SELECT transfer_id, status FROM accounts_transfer WHERE transfer_id LIKE %s",
                ("demo-alice-%",),
            ).fetchall()
        self._seen("transfers", rows)
        refused = [row for row in rows if row[1] == "refused"]
        if refused:
            raise HarnessError(f"the matcher refused bootstrap_demo's deposits: {refused}")
        return len(rows) >= 3 and all(status == "done" for _, status in rows)

    def get(self, path: str, signed: bool = False, timeout: float = 10) -> tuple[int, object]:
        headers = self.signer.headers("GET", path) if signed else {}
        response = requests.get(self.base + path, headers=headers, timeout=timeout)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    def logs_tail(self, lines: int = 30) -> str:
        parts = []
        if self.matcher is not None:
            for child in self.matcher.generations:
                parts.append(
                    f"--- {child.log.name} (pid {child.pid}) ---\n{tail(child.log, lines)}"
                )
        if self.daphne is not None:
            parts.append(
                f"--- daphne.log (access lines left out) ---\n{daphne_tail(self.daphne.log, lines)}"
            )
        if self.redis is not None:
            parts.append(f"--- redis.log ---\n{tail(self.redis.log, 8)}")
        if self.pg is not None:
            parts.append(f"--- postgres.log ---\n{tail(self.pg.log, 12)}")
        return "\n".join(parts)

    def close(self) -> None:
        errors = []
        for step in (self._stop_daphne, self._stop_matcher, self._unmount, self._stop_redis,
                     self._stop_pg):  # fmt: skip
            began = time.monotonic()
            try:
                step()
            except Exception as error:  # every step runs, whatever the one before did
                errors.append(repr(error))
            took = time.monotonic() - began
            if took > 5:
                print(f"cleanup: {step.__name__} took {took:.1f} s")
        if errors:
            raise HarnessError("cleanup: " + "; ".join(errors))

    def _stop_daphne(self) -> None:
        if self.daphne is not None:
            self.daphne.stop()

    def _stop_matcher(self) -> None:
        if self.matcher is not None:
            self.matcher.stop()

    def _unmount(self) -> None:
        if self.journal_mount is None:
            return
        result = subprocess.run(
            ["umount", str(self.journal_mount)], capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            subprocess.run(["umount", "-l", str(self.journal_mount)], capture_output=True,
                           timeout=30, check=True)  # fmt: skip
        self.journal_mount = None

    def _stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.stop()

    def _stop_pg(self) -> None:
        if self.pg is not None:
            self.pg.kill()
            shutil.rmtree(self.pg.root, ignore_errors=True)


# ---- the load ------------------------------------------------------------------------------


@dataclass
class OrderAnswer:
    n: int
    client_order_id: str
    sent: float  # time.monotonic()
    done: float | None = None
    status: int | None = None  # None: no answer (see error)
    code: str | None = None  # the error envelope's code
    order_id: int | None = None
    error: str | None = None  # "timeout", "connection: ...", "bad 503 body: ..."
    body: str = ""  # the body of an unexpected answer, cut short


@dataclass
class HealthPoll:
    sent: float
    done: float
    status: int | None
    health: str | None  # the body's "status"
    body: object = None
    error: str | None = None


class Load:
    """Signed orders at `rate` a second (open loop) from a thread, health polled, the
    matcher's RSS sampled, until `stop()`."""

    def __init__(self, stack: Stack, rate: float = RATE) -> None:
        self.stack, self.rate = stack, rate
        self.run_id = secrets_module.token_hex(3)
        self.orders: list[OrderAnswer] = []
        self.health: list[HealthPoll] = []
        self.rss: list[tuple[float, int, int]] = []  # (when, pid, kB)
        self.marks: dict[str, float] = {}
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-load", daemon=True)
        self._failure: BaseException | None = None

    def mark(self, name: str) -> float:
        self.marks[name] = at = time.monotonic()
        return at

    def start(self) -> Load:
        self._thread.start()
        return self

    def stop(self, timeout: float = REQUEST_TIMEOUT_S + 20) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise HarnessError("the load thread did not stop")
        if self._failure is not None:
            raise HarnessError(f"the load thread failed: {self._failure!r}")

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:
            self._failure = error

    async def _main(self) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        orders = aiohttp.ClientSession(
            timeout=timeout, connector=aiohttp.TCPConnector(limit=2000, force_close=False)
        )
        health = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_S),
            connector=aiohttp.TCPConnector(limit=2),
        )
        try:
            pending: set[asyncio.Task] = set()
            side = [
                asyncio.create_task(self._poll_health(health)),
                asyncio.create_task(self._sample_rss()),
            ]
            interval = 1 / self.rate
            next_at = time.monotonic()
            n = 0
            while not self._stop.is_set():
                n += 1
                task = asyncio.create_task(self._place(orders, n))
                pending.add(task)
                task.add_done_callback(pending.discard)
                # a steady rate, never a burst to catch up after a stall of this thread
                next_at = max(next_at + interval, time.monotonic() - interval)
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if pending:
                await asyncio.wait(pending, timeout=REQUEST_TIMEOUT_S + 5)
            for task in side:
                task.cancel()
            await asyncio.gather(*side, return_exceptions=True)
        finally:
            await orders.close()
            await health.close()

    def order_body(self, n: int) -> tuple[str, bytes]:
        """An IOC limit buy on an empty book: accepted (201, `expired`), holds nothing once
        done, rests nowhere (so no open-order limit is ever reached), stored by the persister."""
        client_order_id = f"flt-{self.run_id}-{n}"
        order = {
            "symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "50000.00",
            "quantity": "0.00010", "time_in_force": "IOC", "client_order_id": client_order_id,
        }  # fmt: skip
        return client_order_id, json.dumps(order, separators=(",", ":")).encode()

    async def _place(self, session: aiohttp.ClientSession, n: int) -> None:
        client_order_id, body = self.order_body(n)
        answer = OrderAnswer(n, client_order_id, time.monotonic())
        self.orders.append(answer)
        headers = self.stack.signer.headers("POST", "/api/v1/orders", body)
        try:
            async with session.post(
                self.stack.base + "/api/v1/orders", data=body, headers=headers
            ) as response:
                raw = await response.read()
                answer.status = response.status
        except TimeoutError:
            answer.error = "timeout"
        except (aiohttp.ClientError, OSError) as error:
            answer.error = f"connection: {error!r}"[:200]
        answer.done = time.monotonic()
        if answer.status is None:
            return
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        if answer.status == 201 and isinstance(decoded, dict):
            answer.order_id = decoded.get("order_id")
            return
        error = decoded.get("error") if isinstance(decoded, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            answer.code = error["code"]
        answer.body = raw[:300].decode(errors="replace")

    async def _poll_health(self, session: aiohttp.ClientSession) -> None:
        while True:
            sent = time.monotonic()
            poll = HealthPoll(sent, sent, None, None)
            try:
                async with session.get(self.stack.base + "/api/v1/health") as response:
                    raw = await response.read()
                    poll.status = response.status
                try:
                    poll.body = json.loads(raw)
                    poll.health = poll.body.get("status")
                except (ValueError, AttributeError):
                    poll.body = raw[:200].decode(errors="replace")
            except TimeoutError:
                poll.error = "timeout"
            except (aiohttp.ClientError, OSError) as error:
                poll.error = f"connection: {error!r}"[:200]
            poll.done = time.monotonic()
            self.health.append(poll)
            await asyncio.sleep(max(0.0, sent + HEALTH_EVERY_S - time.monotonic()))

    async def _sample_rss(self) -> None:
        while True:
            matcher = self.stack.matcher
            if matcher is not None and matcher.generations:
                pid = matcher.pid
                kb = rss_kb(pid)
                if kb is not None:
                    self.rss.append((time.monotonic(), pid, kb))
            await asyncio.sleep(RSS_EVERY_S)

    # ---- reading what happened -------------------------------------------------------------

    def answered(self) -> list[OrderAnswer]:
        return [o for o in list(self.orders) if o.done is not None]

    def first_accepted_after(self, at: float) -> OrderAnswer | None:
        """The first order sent at or after `at` that was answered 201 (by answer time)."""
        accepted = [o for o in self.answered() if o.sent >= at and o.status == 201]
        return min(accepted, key=lambda o: o.done) if accepted else None

    def first_health_ok_after(self, at: float) -> HealthPoll | None:
        return next((p for p in list(self.health) if p.sent >= at and _ok(p)), None)

    def steady_since(self, after: float = 0.0) -> OrderAnswer | None:
        """The first order of the run of 201s that the orders sent at or after `after` end
        with: every order sent since it was accepted. None if the last one was not."""
        answered = sorted((o for o in self.answered() if o.sent >= after), key=lambda o: o.sent)
        if not answered or answered[-1].status != 201:
            return None
        since = answered[-1]
        for answer in reversed(answered):
            if answer.status != 201:
                break
            since = answer
        return since


def _ok(poll: HealthPoll) -> bool:
    return poll.status == 200 and poll.health == "ok"


def _degraded(poll: HealthPoll) -> bool:
    return poll.status == 503 and poll.health == "degraded"


# ---- a fault, start to end -------------------------------------------------------------------


@dataclass
class FaultRun:
    name: str
    stack: Stack
    load: Load
    fault_start: float = 0.0
    fault_end: float = 0.0
    ended: float = 0.0
    check_rss: bool = False
    persisted: dict = field(default_factory=dict)  # the database's view of the acked orders
    notes: list[str] = field(default_factory=list)

    # -- helpers for the report --

    def rel(self, at: float) -> str:
        return f"{at - self.fault_start:+.1f}s"

    def phase(self, answer: OrderAnswer) -> str:
        if answer.sent < self.fault_start:
            return "before"
        if answer.sent <= self.fault_end:
            return "during"
        return "after"

    def acked(self) -> list[OrderAnswer]:
        return [o for o in self.load.answered() if o.status == 201]

    def recovery(self) -> OrderAnswer | None:
        """The order from which on (by the time it was sent) every order sent after the
        fault ended was accepted; the exchange counts as recovered when it was answered."""
        return self.load.steady_since(self.fault_end)

    # -- the checks --

    def failures(self) -> list[str]:
        found: list[str] = []
        answered = self.load.answered()
        unanswered = [o for o in self.load.orders if o.done is None]
        # 1. orders accepted again (every one from then on) within RECOVERY_LIMIT_S
        steady = self.recovery()
        if steady is None or steady.done - self.fault_end > RECOVERY_LIMIT_S:
            seen = Counter(
                _label(o) for o in answered
                if self.fault_end <= o.sent <= self.fault_end + RECOVERY_LIMIT_S
            )  # fmt: skip
            first = self.load.first_accepted_after(self.fault_end)
            when = (
                f"first 201 {first.done - self.fault_end:.1f} s after it ended, "
                if first
                else "no 201 at all, "
            ) + (
                f"every order accepted only from {steady.done - self.fault_end:.1f} s"
                if steady
                else "still refusing orders when the load stopped"
            )
            found.append(
                f"orders not accepted again within {RECOVERY_LIMIT_S:g} s after the fault ended "
                f"({when}); answers to orders sent in those {RECOVERY_LIMIT_S:g} s: {dict(seen)}"
            )
        # 2. 503 only, never a 500 (nor any other status, nor a hung request)
        wrong = [o for o in answered if o.status not in ALLOWED_STATUSES]
        if wrong or unanswered:
            by_phase = Counter(f"{self.phase(o)}: {_label(o)}" for o in wrong)
            example = next((o.body for o in wrong if o.body), "")
            found.append(
                f"answers other than 201/503: {dict(by_phase)}"
                + (f"; {len(unanswered)} never answered" if unanswered else "")
                + (f"; e.g. {example}" if example else "")
            )
        bad_503 = [o for o in answered if o.status == 503 and o.code is None]
        if bad_503:
            found.append(
                f"{len(bad_503)} 503 answers without the error envelope, e.g. {bad_503[0].body!r}"
            )
        # 3. health degraded during the fault, ok after
        polls = list(self.load.health)
        during = [p for p in polls if self.fault_start <= p.sent <= self.fault_end]
        if not any(_degraded(p) for p in during):
            found.append(
                f"health never said degraded (503) during the fault ({len(during)} polls: "
                f"{dict(Counter(_health_label(p) for p in during))})"
            )
        odd = [p for p in polls if p.status not in (200, 503)]
        if odd:
            labels = Counter(_health_label(p) for p in odd)
            found.append(f"health answered other than 200/503: {dict(labels)}")
        ok_after = self.load.first_health_ok_after(self.fault_end)
        if ok_after is None or ok_after.done - self.fault_end > HEALTH_OK_LIMIT_S:
            when = (
                "never"
                if ok_after is None
                else f"only after {ok_after.done - self.fault_end:.1f} s"
            )
            after = [p for p in polls if p.sent >= self.fault_end]
            found.append(
                f"health not ok within {HEALTH_OK_LIMIT_S:g} s after the fault ended ({when}); "
                f"after: {dict(Counter(_health_label(p) for p in after))}; last: "
                f"{_health_detail(after[-1]) if after else 'none'}"
            )
        elif polls and not _ok(polls[-1]):
            found.append(f"health not ok at the end: {_health_detail(polls[-1])}")
        # 4. every acknowledged order in the database exactly once
        found.extend(self.persisted.get("failures", []))
        # 5. the matcher's memory stayed bounded (the database outage)
        if self.check_rss:
            rss_failure = self._rss_failure()
            if rss_failure:
                found.append(rss_failure)
        # 6. no process restarted itself or died, but for the matcher the test killed
        for exit_ in self.stack.matcher.unexpected_exits:
            found.append(
                f"run_matcher (pid {exit_.pid}) exited by itself with code {exit_.code} at "
                f"{self.rel(exit_.at)} (the harness restarts it only when a test kills it)"
            )
        if not self.stack.daphne.alive():
            found.append(f"daphne exited with code {self.stack.daphne.popen.returncode}")
        return found

    def rss_bounds(self) -> tuple[int, int, int] | None:
        """(kB before the fault, peak kB during the fault and recovery, bound kB)."""
        before = [
            kb for at, _, kb in self.load.rss if self.fault_start - 5 <= at < self.fault_start
        ]
        during = [kb for at, _, kb in self.load.rss if self.fault_start <= at <= self.ended]
        if not before or not during:
            return None
        baseline = max(before)
        return baseline, max(during), int(RSS_FACTOR * baseline + RSS_SLACK_KB)

    def _rss_failure(self) -> str | None:
        bounds = self.rss_bounds()
        if bounds is None:
            return "the matcher's RSS was not sampled around the fault"
        baseline, peak, bound = bounds
        if peak >= bound:
            return f"the matcher's RSS grew from {baseline} kB to {peak} kB (bound {bound} kB)"
        return None

    # -- the report --

    def report(self) -> str:
        answered = self.load.answered()
        lines = [f"== fault: {self.name} (times relative to the fault's start) =="]
        lines.append(
            f"fault from {self.rel(self.fault_start)} to {self.rel(self.fault_end)} "
            f"({self.fault_end - self.fault_start:.1f} s); load stopped at {self.rel(self.ended)}; "
            f"{len(self.load.orders)} orders sent at {self.load.rate:g}/s"
        )
        for phase in ("before", "during", "after"):
            counts = Counter(_label(o) for o in answered if self.phase(o) == phase)
            lines.append(f"  answers to orders sent {phase:6}: {dict(counts)}")
        first = self.load.first_accepted_after(self.fault_end)
        steady = self.recovery()
        lines.append(
            "  first 201 after the fault: "
            + (f"{first.done - self.fault_end:.1f} s after it ended" if first else "none")
            + (
                f"; every later order accepted from {steady.done - self.fault_end:.1f} s"
                if steady
                else "; orders still refused when the load stopped"
            )
        )
        ok_after = self.load.first_health_ok_after(self.fault_end)
        lines.append(
            "  health ok after the fault: "
            + (f"{ok_after.done - self.fault_end:.1f} s after it ended" if ok_after else "never")
        )
        lines.append("  health (changes): " + self._health_changes())
        if self.check_rss:
            bounds = self.rss_bounds()
            if bounds:
                before, peak, bound = bounds
                lines.append(f"  matcher RSS: {before} kB before, peak {peak} kB, bound {bound} kB")
        for kill in self.stack.matcher.kills:
            lines.append(f"  matcher pid {kill.pid} killed by the test at {self.rel(kill.at)}")
        for exit_ in self.stack.matcher.unexpected_exits:
            lines.append(
                f"  matcher pid {exit_.pid} exited by itself ({exit_.code}) at {self.rel(exit_.at)}"
            )
        persisted = self.persisted
        if persisted:
            lines.append(
                f"  database: {persisted.get('acked', 0)} acknowledged orders, "
                f"{persisted.get('found', 0)} found once, waited {persisted.get('waited', 0):.1f} s"
            )
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _health_changes(self) -> str:
        changes, last = [], None
        for poll in self.load.health:
            label = _health_detail(poll)
            if label != last:
                changes.append(f"{self.rel(poll.sent)} {label}")
                last = label
        return " | ".join(changes[:40]) + (" | ..." if len(changes) > 40 else "")


def _label(answer: OrderAnswer) -> str:
    if answer.status is None:
        return answer.error.split(":")[0] if answer.error else "no answer"
    return f"{answer.status} {answer.code}" if answer.code else str(answer.status)


def _health_label(poll: HealthPoll) -> str:
    if poll.status is None:
        return poll.error.split(":")[0] if poll.error else "no answer"
    return f"{poll.status} {poll.health}"


def _health_detail(poll: HealthPoll) -> str:
    """`200 ok`, or `503 degraded (matcher down, database false, channel_layer false)`."""
    label = _health_label(poll)
    body = poll.body
    if poll.status == 200 or not isinstance(body, dict):
        return label
    down = []
    matcher = body.get("matcher")
    if isinstance(matcher, dict) and not matcher.get("up", True):
        down.append("matcher down")
    down.extend(name for name, value in body.items() if isinstance(value, bool) and not value)
    down.extend(  # parts the code side may add: {"persister": {"up": false}, ...}
        name for name, value in body.items()
        if name != "matcher" and isinstance(value, dict) and value.get("up") is False
    )  # fmt: skip
    return f"{label} ({', '.join(down)})" if down else label


def warm_up(load: Load, stack: Stack) -> None:
    """Waits for the exchange to take every order and say ok for WARM_UP_STEADY_S."""

    def steady() -> bool:
        since = load.steady_since()
        polls = list(load.health)
        return (
            since is not None
            and time.monotonic() - since.sent >= WARM_UP_STEADY_S
            and bool(polls)
            and _ok(polls[-1])
        )

    try:
        wait_until(steady, "the exchange to take every order before the fault", WARM_UP_LIMIT_S)
    except HarnessError as error:
        counts = Counter(_label(o) for o in load.answered())
        health = _health_detail(load.health[-1]) if load.health else "no poll"
        raise HarnessError(
            f"{error}: answers {dict(counts)}, health {health}\n{stack.logs_tail()}"
        ) from None


def wait_for_recovery(run: FaultRun) -> None:
    """Keeps the load going until, since the fault ended, every order has been accepted and
    health said ok for STABLE_S; at most RECOVERY_LIMIT_S + STABLE_S after the fault's end,
    and no longer than RECOVERY_LIMIT_S if by then neither has happened (a failure anyway)."""
    load, end = run.load, run.fault_end
    limit = max(RECOVERY_LIMIT_S, HEALTH_OK_LIMIT_S)
    while True:
        now = time.monotonic()
        steady = load.steady_since(end)
        ok = load.first_health_ok_after(end)
        if steady is None or ok is None:
            if now > end + limit + 0.5:
                return
        elif now >= max(steady.done, ok.done) + STABLE_S or now > end + limit + STABLE_S:
            return
        time.sleep(0.2)


def check_persisted(run: FaultRun) -> None:
    """Every acknowledged order is in the private database exactly once, with the id the 201
    gave (waits up to PERSIST_LIMIT_S for the persister to catch up)."""
    acked = {o.client_order_id: o.order_id for o in run.acked()}
    started = time.monotonic()
    rows: dict[str, list[int]] = {}
    last_error = None
    while True:
        try:
            with run.stack.pg.connect() as connection:
                result = connection.execute(
                    "SELECT client_order_id, id FROM exchange_order WHERE client_order_id LIKE %s",
                    (f"flt-{run.load.run_id}-%",),
                ).fetchall()
            rows = {}
            for client_order_id, order_id in result:
                rows.setdefault(client_order_id, []).append(order_id)
            last_error = None
        except psycopg.Error as error:
            last_error = error
        missing = [cid for cid in acked if cid not in rows]
        if (not missing and last_error is None) or time.monotonic() - started > PERSIST_LIMIT_S:
            break
        time.sleep(0.5)
    failures = []
    if last_error is not None:
        failures.append(f"the private database could not be read: {last_error!r}")
    missing = [cid for cid in acked if cid not in rows]
    if missing:
        phases = Counter(run.phase(o) for o in run.acked() if o.client_order_id in missing)
        failures.append(
            f"{len(missing)} of {len(acked)} acknowledged orders not in the database after "
            f"{PERSIST_LIMIT_S:g} s (by when sent: {dict(phases)}), e.g. {missing[:3]}"
        )
    twice = {cid: ids for cid, ids in rows.items() if len(ids) > 1}
    if twice:
        failures.append(f"client_order_ids stored more than once: {dict(list(twice.items())[:5])}")
    wrong_id = {
        cid: (order_id, rows[cid])
        for cid, order_id in acked.items()
        if cid in rows and rows[cid] != [order_id]
    }
    if wrong_id:
        failures.append(
            f"stored under another id than the 201 said: {dict(list(wrong_id.items())[:5])}"
        )
    run.persisted = {
        "acked": len(acked),
        "found": sum(1 for cid in acked if len(rows.get(cid, [])) == 1),
        "waited": time.monotonic() - started,
        "failures": failures,
    }


def run_fault(
    name: str, stack: Stack, fault: Callable[[Load], tuple[float, float]], *, check_rss=False
) -> FaultRun:
    """Warm up under load, apply `fault` (it returns when the fault started and ended, as
    time.monotonic()), wait for recovery, stop the load, check the database; prints the
    report and fails the test with it, every failed check listed."""
    load = Load(stack).start()
    run = FaultRun(name, stack, load, check_rss=check_rss)
    try:
        warm_up(load, stack)
        run.fault_start, run.fault_end = fault(load)
        wait_for_recovery(run)
    finally:
        run.ended = time.monotonic()
        load.stop()
    check_persisted(run)
    failures = run.failures()
    report = run.report()
    print("\n" + report)
    if failures:
        listed = "\n".join(f"  - {failure}" for failure in failures)
        raise AssertionError(
            f"{name}: the exchange did not ride out the fault:\n{listed}\n{report}\n"
            f"{stack.logs_tail()}"
        )
    return run


# ---- the faults ----------------------------------------------------------------------------


def restart_redis(stack: Stack, down_s: float = 3.0) -> Callable[[Load], tuple[float, float]]:
    def fault(load: Load) -> tuple[float, float]:
        start = load.mark("redis stopped")
        stack.redis.stop()
        time.sleep(down_s)
        stack.redis.start()
        return start, load.mark("redis started")

    return fault


def stop_postgres(stack: Stack, down_s: float = 20.0) -> Callable[[Load], tuple[float, float]]:
    def fault(load: Load) -> tuple[float, float]:
        start = load.mark("postgres stopped")
        stack.pg.stop("fast")
        time.sleep(down_s)
        stack.pg.start()
        return start, load.mark("postgres started")

    return fault


def kill_matcher(stack: Stack) -> Callable[[Load], tuple[float, float]]:
    def fault(load: Load) -> tuple[float, float]:
        killed_at, ready_at = stack.matcher.kill_and_restart()
        load.marks["matcher killed"] = killed_at
        load.marks["matcher ready"] = ready_at
        return killed_at, ready_at

    return fault


def fill_journal_disk(stack: Stack, full_s: float = 8.0) -> Callable[[Load], tuple[float, float]]:
    """Fills the journal's tmpfs to the last byte with a file, waits, deletes it."""

    def fault(load: Load) -> tuple[float, float]:
        filler = stack.journal_dir / "filler.bin"
        start = load.mark("disk full")
        fill(filler)
        time.sleep(full_s)
        filler.unlink()
        return start, load.mark("disk space back")

    return fault


def fill(path: Path) -> int:
    """Writes `path` until the file system has no byte left; returns how many were written."""
    written = 0
    with open(path, "wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 12, 1):
            chunk = b"\0" * size
            while True:
                try:
                    count = handle.write(chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
                written += count or 0
                if not count or count < size:
                    break
    return written

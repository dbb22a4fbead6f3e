"""The load tool's CPU per order (tools/loadgen/cpu.py): /proc/PID/stat parsing, which
processes a watch takes, the CPU of a group between two snapshots (on a fake /proc tree),
the per-order arithmetic, and a real busy process found busy. No timing asserts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.loadgen import cpu
from tools.loadgen.cpu import Snapshot, Watch

SELF = 900  # the load tool's pid in the fake trees


def stat_line(pid: int, name: str, ppid: int, utime: int, stime: int,
              cutime: int = 0, cstime: int = 0, start_time: int = 1000,
              state: str = "S") -> str:  # fmt: skip
    """A /proc/PID/stat line as Linux writes it (52 fields)."""
    fields = [str(pid), f"({name})", state, str(ppid), *["0"] * 9]  # fields 1-13
    fields += [str(utime), str(stime), str(cutime), str(cstime)]  # 14-17
    fields += ["20", "0", "1", "0", str(start_time)]  # 18-22
    fields += ["0"] * (52 - len(fields))
    return " ".join(fields) + "\n"


class FakeProc:
    """A /proc tree in a directory: one `PID/stat` and `PID/cmdline` per process."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, pid: int, command: str, ppid: int, utime: int, stime: int,
            cutime: int = 0, cstime: int = 0, start_time: int = 1000) -> None:  # fmt: skip
        directory = self.root / str(pid)
        directory.mkdir(exist_ok=True)
        name = command.split()[0].rsplit("/", 1)[-1][:15] if command else "kthread"
        line = stat_line(pid, name, ppid, utime, stime, cutime, cstime, start_time)
        (directory / "stat").write_text(line)
        args = command.split()
        (directory / "cmdline").write_bytes(b"".join(arg.encode() + b"\0" for arg in args))

    def remove(self, pid: int) -> None:
        for file in (self.root / str(pid)).iterdir():
            file.unlink()
        (self.root / str(pid)).rmdir()

    def snapshot(self) -> Snapshot:
        return Snapshot.take(self.root)


# ---- /proc parsing ---------------------------------------------------------------------------


def test_a_stat_line_is_read_by_field_number_whatever_the_name_holds() -> None:
    line = stat_line(4242, "my (odd) name) x", 17, 1234, 56, 7, 8, start_time=99887, state="R")

    stat = cpu.parse_stat(line)

    assert stat == cpu.ProcessStat(
        pid=4242, name="my (odd) name) x", state="R", ppid=17, utime=1234, stime=56,
        cutime=7, cstime=8, start_time=99887,
    )  # fmt: skip
    assert stat.ticks == 1234 + 56 + 7 + 8
    assert stat.identity == (4242, 99887)


def test_a_real_stat_line_of_linux() -> None:
    line = (
        "2261 (postgres) S 2260 2260 2260 0 -1 4210752 388 0 0 0 12 34 5 6 20 0 1 0 "
        "1618 226136576 1546 18446744073709551615 1 1 0 0 0 0 4194304 19935232 "
        "1140884487 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    )
    stat = cpu.parse_stat(line)
    assert (stat.pid, stat.name, stat.ppid, stat.utime, stat.stime) == (
        2261, "postgres", 2260, 12, 34
    )  # fmt: skip
    assert (stat.cutime, stat.cstime, stat.start_time) == (5, 6, 1618)


@pytest.mark.parametrize("line", ["", "12 postgres S 1", "12 (x) S 1 2 3\n"])
def test_what_is_not_a_stat_line_is_refused(line) -> None:
    with pytest.raises(ValueError):
        cpu.parse_stat(line)


def test_a_snapshot_reads_every_process_with_its_command_line(tmp_path) -> None:
    proc = FakeProc(tmp_path)
    proc.add(1, "/sbin/init", 0, 5, 5)
    proc.add(2, "", 0, 0, 3)  # a kernel thread: no command line
    proc.add(2260, "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg", 1, 10, 20, 30, 40)
    (tmp_path / "self").mkdir()  # not a process directory
    (tmp_path / "7").mkdir()  # a process gone between listing and reading

    snapshot = proc.snapshot()

    assert sorted(snapshot.processes) == [1, 2, 2260]
    assert snapshot.processes[2].command_line == ""
    postmaster = snapshot.processes[2260]
    assert postmaster.command_line == "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg"
    assert (postmaster.stat.ppid, postmaster.stat.ticks) == (1, 100)
    assert cpu.read_stat(7, tmp_path) is None and cpu.read_command_line(7, tmp_path) == ""


# ---- watches ---------------------------------------------------------------------------------


def test_watch_specs() -> None:
    assert Watch.parse("1234") == Watch("pid 1234", pid=1234)
    assert Watch.parse("web=1234") == Watch("web", pid=1234)
    daphne = Watch.parse("daphne")
    assert (daphne.name, daphne.pid, daphne.pattern.pattern) == ("daphne", None, "daphne")
    database = Watch.parse("db=postgres: .*h_load")
    assert (database.name, database.pattern.pattern) == ("db", "postgres: .*h_load")
    for bad in ("", "=postgres", "db=", "db=(unclosed"):
        with pytest.raises(ValueError):
            Watch.parse(bad)
    watches = cpu.parse_watches(["daphne", "db=postgres"])
    assert [w.name for w in watches] == ["loadgen", "daphne", "db"] and watches[0].own
    with pytest.raises(ValueError, match="daphne given twice"):
        cpu.parse_watches(["daphne", "daphne=1234"])
    with pytest.raises(ValueError, match="loadgen given twice"):
        cpu.parse_watches(["loadgen"])


def production_tree(proc: FakeProc) -> None:
    """PostgreSQL (a postmaster, two backends), Redis, daphne, a matcher with a snapshot
    child, and the load tool (SELF) started by a shell whose command line names the
    patterns too; another user's process mentions daphne in its arguments."""
    proc.add(1, "/sbin/init", 0, 0, 0)
    proc.add(2, "", 0, 0, 0)
    proc.add(100, "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg", 1, 50, 50, 1000, 0)
    proc.add(101, "postgres: 15/main: postgres h_load 127.0.0.1(5000) idle", 100, 300, 100)
    proc.add(102, "postgres: 15/main: postgres h_load 127.0.0.1(5002) idle", 100, 200, 0)
    proc.add(104, "postgres: 15/main: walwriter", 100, 10, 10)
    proc.add(200, "redis-server 127.0.0.1:6379", 1, 70, 30)
    proc.add(300, "python -m daphne -b 127.0.0.1 -p 8300 exchange.asgi:application", 1, 500, 0)
    proc.add(400, "python manage.py run_matcher", 1, 800, 200)
    proc.add(401, "python manage.py run_matcher", 400, 1, 0, start_time=5000)  # snapshot fork
    proc.add(800, "bash -c python -m tools.loadgen run --watch daphne --watch postgres", 1, 1, 0)
    proc.add(SELF, "python -m tools.loadgen run --watch daphne --watch postgres", 800, 40, 10)
    proc.add(500, "less notes-on-daphne.txt", 1, 3, 0)


def members(spec: str, snapshot: Snapshot) -> list[int]:
    return sorted(Watch.parse(spec).members(snapshot, SELF))


def test_a_pattern_takes_matches_and_their_descendants_never_the_tool_or_its_shell(
    tmp_path,
) -> None:
    proc = FakeProc(tmp_path)
    production_tree(proc)
    snapshot = proc.snapshot()

    assert members("postgres", snapshot) == [100, 101, 102, 104]
    assert members("h_load", snapshot) == [101, 102]
    assert members("daphne", snapshot) == [300, 500]  # the pattern is the user's choice
    assert members("asgi", snapshot) == [300]
    assert members("run_matcher", snapshot) == [400, 401]
    assert members("redis-server", snapshot) == [200]
    assert members("tools.loadgen", snapshot) == []  # the tool and its shell are never matched
    assert members("nothing-runs-this", snapshot) == []
    assert sorted(cpu.own_watch().members(snapshot, SELF)) == [SELF]


def test_a_pid_takes_that_process_and_its_descendants(tmp_path) -> None:
    proc = FakeProc(tmp_path)
    production_tree(proc)
    snapshot = proc.snapshot()

    assert members("100", snapshot) == [100, 101, 102, 104]
    assert members("400", snapshot) == [400, 401]
    assert members("300", snapshot) == [300]
    assert members("800", snapshot) == [800]  # the tool itself counts in its own group only
    assert members("4242", snapshot) == []
    watches = cpu.parse_watches(["daphne", "db=4242", "nothing-runs-this"])
    assert cpu.unmatched(watches, snapshot, SELF) == ["db", "nothing-runs-this"]


# ---- CPU between two snapshots ---------------------------------------------------------------


def test_a_groups_cpu_counts_new_ended_and_reused_processes_exactly(tmp_path) -> None:
    proc = FakeProc(tmp_path)
    production_tree(proc)
    start = proc.snapshot()
    # during the run: backend 101 (400 ticks at the start) used 25 more and ended, reaped by
    # the postmaster (cutime + 425); backend 102 used 40; a new backend 103 came and used 15;
    # the walwriter 2
    proc.remove(101)
    proc.add(100, "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg", 1, 51, 50, 1425, 0)
    proc.add(102, "postgres: 15/main: postgres h_load 127.0.0.1(5002) idle", 100, 230, 10)
    proc.add(103, "postgres: 15/main: postgres h_load 127.0.0.1(5004) idle", 100, 12, 3, 0, 0, 7000)
    proc.add(104, "postgres: 15/main: walwriter", 100, 11, 11)
    # daphne used 250; the matcher 120 and its snapshot child, which ended unreaped (a zombie
    # keeps its figures), 30; redis 60; the tool 35
    proc.add(300, "python -m daphne -b 127.0.0.1 -p 8300 exchange.asgi:application", 1, 700, 50)
    proc.add(400, "python manage.py run_matcher", 1, 900, 220)
    proc.add(401, "", 400, 31, 0, start_time=5000)
    proc.add(200, "redis-server 127.0.0.1:6379", 1, 100, 60)
    proc.add(SELF, "python -m tools.loadgen run --watch daphne --watch postgres", 800, 70, 15)
    end = proc.snapshot()

    def ticks(spec: str) -> tuple[int, int, int]:
        return cpu.group_ticks(Watch.parse(spec), start, end, SELF)

    # postmaster 1 + 425 (backend 101, reaped), less backend 101's 400 at the start; 102 40;
    # 103 15; walwriter 2
    assert ticks("postgres") == (1 + 425 - 400 + 40 + 15 + 2, 5, 0)
    # without the postmaster, an ended backend's last part is lost, and said so
    assert ticks("h_load") == (40 + 15, 3, 1)
    assert ticks("asgi") == (250, 1, 0)
    assert ticks("run_matcher") == (120 + 30, 2, 0)  # the zombie 401 is still its member
    assert ticks("redis=200") == (60, 1, 0)
    assert cpu.group_ticks(cpu.own_watch(), start, end, SELF) == (35, 1, 0)

    # a pid used again by another process: the new one counts from zero
    proc.add(300, "python -m daphne -b 127.0.0.1 -p 8300 exchange.asgi:application", 1, 9, 1,
             0, 0, 8000)  # fmt: skip
    assert cpu.group_ticks(Watch.parse("asgi"), start, proc.snapshot(), SELF) == (10, 2, 1)


def test_the_per_order_arithmetic() -> None:
    assert cpu.cpu_figures(1.5, orders=1000, requests=1500, elapsed=3.0) == {
        "cpu_s": 1.5, "ms_per_order": 1.5, "ms_per_request": 1.0, "cores": 0.5,
    }  # fmt: skip
    assert cpu.cpu_figures(0.01, orders=3, requests=3, elapsed=0.5) == {
        "cpu_s": 0.01, "ms_per_order": 3.3333, "ms_per_request": 3.3333, "cores": 0.02,
    }  # fmt: skip
    assert cpu.cpu_figures(2.0, orders=0, requests=0, elapsed=0.0) == {
        "cpu_s": 2.0, "ms_per_order": None, "ms_per_request": None, "cores": None,
    }  # fmt: skip


def test_the_report_gives_each_group_and_the_total(tmp_path) -> None:
    proc = FakeProc(tmp_path)
    production_tree(proc)
    start = proc.snapshot()
    proc.add(300, "python -m daphne -b 127.0.0.1 -p 8300 exchange.asgi:application", 1, 650, 50)
    proc.add(400, "python manage.py run_matcher", 1, 850, 250)
    proc.add(SELF, "python -m tools.loadgen run --watch daphne --watch postgres", 800, 60, 10)
    end = proc.snapshot()
    watches = cpu.parse_watches(["web=asgi", "run_matcher", "redis-server"])

    report = cpu.cpu_report(
        watches, start, end, orders=400, requests=500, elapsed=2.0, self_pid=SELF,
        ticks_per_second=100,
    )  # fmt: skip

    assert report["orders"] == 400 and report["requests"] == 500 and report["elapsed_s"] == 2.0
    assert report["clock_ticks_per_s"] == 100
    assert report["groups"] == {
        "loadgen": {"cpu_s": 0.2, "ms_per_order": 0.5, "ms_per_request": 0.4, "cores": 0.1,
                    "per_loadgen": 1.0, "processes": 1, "ended_uncounted": 0},
        "web": {"cpu_s": 2.0, "ms_per_order": 5.0, "ms_per_request": 4.0, "cores": 1.0,
                "per_loadgen": 10.0, "processes": 1, "ended_uncounted": 0},
        "run_matcher": {"cpu_s": 1.0, "ms_per_order": 2.5, "ms_per_request": 2.0,
                        "cores": 0.5, "per_loadgen": 5.0, "processes": 2, "ended_uncounted": 0},
        "redis-server": {"cpu_s": 0.0, "ms_per_order": 0.0, "ms_per_request": 0.0,
                         "cores": 0.0, "per_loadgen": 0.0, "processes": 1, "ended_uncounted": 0},
    }  # fmt: skip
    assert report["total"] == {
        "cpu_s": 3.2, "ms_per_order": 8.0, "ms_per_request": 6.4, "cores": 1.6,
        "per_loadgen": 16.0,
    }  # fmt: skip
    table = cpu.format_table(report).splitlines()
    assert table[0] == "CPU over the measured 2 s: 400 orders accepted, 500 requests answered"
    assert table[1].split() == [
        "group", "procs", "CPU", "s", "cores", "ms/order", "ms/request", "÷loadgen"
    ]  # fmt: skip
    assert table[3].split() == ["web", "1", "2.00", "1.00", "5.000", "4.000", "10.00"]
    assert table[-1].split() == ["total", "3.20", "1.60", "8.000", "6.400", "16.00"]


def test_a_run_in_which_the_tool_used_no_cpu_has_no_ratio_to_it(tmp_path) -> None:
    proc = FakeProc(tmp_path)
    production_tree(proc)
    start = proc.snapshot()
    proc.add(300, "python -m daphne -b 127.0.0.1 -p 8300 exchange.asgi:application", 1, 650, 50)
    end = proc.snapshot()

    report = cpu.cpu_report(
        cpu.parse_watches(["web=asgi"]), start, end, orders=1, requests=1, elapsed=1.0,
        self_pid=SELF, ticks_per_second=100,
    )  # fmt: skip

    assert report["groups"]["web"]["per_loadgen"] is None
    assert report["total"]["per_loadgen"] is None


# ---- real processes --------------------------------------------------------------------------

BUSY = """
import sys
sys.stdin.readline()
total = 0
for i in range(4_000_000):  # cpu-test-busy-child
    total += i * i
print("done", flush=True)
sys.stdin.readline()
"""


def test_a_busy_child_is_found_busy_and_an_idle_one_idle() -> None:
    busy = subprocess.Popen(
        [sys.executable, "-c", BUSY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    idle = subprocess.Popen(
        [sys.executable, "-c", "import sys; print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert idle.stdout.readline() == "ready\n"  # started: it only waits from now on
        watches = cpu.parse_watches([f"busy={busy.pid}", "by-pattern=cpu-test-busy-child",
                                     f"idle={idle.pid}"])  # fmt: skip
        self_pid = os.getpid()
        start = Snapshot.take()
        busy.stdin.write("go\n")
        busy.stdin.flush()
        assert busy.stdout.readline() == "done\n"  # its work is done, it waits
        end = Snapshot.take()

        report = cpu.cpu_report(
            watches, start, end, orders=10, requests=10, elapsed=1.0, self_pid=self_pid
        )
    finally:
        for child in (busy, idle):
            child.kill()
            child.wait()

    groups = report["groups"]
    print(cpu.format_table(report))
    assert groups["busy"]["cpu_s"] > 0 and groups["busy"]["processes"] == 1
    assert groups["by-pattern"] == groups["busy"]
    assert groups["idle"]["cpu_s"] == 0 and groups["idle"]["processes"] == 1
    assert report["total"]["cpu_s"] == pytest.approx(sum(g["cpu_s"] for g in groups.values()))


def test_run_refuses_a_watch_that_matches_no_process(tmp_path) -> None:
    from tests.tools.test_loadgen import loadgen

    keys = tmp_path / "keys.json"
    keys.write_text('[{"key": "k", "secret": "s"}]')

    result = loadgen("run", "--keys", str(keys), "--watch", "no-process-is-called-this-7f3a",
                     "--watch", "also-bad=(", timeout=60)  # fmt: skip
    assert result.returncode == 2 and "not a regular expression" in result.stderr

    result = loadgen("run", "--keys", str(keys), "--watch", "no-process-is-called-this-7f3a",
                     timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "no process for no-process-is-called-this-7f3a" in result.stderr
    assert result.stdout == ""

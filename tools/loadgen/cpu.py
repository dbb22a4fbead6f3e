"""CPU per order of watched processes (`--watch`), from /proc/PID/stat.

A watch names a group of processes: `PID` (that process and its descendants, e.g. the
PostgreSQL postmaster and its backends) or a regular expression searched in each process's
command line (every match and its descendants: `postgres` finds the postmaster and every
backend, `run_matcher` the matcher and its snapshot child); `NAME=PID` or `NAME=PATTERN`
names the group, otherwise the spec is its name. Patterns never match the load tool itself
or its ancestors (whose command lines hold the patterns); the tool's own process is always
watched, as the group `loadgen`.

The whole process table is read at the start and at the end of the measured phase (a
`Snapshot`). A process's CPU is utime + stime + cutime + cstime (clock ticks,
`os.sysconf("SC_CLK_TCK")`): the last two carry the CPU of children it has waited for, so a
backend that ends during the run is counted through the postmaster that reaps it. A group's
CPU is the sum at the end, over every process that was a member at either end, less the sum
at the start; a process that appeared meanwhile starts from zero, and a process that ended
meanwhile is left out of the start sum unless its parent is counted at the end (then its
time is in the parent's cutime, which starts from the parent's own figure). Processes are
told apart by pid and start time, so a reused pid is a new process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
SELF_GROUP = "loadgen"


def clock_ticks_per_second() -> int:
    return os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessStat:
    """What one /proc/PID/stat line tells of a process (times in clock ticks)."""

    pid: int
    name: str  # `comm`, the executable's name (at most 15 characters)
    state: str
    ppid: int
    utime: int
    stime: int
    cutime: int  # of waited-for children
    cstime: int
    start_time: int  # clock ticks after boot

    @property
    def ticks(self) -> int:
        """CPU of the process and of the children it has waited for."""
        return self.utime + self.stime + self.cutime + self.cstime

    @property
    def identity(self) -> tuple[int, int]:
        """(pid, start time): a reused pid is another process."""
        return self.pid, self.start_time


def parse_stat(line: str) -> ProcessStat:
    """One /proc/PID/stat line. The name, in parentheses, may hold spaces and parentheses:
    the fields after it start after its last ')'. ValueError if the line is not one."""
    head, close, tail = line.rpartition(")")
    pid_text, open_, name = head.partition(" (")
    if not close or not open_:
        raise ValueError(f"not a /proc/PID/stat line: {line!r}")
    fields = tail.split()  # fields 3, 4, ... of proc(5), numbered from 1
    if len(fields) < 20:
        raise ValueError(f"not a /proc/PID/stat line: {line!r}")

    def field_(number: int) -> int:
        return int(fields[number - 3])

    return ProcessStat(
        pid=int(pid_text),
        name=name,
        state=fields[0],
        ppid=field_(4),
        utime=field_(14),
        stime=field_(15),
        cutime=field_(16),
        cstime=field_(17),
        start_time=field_(22),
    )


def read_stat(pid: int, proc: Path = PROC) -> ProcessStat | None:
    """Process `pid`'s stat, or None once it is gone (or unreadable)."""
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, ValueError):
        return None


def read_command_line(pid: int, proc: Path = PROC) -> str:
    """The arguments joined by spaces; "" for a kernel thread, a zombie or a gone process."""
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")


@dataclass(frozen=True)
class Process:
    stat: ProcessStat
    command_line: str


@dataclass
class Snapshot:
    """Every process at one moment, by pid."""

    processes: dict[int, Process] = field(default_factory=dict)

    @classmethod
    def take(cls, proc: Path = PROC) -> Snapshot:
        processes = {}
        try:
            entries = [entry.name for entry in proc.iterdir() if entry.name.isdigit()]
        except OSError:
            entries = []
        for entry in entries:
            pid = int(entry)
            stat = read_stat(pid, proc)
            if stat is not None:  # gone meanwhile otherwise
                processes[pid] = Process(stat, read_command_line(pid, proc))
        return cls(processes)

    def by_identity(self) -> dict[tuple[int, int], ProcessStat]:
        return {p.stat.identity: p.stat for p in self.processes.values()}

    def ancestors(self, pid: int) -> set[int]:
        """The pids of `pid`'s parent, its parent, ... (`pid` itself included)."""
        seen: set[int] = set()
        while pid in self.processes and pid not in seen:
            seen.add(pid)
            pid = self.processes[pid].stat.ppid
        return seen

    def with_descendants(self, roots: Iterable[int]) -> set[int]:
        children: dict[int, list[int]] = {}
        for pid, process in self.processes.items():
            children.setdefault(process.stat.ppid, []).append(pid)
        members: set[int] = set()
        todo = [pid for pid in roots if pid in self.processes]
        while todo:
            pid = todo.pop()
            if pid not in members:
                members.add(pid)
                todo.extend(children.get(pid, ()))
        return members


@dataclass(frozen=True)
class Watch:
    """One group to watch: a pid (with its descendants) or a command-line pattern (every
    matching process with its descendants), under a name; `own` is the load tool itself."""

    name: str
    pid: int | None = None
    pattern: re.Pattern | None = None
    own: bool = False

    @classmethod
    def parse(cls, spec: str) -> Watch:
        """`PID`, `PATTERN`, `NAME=PID` or `NAME=PATTERN`; ValueError for a bad one."""
        name, equals, target = spec.partition("=")
        if not equals:
            name = target = spec
        if not name or not target:
            raise ValueError(f"a watch is PID, PATTERN, NAME=PID or NAME=PATTERN: {spec!r}")
        if target.isdigit():
            return cls(name if equals else f"pid {target}", pid=int(target))
        try:
            return cls(name, pattern=re.compile(target))
        except re.error as error:
            raise ValueError(f"not a regular expression: {target!r} ({error})") from None

    def members(self, snapshot: Snapshot, self_pid: int) -> set[int]:
        """The pids of the group in `snapshot`: never the load tool's own process but in its
        own group."""
        if self.own:
            return {self_pid} & snapshot.processes.keys()
        if self.pid is not None:
            roots = {self.pid}
        else:
            excluded = snapshot.ancestors(self_pid)
            roots = {
                pid
                for pid, process in snapshot.processes.items()
                if pid not in excluded and self.pattern.search(process.command_line)
            }
        return snapshot.with_descendants(roots) - {self_pid}


def own_watch() -> Watch:
    return Watch(SELF_GROUP, own=True)


def parse_watches(specs: Iterable[str]) -> list[Watch]:
    """The groups of `--watch` options, after the tool's own; ValueError for a bad spec or
    a name given twice."""
    watches = [own_watch(), *(Watch.parse(spec) for spec in specs)]
    names = [watch.name for watch in watches]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"watch names must differ: {', '.join(twice)} given twice")
    return watches


def unmatched(watches: Iterable[Watch], snapshot: Snapshot, self_pid: int) -> list[str]:
    """The names of the groups with no process in `snapshot`."""
    return [watch.name for watch in watches if not watch.members(snapshot, self_pid)]


def group_ticks(
    watch: Watch, start: Snapshot, end: Snapshot, self_pid: int
) -> tuple[int, int, int]:
    """(CPU ticks between the snapshots, processes counted, processes that ended unseen):
    see the module's docstring."""
    start_ids = {start.processes[pid].stat.identity for pid in watch.members(start, self_pid)}
    end_ids = {end.processes[pid].stat.identity for pid in watch.members(end, self_pid)}
    at_start, at_end = start.by_identity(), end.by_identity()
    members = start_ids | end_ids
    alive_at_end = {identity for identity in members if identity in at_end}
    counted_parents = {pid for pid, _ in alive_at_end}
    ticks, lost = 0, 0
    for identity in members:
        if identity in at_end:
            ticks += at_end[identity].ticks
            if identity in at_start:
                ticks -= at_start[identity].ticks
        elif at_start[identity].ppid in counted_parents:
            ticks -= at_start[identity].ticks  # its whole life is in the parent's cutime now
        else:
            lost += 1  # its time since the start is lost: not counted at all
    return ticks, len(members), lost


def per(ms_total: float, count: int) -> float | None:
    return round(ms_total / count, 4) if count else None


def cpu_figures(cpu_s: float, *, orders: int, requests: int, elapsed: float) -> dict:
    """A group's figures: CPU seconds, ms per accepted order and per answered request,
    and cores (CPU seconds per second of the run)."""
    return {
        "cpu_s": round(cpu_s, 3),
        "ms_per_order": per(cpu_s * 1000, orders),
        "ms_per_request": per(cpu_s * 1000, requests),
        "cores": round(cpu_s / elapsed, 3) if elapsed > 0 else None,
    }


def cpu_report(
    watches: list[Watch],
    start: Snapshot,
    end: Snapshot,
    *,
    orders: int,
    requests: int,
    elapsed: float,
    self_pid: int,
    ticks_per_second: int | None = None,
) -> dict:
    """The report's `cpu` section: each group's figures (`processes` counted, `ended` ones
    whose last part is lost) and their total.

    `per_loadgen` is a group's CPU divided by the tool's own in the same run. The tool does
    the same work for each order whatever serves it, so where a machine's speed moves from
    one run to the next (a shared VM), this ratio compares runs that CPU ms cannot."""
    hz = ticks_per_second or clock_ticks_per_second()
    counted = [(watch, *group_ticks(watch, start, end, self_pid)) for watch in watches]
    own = next((ticks for watch, ticks, _, _ in counted if watch.own), 0)

    def figures(ticks: int) -> dict:
        return {
            **cpu_figures(ticks / hz, orders=orders, requests=requests, elapsed=elapsed),
            "per_loadgen": round(ticks / own, 3) if own else None,
        }

    groups = {
        watch.name: {**figures(ticks), "processes": processes, "ended_uncounted": ended}
        for watch, ticks, processes, ended in counted
    }
    return {
        "orders": orders,
        "requests": requests,
        "elapsed_s": round(elapsed, 3),
        "clock_ticks_per_s": hz,
        "groups": groups,
        "total": figures(sum(ticks for _, ticks, _, _ in counted)),
    }


def format_table(report: dict) -> str:
    """The `cpu` section as a small text table (the run's stderr)."""

    def number(value: float | None, digits: int) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    lines = [
        f"CPU over the measured {report['elapsed_s']:g} s: {report['orders']:,} orders "
        f"accepted, {report['requests']:,} requests answered",
        f"{'group':<16} {'procs':>5} {'CPU s':>9} {'cores':>6} {'ms/order':>9} {'ms/request':>10}"
        f" {'÷loadgen':>8}",
    ]
    rows = [*report["groups"].items(), ("total", {**report["total"], "processes": None})]
    for name, figures in rows:
        procs = "" if figures["processes"] is None else str(figures["processes"])
        lines.append(
            f"{name:<16} {procs:>5} {number(figures['cpu_s'], 2):>9} "
            f"{number(figures['cores'], 2):>6} {number(figures['ms_per_order'], 3):>9} "
            f"{number(figures['ms_per_request'], 3):>10} {number(figures['per_loadgen'], 2):>8}"
        )
    return "\n".join(lines)

"""Background processes with pid files: start, recognise, stop.

A pid file holds the pid, the command line and the process's create time (psutil). A process is
ours only if all three still match: a pid the kernel reused for another program has another create
time, so its file is stale and removed rather than trusted, and `down` never signals that program.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

# psutil derives a create time from the kernel's start tick: two reads of one process agree to the
# tick (10 ms); a reused pid belongs to a process started after ours ended, far more than this apart.
_SAME_START_S = 0.05
# Pid files written before create times were recorded: their wall-clock `started_at` is taken just
# after the spawn, so it trails the create time by the spawn's duration.
_LEGACY_START_S = 5.0


@dataclass(frozen=True)
class PidRecord:
    pid: int
    command: list[str]
    started_at: float
    create_time: float | None = None  # psutil's create time; None in pid files of older versions

    def as_json(self) -> str:
        return json.dumps(
            {"pid": self.pid, "command": self.command, "started_at": self.started_at,
             "create_time": self.create_time}
        )  # fmt: skip


def read_pid(pid_file: Path) -> PidRecord | None:
    try:
        data = json.loads(pid_file.read_text())
        created = data.get("create_time")
        return PidRecord(
            int(data["pid"]),
            list(data["command"]),
            float(data["started_at"]),
            None if created is None else float(created),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def program_name(command: list[str]) -> str:
    """The program a command runs: `env A=1 dagster dev` runs `dagster`, not `env`."""
    args = list(command)
    if args and Path(args[0]).name == "env":
        args = [a for a in args[1:] if not a.startswith("-") and "=" not in a]
    return Path(args[0]).name if args else ""


def is_ours(record: PidRecord) -> bool:
    """True if the pid is alive, was created when ours was, and still runs the program we started."""
    try:
        proc = psutil.Process(record.pid)
        with proc.oneshot():
            if proc.status() == psutil.STATUS_ZOMBIE:
                return False  # it has exited
            created, name, cmdline = proc.create_time(), proc.name(), proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    if record.create_time is not None:
        if abs(created - record.create_time) > _SAME_START_S:
            return False
    elif not 0 <= record.started_at - created <= _LEGACY_START_S:
        return False
    # Some servers rewrite their title (valkey: "valkey-server 127.0.0.1:6379"), and a console
    # script runs as `python .../ibe ...`: the program must be one of the words of its command line.
    words = {Path(word).name for arg in cmdline for word in arg.split()} | {name}
    return program_name(record.command) in words


def spawn(
    command: list[str],
    log_file: Path,
    pid_file: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> PidRecord:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    try:
        created: float | None = psutil.Process(proc.pid).create_time()
    except psutil.Error:
        created = None  # it exited at once; the health check reports that with the log's tail
    record = PidRecord(proc.pid, command, time.time(), created)
    pid_file.write_text(record.as_json())
    return record


def exited(pid: int) -> bool:
    try:
        finished, _status = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return True
    except ChildProcessError:
        pass  # not our child: fall back to /proc
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def _group_alive(pgid: int) -> bool:
    """True while a process of the group still runs (zombies, which hold no sockets, don't count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            return True
    return False


def stop(record: PidRecord, grace_s: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL it after `grace_s`.

    Returns once every process of the group is gone, not just its leader: a child still holding a
    listening port would make the next `up` find the port taken.
    """
    _signal_group(record, (signal.SIGTERM, signal.SIGKILL), grace_s)


def kill(record: PidRecord, within_s: float = 10.0) -> None:
    """SIGKILL the process group at once, as a crash would (no handler, no `finally` runs)."""
    _signal_group(record, (signal.SIGKILL,), within_s)


def _signal_group(record: PidRecord, signals: tuple[signal.Signals, ...], wait_s: float) -> None:
    for sig in signals:
        try:
            os.killpg(record.pid, sig)
        except ProcessLookupError:
            exited(record.pid)  # reap the leader if it is our child
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            leader_gone = exited(record.pid)
            if leader_gone and not _group_alive(record.pid):
                return
            time.sleep(0.05)


def tail(log_file: Path, lines: int = 5) -> str:
    try:
        text = log_file.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])

"""Background processes with pid files: start, recognise, stop.

A pid file holds the pid and the command line; a pid whose /proc cmdline no longer matches is
somebody else's (the pid was reused), so the file is stale and removed rather than trusted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PidRecord:
    pid: int
    command: list[str]
    started_at: float


def read_pid(pid_file: Path) -> PidRecord | None:
    try:
        data = json.loads(pid_file.read_text())
        return PidRecord(int(data["pid"]), list(data["command"]), float(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_ours(record: PidRecord) -> bool:
    """True if the process is alive and still runs the command we started."""
    try:
        raw = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:
        return False
    if not raw:
        return False  # a zombie: it has exited
    # Some servers rewrite their title (valkey: "valkey-server 127.0.0.1:6379"), so match the name.
    return Path(record.command[0]).name.encode() in raw


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
    record = PidRecord(proc.pid, command, time.time())
    pid_file.write_text(json.dumps({"pid": record.pid, "command": command, "started_at": record.started_at}))
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
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(record.pid, sig)
        except ProcessLookupError:
            exited(record.pid)  # reap the leader if it is our child
            return
        deadline = time.monotonic() + grace_s
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

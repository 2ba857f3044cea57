"""`ibe stack up|down|status`: start, check and stop the embedded services.

`up` is idempotent: a healthy service we started is reused, a stale pid file is removed, and a port
held by some other program is an error naming the port and the setting that moves it. `down` stops
only what `up` started (pid files in the data folder). Services configured as real engines are
never started; `status` still asks them if they answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import LOOPBACK, Settings
from core.stack import process
from core.stack.binaries import BinaryMissing
from core.stack.probes import ProbeFailed
from core.stack.services import ServiceSpec, embedded_services

DAGSTER_YAML_MARKER = "# Written by `ibe stack up`"
DAGSTER_YAML = f"""\
{DAGSTER_YAML_MARKER}; delete this line to keep your own edits.
telemetry:
  enabled: false  # nothing may call out
concurrency:
  runs:
    max_concurrent_runs: 2
  pools:
    default_limit: 1  # pooled assets (the catalog's serving load) run one at a time
"""


class StackError(Exception):
    """A service could not be started or stopped; the message says which and why, in one line."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: str  # running | started | reused | stopped | external | down | unhealthy
    address: str
    pid: int | None
    detail: str = ""


PORT_RELEASE_S = 3.0  # `up` right after `down`: a stopped Temporal's children may hold a port a moment


def _paths(settings: Settings, name: str) -> tuple[Path, Path]:
    return settings.data_path / "run" / f"{name}.pid", settings.data_path / "logs" / f"{name}.log"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _port_freed(port: int, within_s: float) -> bool:
    """Whether the port is free, or frees within `within_s` (a process just stopped may hold it briefly)."""
    deadline = time.monotonic() + within_s
    while not _port_free(port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def _healthy(spec: ServiceSpec) -> str | None:
    """None if the service answers its protocol, else why not."""
    try:
        spec.probe()
    except (ProbeFailed, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None


def prepare_data_dir(settings: Settings) -> None:
    """Create the data folder and DAGSTER_HOME (telemetry off)."""
    root = settings.data_path
    if root.exists() and not root.is_dir():
        raise StackError(f"data folder {root} exists but is not a folder (IBE_DATA_DIR)")
    for sub in ("run", "logs", "store", "warehouse"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    dagster_yaml = settings.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists() or dagster_yaml.read_text().startswith(DAGSTER_YAML_MARKER):
        dagster_yaml.write_text(DAGSTER_YAML)


def _start(spec: ServiceSpec, settings: Settings) -> ServiceStatus:
    pid_file, log_file = _paths(settings, spec.name)
    record = process.read_pid(pid_file)
    if record is not None and process.is_ours(record):
        problem = _wait_healthy(spec, record, log_file, timeout_s=spec.start_timeout_s)
        if problem is None:
            return ServiceStatus(spec.name, "reused", spec.address, record.pid)
        raise StackError(f"{spec.name} (pid {record.pid}) runs but does not answer: {problem}")
    if pid_file.exists():
        pid_file.unlink()  # stale: the process is gone or the pid belongs to someone else
    for field, port in spec.ports.items():
        if not _port_freed(port, PORT_RELEASE_S):
            raise StackError(
                f"port {port} ({spec.name}) is in use by another program; stop it or set IBE_{field.upper()}"
            )
    try:
        command = spec.command()
    except BinaryMissing as exc:
        raise StackError(str(exc)) from None
    record = process.spawn(command, log_file, pid_file, env=spec.env, cwd=spec.cwd)
    problem = _wait_healthy(spec, record, log_file, timeout_s=spec.start_timeout_s)
    if problem is not None:
        process.stop(record)
        pid_file.unlink(missing_ok=True)
        raise StackError(f"{spec.name} did not come up: {problem}")
    return ServiceStatus(spec.name, "started", spec.address, record.pid)


def _wait_healthy(
    spec: ServiceSpec, record: process.PidRecord, log_file: Path, timeout_s: float
) -> str | None:
    deadline = time.monotonic() + timeout_s
    problem: str | None = "not checked"
    while time.monotonic() < deadline:
        problem = _healthy(spec)
        alive_long_enough = time.time() - record.started_at >= spec.min_uptime_s
        if problem is None and alive_long_enough and not process.exited(record.pid):
            return None
        if process.exited(record.pid):
            return f"exited; log {log_file}: {process.tail(log_file)}"
        time.sleep(0.1)
    return f"{problem} (after {timeout_s:.0f}s; log {log_file})"


def up(
    settings: Settings,
    dagster_ui: bool = False,
    project_root: Path | None = None,
    on_status: Callable[[ServiceStatus], None] | None = None,
    platform: bool = False,
) -> list[ServiceStatus]:
    """Start every embedded service that is not running yet; returns what happened to each."""
    prepare_data_dir(settings)
    result = []
    for spec in embedded_services(settings, dagster_ui, project_root, platform=platform):
        if spec.external:
            problem = _healthy(spec) if spec.name != "temporal" else None
            status = ServiceStatus(spec.name, "external", spec.address, None, problem or "")
        else:
            status = _start(spec, settings)
        result.append(status)
        if on_status:
            on_status(status)
    return result


def down(settings: Settings) -> list[ServiceStatus]:
    """Stop what `up` started (in reverse order); leaves anything else alone."""
    result = []
    for spec in reversed(embedded_services(settings, dagster_ui=True, platform=True)):
        pid_file, _ = _paths(settings, spec.name)
        record = process.read_pid(pid_file)
        if record is None:
            continue
        if process.is_ours(record):
            process.stop(record)
            result.append(ServiceStatus(spec.name, "stopped", spec.address, record.pid))
        pid_file.unlink(missing_ok=True)
    return result


def _spec(settings: Settings, name: str) -> ServiceSpec:
    specs = {spec.name: spec for spec in embedded_services(settings, platform=True)}
    if name not in specs:
        raise StackError(f"no embedded service {name!r} (known: {', '.join(specs)})")
    return specs[name]


def kill(settings: Settings, name: str) -> int | None:
    """SIGKILL one service that `up` started, with its whole process group, as a crash would.

    Returns the pid it killed, or None when the service was not running. `start` brings it back.
    """
    pid_file, _ = _paths(settings, _spec(settings, name).name)
    record = process.read_pid(pid_file)
    if record is None or not process.is_ours(record):
        return None
    process.kill(record)
    pid_file.unlink(missing_ok=True)
    return record.pid


def start(settings: Settings, name: str) -> ServiceStatus:
    """Start one service (`up`'s way: reused if it runs and answers, else started and awaited)."""
    return _start(_spec(settings, name), settings)


def status(settings: Settings) -> list[ServiceStatus]:
    result = []
    for spec in embedded_services(settings, dagster_ui=True, platform=True):
        if spec.external:
            problem = _healthy(spec) if spec.name != "temporal" else None
            result.append(ServiceStatus(spec.name, "external", spec.address, None, problem or "answers"))
            continue
        pid_file, _ = _paths(settings, spec.name)
        record = process.read_pid(pid_file)
        if record is None or not process.is_ours(record):
            if spec.name in ("temporal", "kafka", "redis"):
                result.append(
                    ServiceStatus(spec.name, "down", spec.address, None, "stale pid file" if record else "")
                )
            continue
        problem = _healthy(spec)
        state = "running" if problem is None else "unhealthy"
        result.append(ServiceStatus(spec.name, state, spec.address, record.pid, problem or "answers"))
    return result

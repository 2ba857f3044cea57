"""The front end on a real port, over the booking API on a real port, with the RateHawk and payments
simulators and a saga worker (the `sim_env` of tests/booking_api), all in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core.booking.apikeys import create_api_key
from core.kv import open_store
from tests.booking_api.conftest import (  # noqa: F401 - fixtures used by the web tests
    SimEnv,
    payments_server,
    ratehawk_server,
    sim_env,
)
from tests.servers import Served, free_port


@asynccontextmanager
async def serve_here(app: Any, lifespan: str = "off", timeout_s: float = 20.0) -> AsyncIterator[Served]:
    """Serve `app` with uvicorn on a free loopback port inside the running event loop."""
    import uvicorn

    served = Served(free_port())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=served.port, log_level="warning", lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("test server did not start")
            await asyncio.sleep(0.02)
        yield served
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@dataclass
class WebEnv:
    sim: SimEnv
    api_url: str
    url: str
    app: Any
    client: httpx.AsyncClient

    @property
    def web(self) -> Any:
        return self.app.state.web


def web_key(settings: Any) -> str:
    with open_store(settings) as store:
        token, _ = create_api_key(
            store, "ibe-web", ["search", "book"], "web", rate_per_minute=60_000, burst=2_000
        )
    return token


@pytest.fixture
async def web_env(sim_env: SimEnv, unique: str) -> AsyncIterator[WebEnv]:  # noqa: F811
    from web.app import WebConfig, create_app

    async with serve_here(sim_env.api.app) as api:
        config = WebConfig(api_url=api.url, api_key=web_key(sim_env.settings), redis_prefix=f"t{unique}web:",
                           watch_interval_s=0.2, status_poll_ms=300)  # fmt: skip
        app = create_app(sim_env.settings, config)
        async with (
            serve_here(app, lifespan="on") as served,
            httpx.AsyncClient(base_url=served.url, timeout=30) as client,
        ):
            yield WebEnv(sim_env, api.url, served.url, app, client)

"""The Redis-backed limiter: several processes on one API key share its budget per endpoint."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from core.config import Settings
from core.ratehawk.client import RateHawkClient
from core.ratehawk.ratelimit import Limit, SharedRateLimiter
from core.stack import binaries
from tests.core.ratehawk.client_sim import simulated
from tests.servers import free_port


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = [str(binaries.valkey_server()), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
               "--save", "", "--appendonly", "no"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_two_processes_share_one_budget(redis_server: str):
    async with simulated(limits={"search/multicomplete/": (5, 1)}) as sim:
        other = RateHawkClient(
            "http://ratehawk-sim.test", "1000", "00000000-0000-4000-8000-000000000000",
            transport=sim.transport,
        )  # fmt: skip
        clients = [sim.client, other]
        for client in clients:
            await client.limiter.aclose()
            client.limiter = SharedRateLimiter.from_url(redis_server, "test:ratehawk:1000")
        started = time.monotonic()
        await asyncio.gather(*(clients[i % 2].multicomplete("ber") for i in range(12)))
        elapsed = time.monotonic() - started
        await other.aclose()
    assert [c.stats.rate_limited for c in clients] == [0, 0]
    assert sim.state.stats["search/multicomplete/ endpoint_exceeded_limit"] == 0
    assert elapsed >= 2.0  # 12 calls at 5 per second between both


async def test_separate_local_limiters_on_one_key_overrun_it():
    """Why the shared limiter exists: two processes pacing alone each send the whole budget."""
    async with simulated(limits={"search/multicomplete/": (5, 1)}) as sim:
        other = RateHawkClient(
            "http://ratehawk-sim.test", "1000", "00000000-0000-4000-8000-000000000000",
            transport=sim.transport,
        )  # fmt: skip
        await asyncio.gather(*([sim.client, other][i % 2].multicomplete("ber") for i in range(10)))
        await other.aclose()
    assert sim.client.stats.rate_limited + other.stats.rate_limited > 0


async def test_a_429_in_one_process_holds_the_others(redis_server: str):
    first = SharedRateLimiter.from_url(redis_server, "test:block", limits={"hotel/prebook/": Limit(100, 60)})
    second = SharedRateLimiter.from_url(redis_server, "test:block", limits={"hotel/prebook/": Limit(100, 60)})
    try:
        await first.block("hotel/prebook/", 0.4)
        started = time.monotonic()
        await second.acquire("hotel/prebook/")
        assert time.monotonic() - started >= 0.3
        # the server reporting usage we did not make (another partner system on the key) fills the log
        await first.observe(
            "search/hp/",
            {"x-ratelimit-requestsnumber": "3", "x-ratelimit-secondsnumber": "1", "x-ratelimit-remaining": "0",
             "x-ratelimit-reset": "0.3"},
        )  # fmt: skip
        second.set_limit("search/hp/", Limit(3, 1))
        started = time.monotonic()
        await second.acquire("search/hp/")
        assert time.monotonic() - started >= 0.3
    finally:
        await first.aclose()
        await second.aclose()


def test_from_settings_opts_into_the_shared_limiter(redis_server: str, tmp_path: Path):
    settings = Settings(data_dir=tmp_path, redis_url=redis_server, ratehawk_key_id="4242")
    client = RateHawkClient.from_settings(settings, shared_limits=True)
    assert isinstance(client.limiter, SharedRateLimiter)
    assert client.limiter._keys("search/hp/")[0] == "ibe:ratehawk:4242:search/hp/:log"
    asyncio.run(client.aclose())


async def test_without_redis_the_process_paces_alone():
    limiter = SharedRateLimiter.from_url(
        f"redis://127.0.0.1:{free_port()}/0", "test:down", limits={"search/hp/": Limit(2, 0.5)}
    )
    try:
        started = time.monotonic()
        for _ in range(3):
            await limiter.acquire("search/hp/")
        await limiter.observe("search/hp/", {"x-ratelimit-remaining": "1"})
        await limiter.block("search/hp/", 0.01)
    finally:
        await limiter.aclose()
    assert limiter.degraded and time.monotonic() - started >= 0.5

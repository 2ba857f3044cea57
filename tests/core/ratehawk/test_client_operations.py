"""The client against the simulator under load and faults: rate limits, dump files, 5xx, timeouts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from core.ratehawk import errors
from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, FaultSettings
from core.ratehawk.synthetic import TEST_HOTEL_HID, iter_dump_lines
from tests.core.ratehawk.client_sim import simulated, start_booking, stay

AUTH = (DEFAULT_KEY_ID, DEFAULT_API_KEY)


async def test_a_burst_gets_429_but_the_paced_client_never_does():
    async with simulated(limits={"search/multicomplete/": (4, 1)}) as sim:
        async with sim.admin() as raw:
            answers = [
                await raw.post("/api/b2b/v3/search/multicomplete/", json={"query": "ber"}, auth=AUTH)
                for _ in range(7)
            ]
            assert [a.status_code for a in answers].count(429) == 3
            refused = answers[-1]
            assert refused.json()["error"] == "endpoint_exceeded_limit"
            assert refused.headers["X-RateLimit-Remaining"] == "0" and refused.headers["X-RateLimit-Reset"]
            await raw.post("/admin/reset")

        started = time.monotonic()
        results = await asyncio.gather(*(sim.client.multicomplete("ber") for _ in range(12)))
        elapsed = time.monotonic() - started
    assert len(results) == 12
    assert sim.client.stats.rate_limited == 0 and sim.client.stats.statuses[429] == 0
    assert sim.state.stats["search/multicomplete/ endpoint_exceeded_limit"] == 0
    assert elapsed >= 2.0  # 12 calls at 4 per second: three windows


async def test_dump_files_stream_resume_and_survive_link_expiry(tmp_path: Path):
    async with simulated(hotels=150) as sim:
        client = sim.client
        with pytest.raises(errors.DumpNotReadyError):
            await client.hotel_dump()
        assert await asyncio.to_thread(sim.state.dumps.wait, 60)
        manifest = sim.state.dumps.manifest

        full = await client.download_hotel_dump(tmp_path / "full.jsonl.zst", verify_zstd=True)
        assert full.sha256 == manifest.files["full"].sha256
        assert sum(1 for _ in iter_dump_lines(full.path)) == 150

        link = await client.hotel_dump()
        half = full.size // 2
        (tmp_path / "again.jsonl.zst.part").write_bytes(full.path.read_bytes()[:half])
        again = await client.download(link.url, tmp_path / "again.jsonl.zst")
        assert again.resumed_from == half and again.path.read_bytes() == full.path.read_bytes()

        sim.clock.offset += 3_700  # the signed link is valid one hour
        fresh_calls = []

        async def fresh() -> str:
            fresh_calls.append(1)
            return (await client.hotel_dump()).url

        late = await client.download(link.url, tmp_path / "late.jsonl.zst", refresh_url=fresh)
        assert late.sha256 == full.sha256 and fresh_calls == [1]

        incremental = await client.download_hotel_dump(tmp_path / "inc.jsonl.zst", incremental=True)
        assert incremental.sha256 == manifest.files["incremental"].sha256
        regions = await client.download((await client.region_dump()).url, tmp_path / "regions.jsonl.zst")
        assert regions.sha256 == manifest.files["regions"].sha256
        assert not list(tmp_path.glob("*.part*"))


async def test_5xx_bursts_are_retried_and_retries_are_bounded():
    async with simulated(max_attempts=3) as sim:
        admin = sim.admin()
        await admin.post(
            "/admin/faults", json={"burst_every": 3, "burst_length": 2, "endpoints": ["search/hp/"]}
        )
        for _ in range(2):
            await sim.client.hotel_page(stay(), TEST_HOTEL_HID)
        page = await sim.client.hotel_page(stay(), TEST_HOTEL_HID)  # calls 3 and 4 fail, 5 answers
        assert page.hotels and sim.client.stats.retries == 2 and sim.client.stats.statuses[503] == 2

        await admin.put("/admin/faults", json={"error_rate": 1.0, "endpoints": ["search/hp/"]})
        with pytest.raises(errors.TransientError) as caught:
            await sim.client.hotel_page(stay(), TEST_HOTEL_HID)
        assert caught.value.http_status == 500 and sim.client.stats.retries == 4
        await admin.aclose()


async def test_finish_that_times_out_after_the_work_goes_on_to_polling():
    async with simulated(timeout_s=0.3) as sim:
        async with sim.admin() as admin:
            await admin.post(
                "/admin/faults",
                json={"timeout_rate": 1.0, "timeout_s": 5, "endpoints": ["hotel/order/booking/finish/"]},
            )
        _, _, _, outcome = await start_booking(sim, "ibe-to-0001")
        assert outcome == "pending"
        status = await sim.client.wait_for_booking("ibe-to-0001", interval_s=0.01, deadline_s=5)
        assert status.confirmed


async def test_status_stays_processing_for_a_while():
    async with simulated(faults=FaultSettings(processing_s=0.3)) as sim:
        await start_booking(sim, "ibe-proc-0001")
        first = await sim.client.booking_status("ibe-proc-0001")
        assert first.status == "processing"
        status = await sim.client.wait_for_booking("ibe-proc-0001", interval_s=0.05, deadline_s=5)
        assert status.confirmed and sim.state.orders[(DEFAULT_KEY_ID, "ibe-proc-0001")].polls >= 3

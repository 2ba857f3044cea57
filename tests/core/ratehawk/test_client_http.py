"""`RateHawkClient.from_settings` against `ibe simulator` over real HTTP: the same wiring the real API
gets (base URL and credentials from settings), a booking and a dump download with resume."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.ratehawk import errors
from core.ratehawk.client import RateHawkClient
from core.ratehawk.synthetic import TEST_HOTEL_HID, iter_dump_lines
from tests.core.ratehawk.client_sim import finish_for, stay
from tests.servers import ibe_process


@pytest.fixture
def simulator_process(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    args = ("simulator", "--hotels", "200", "--seed", "5", "--dump-dir", str(tmp_path / "dumps"))
    with ibe_process(*args, ready_url=f"{settings.ratehawk_url}/admin/stats", timeout_s=60):
        yield settings


async def test_booking_and_dump_over_http_with_settings_only(simulator_process: Settings, tmp_path: Path):
    async with RateHawkClient.from_settings(simulator_process, timeout_s=10.0) as client:
        params = stay()
        page = await client.hotel_page(params, TEST_HOTEL_HID)
        prebooked = await client.prebook(page.hotels[0].rates[0].book_hash or "")
        form = await client.booking_form("ibe-http-0001", prebooked.rate.book_hash or "", user_ip="10.9.8.7")
        assert (
            await client.booking_finish(finish_for("ibe-http-0001", params, form.payment_types[0]))
            == "accepted"
        )
        assert (await client.wait_for_booking("ibe-http-0001", interval_s=0.05, deadline_s=10)).confirmed

        link = None
        for _ in range(300):  # the simulator builds its dumps on the first request
            try:
                link = await client.hotel_dump()
                break
            except errors.DumpNotReadyError:
                await asyncio.sleep(0.1)
        assert link is not None
        whole = await client.download(link.url, tmp_path / "full.jsonl.zst")
        part = tmp_path / "resumed.jsonl.zst.part"
        part.write_bytes(whole.path.read_bytes()[: whole.size // 3])
        resumed = await client.download(link.url, tmp_path / "resumed.jsonl.zst", verify_zstd=True)
    assert resumed.resumed_from == whole.size // 3 and resumed.sha256 == whole.sha256
    assert sum(1 for _ in iter_dump_lines(resumed.path)) == 200
    assert client.stats.rate_limited == 0

"""RateHawk and payment clients against their simulators: booking flows/s, pacing, dump download.

- booking: hotel page -> prebook -> form -> finish -> status through `RateHawkClient`, in-process
  simulator (ASGI, no network), rate limits off: flows/s and mean ms per API call.
- pacing: a published limit of 10 calls/s on the hotel page, 40 concurrent calls: achieved rate and
  429s seen (must be 0).
- dump: the simulator's full dump (N hotels) served by uvicorn on a free port, downloaded with
  `download_hotel_dump(verify_zstd=True)`: MB/s, SHA-256 and zstd checks included.
- payments: authorize + capture pairs/s through `PaymentsClient`, in-process simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from core.stack.ports import free_port


def _stay():  # two adults, one room, 45 days ahead, 3 nights
    from datetime import UTC, datetime, timedelta

    from core.ratehawk.models import GuestRoom, SearchParams

    checkin = datetime.now(UTC).date() + timedelta(days=45)
    return SearchParams(
        checkin=checkin, checkout=checkin + timedelta(days=3), residency="gb", guests=[GuestRoom(adults=2)]
    )


def _finish(partner_order_id: str, payment):  # type: ignore[no-untyped-def]
    from core.ratehawk.models import FinishRequest

    guests = [{"first_name": "Ada", "last_name": "Lovelace"}, {"first_name": "Alan", "last_name": "Turing"}]
    return FinishRequest.model_validate(
        {
            "partner": {"partner_order_id": partner_order_id},
            "user": {"email": "bench@example.com"},
            "rooms": [{"guests": guests}],
            "payment_type": {
                "type": payment.type,
                "amount": payment.amount,
                "currency_code": payment.currency_code,
            },
        }
    )


@asynccontextmanager
async def _client_on_simulator(**config: Any) -> AsyncIterator[Any]:
    """A RateHawkClient on an in-process simulator (ASGI, no network)."""
    import httpx
    from asgi_lifespan import LifespanManager

    from core.ratehawk.client import RateHawkClient
    from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, SimulatorConfig, create_app

    app = create_app(SimulatorConfig(hotels=1_000, seed=1, **config))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app)
        async with RateHawkClient(
            "http://sim", DEFAULT_KEY_ID, DEFAULT_API_KEY, transport=transport
        ) as client:
            yield client


async def bench_booking(flows: int) -> None:
    from core.ratehawk.synthetic import TEST_HOTEL_HID

    async with _client_on_simulator(rate_limits=False, lock_window_s=0.0) as client:
        params = _stay()
        started = time.perf_counter()
        for n in range(flows):
            page = await client.hotel_page(params, TEST_HOTEL_HID)
            prebooked = await client.prebook(page.hotels[0].rates[0].book_hash or "")
            pid = f"bench-{n:06d}"
            form = await client.booking_form(pid, prebooked.rate.book_hash or "", user_ip="10.0.0.1")
            await client.booking_finish(_finish(pid, form.payment_types[0]))
            await client.wait_for_booking(pid, interval_s=0.0)
        elapsed = time.perf_counter() - started
    calls = client.stats.requests
    print(f"booking: {flows} flows, {calls} calls in {elapsed:.2f} s -> {flows / elapsed:,.0f} flows/s, "
          f"{elapsed / calls * 1000:.2f} ms/call (client + in-process simulator)")  # fmt: skip


async def bench_pacing(calls: int, per_second: int) -> None:
    from core.ratehawk.synthetic import TEST_HOTEL_HID

    async with _client_on_simulator(limits={"search/hp/": (per_second, 1)}) as client:
        params = _stay()
        started = time.perf_counter()
        await asyncio.gather(*(client.hotel_page(params, TEST_HOTEL_HID) for _ in range(calls)))
        elapsed = time.perf_counter() - started
    ideal = -(-calls // per_second) - 1  # the first window's calls go at once
    print(f"pacing: {calls} calls at a published {per_second}/s: {elapsed:.2f} s (ideal {ideal} s), "
          f"{client.stats.rate_limited} x 429")  # fmt: skip


def bench_dump(hotels: int) -> None:
    import uvicorn

    from core.ratehawk.client import RateHawkClient
    from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, SimulatorConfig, create_app
    from core.ratehawk.synthetic import write_dumps

    with tempfile.TemporaryDirectory(prefix="bench-dump-") as tmp:
        dumps = Path(tmp) / "dumps"
        write_dumps(dumps, hotels, seed=1)
        port = free_port()
        app = create_app(SimulatorConfig(hotels=hotels, seed=1, dump_dir=dumps))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            while not server.started:
                time.sleep(0.05)

            async def download() -> tuple[float, int]:
                async with RateHawkClient(
                    f"http://127.0.0.1:{port}", DEFAULT_KEY_ID, DEFAULT_API_KEY
                ) as client:
                    started = time.perf_counter()
                    result = await client.download_hotel_dump(Path(tmp) / "full.jsonl.zst", verify_zstd=True)
                    return time.perf_counter() - started, result.size

            elapsed, size = asyncio.run(download())
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    print(f"dump: {hotels:,} hotels, {size / 1e6:.1f} MB zstd over HTTP in {elapsed:.2f} s -> "
          f"{size / 1e6 / elapsed:.0f} MB/s (with SHA-256 and a full zstd decode)")  # fmt: skip


async def bench_payments(pairs: int) -> None:
    import httpx

    from core.domain.money import Money
    from core.payments.client import PaymentsClient
    from core.payments.models import CARD_OK
    from core.payments.simulator import SimulatorConfig, create_app

    app = create_app(SimulatorConfig(api_key="bench"))
    async with PaymentsClient("http://payments", "bench", transport=httpx.ASGITransport(app)) as client:
        started = time.perf_counter()
        for n in range(pairs):
            payment = await client.authorize(Money.of("120.50", "EUR"), CARD_OK, idempotency_key=f"a{n}")
            await client.capture(payment.id, idempotency_key=f"c{n}")
        elapsed = time.perf_counter() - started
    print(f"payments: {pairs} authorize+capture in {elapsed:.2f} s -> {pairs / elapsed:,.0f} pairs/s")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench supplier_clients")
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--dump-hotels", type=int, default=20_000)
    parser.add_argument("--payments", type=int, default=500)
    args = parser.parse_args(argv)
    asyncio.run(bench_booking(args.flows))
    asyncio.run(bench_pacing(40, 10))
    bench_dump(args.dump_hotels)
    asyncio.run(bench_payments(args.payments))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

"""Synthetic catalog generation rate, and the RateHawk simulator's search throughput.

Generation: `write_dumps` of N hotels (full + incremental + region dumps, 1% bad lines) into a
temporary folder, with all cores; prints hotels/s, raw and compressed MB/s, bytes per hotel, and the
time 3M hotels would take at that rate. Simulator: in-process (httpx ASGITransport, no network),
rate limits off, one client, for a few seconds per search kind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import date, timedelta

REAL_CATALOG = 3_000_000


def bench_generation(hotels: int, workers: int | None, bad_fraction: float) -> None:
    from core.ratehawk.synthetic import write_dumps

    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        started = time.perf_counter()
        manifest = write_dumps(tmp, hotels, seed=1, bad_fraction=bad_fraction, workers=workers)
        elapsed = time.perf_counter() - started
    full = manifest.files["full"]
    rate = hotels / elapsed
    print(f"generate: {hotels:,} hotels, workers={workers or os.cpu_count()}, bad fraction {bad_fraction}")
    print(f"  {elapsed:.1f} s -> {rate:,.0f} hotels/s, {full.raw_bytes / 1e6 / elapsed:,.0f} MB/s raw JSON")
    print(
        f"  {full.raw_bytes / hotels:,.0f} B/hotel raw, {full.bytes / hotels:,.0f} B/hotel zstd "
        f"(ratio {full.raw_bytes / full.bytes:.1f}x)"
    )
    projected = REAL_CATALOG / rate
    print(
        f"  3M hotels at this rate: {projected / 60:.1f} min, "
        f"{full.raw_bytes / hotels * REAL_CATALOG / 1e9:.1f} GB raw, {full.bytes / hotels * REAL_CATALOG / 1e9:.1f} GB zstd"
    )


async def _throughput(hotels: int, seconds: float) -> None:
    import httpx
    from asgi_lifespan import LifespanManager

    from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, SimulatorConfig, create_app
    from core.ratehawk.synthetic import hid_at, region_of

    app = create_app(SimulatorConfig(hotels=hotels, seed=1, rate_limits=False, lock_window_s=0.0))
    checkin = date.today() + timedelta(days=45)
    stay = {
        "checkin": checkin.isoformat(),
        "checkout": (checkin + timedelta(days=3)).isoformat(),
        "residency": "gb",
        "language": "en",
        "currency": "EUR",
        "guests": [{"adults": 2, "children": []}],
    }
    region_id = region_of(1, hid_at(3)).id
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sim/api/b2b/v3/", auth=(DEFAULT_KEY_ID, DEFAULT_API_KEY)
        ) as http:
            started = time.perf_counter()
            await http.post("search/multicomplete/", json={"query": "x"})  # builds the catalog index
            print(f"simulator: {hotels:,} hotels, index built in {time.perf_counter() - started:.2f} s")
            kinds = {
                "serp/hotels (20 hids)": lambda i: http.post(
                    "search/serp/hotels/",
                    json={**stay, "hids": [hid_at(3 + (i * 20 + k) % hotels) for k in range(20)]},
                ),
                "hp (1 hotel)": lambda i: http.post(
                    "search/hp/", json={**stay, "hid": hid_at(3 + i % hotels)}
                ),
                "serp/region (a city)": lambda i: http.post(
                    "search/serp/region/", json={**stay, "region_id": region_id}
                ),
            }
            for name, send in kinds.items():
                calls = hotels_seen = 0
                started = time.perf_counter()
                while time.perf_counter() - started < seconds:
                    answer = await send(calls)
                    answer.raise_for_status()
                    hotels_seen += len(answer.json()["data"]["hotels"])
                    calls += 1
                elapsed = time.perf_counter() - started
                print(
                    f"  {name}: {calls / elapsed:,.1f} calls/s, {hotels_seen / elapsed:,.0f} hotels with rates/s"
                )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.generate")
    parser.add_argument("--hotels", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--bad-fraction", type=float, default=0.01)
    parser.add_argument("--sim-hotels", type=int, default=10_000)
    parser.add_argument("--sim-seconds", type=float, default=4.0)
    parser.add_argument("--skip-simulator", action="store_true")
    args = parser.parse_args(argv)
    bench_generation(args.hotels, args.workers or None, args.bad_fraction)
    if not args.skip_simulator:
        asyncio.run(_throughput(args.sim_hotels, args.sim_seconds))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

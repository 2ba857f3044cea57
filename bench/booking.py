"""Booking API and saga throughput on the embedded stack, with the simulators answering instantly.

Processes (all on free ports, data in a temporary folder): Temporal, Kafka and Redis from the
embedded stack; the RateHawk and payments simulators; `ibe api`; `ibe worker`; and a bare FastAPI
app with one JSON endpoint, served by the same uvicorn, as the baseline. The load generator keeps
`--concurrency` requests in flight (httpx) and reports p50/p99 latency and requests/s:

1. the bare endpoint;
2. the simulator's own search answer, called directly (what the API cannot be faster than), then
   search (`POST /v1/search` by 20 hids), every request different, so none is served from the cache;
3. the same search repeated (served from the Redis page cache);
4. bookings through the saga (POST, then poll until confirmed) beside a no-op saga with the same
   number of activities on the same Temporal server (the ratio is the saga's own cost);
5. bookings with the supplier simulator failing 1% of calls: the share that still confirms.

Run: `python -m bench booking` (or `make bench`). Modest N: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import timedelta as td
from pathlib import Path
from typing import Any

import httpx
from temporalio import activity, workflow

from core.stack.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
IBE = str(Path(sys.executable).parent / "ibe")
TEST_HOTEL = 8473727
HOTELS = 300


def bare_app() -> Any:
    """The baseline: FastAPI returning a small JSON document, nothing else."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/bare")
    async def bare(body: dict[str, Any]) -> dict[str, Any]:
        return {"hotels": [{"hid": i, "name": "Hotel", "rates": []} for i in range(20)], "echo": len(body)}

    return app


@dataclass
class Result:
    name: str
    n: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.n / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<22} n={self.n:<5} {self.rps:>8.0f} req/s  p50 {self.pct(0.5):6.1f} ms  "
            f"p99 {self.pct(0.99):6.1f} ms  errors {self.errors}"
        )


async def load(name: str, n: int, concurrency: int, call: Callable[[int], Awaitable[bool]]) -> Result:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(n))

    async def worker() -> None:
        nonlocal errors
        for i in counter:
            start = time.perf_counter()
            ok = await call(i)
            latencies.append(time.perf_counter() - start)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, n, time.perf_counter() - started, latencies, errors)


def _wait_http(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def _load_catalog(settings: Any) -> None:
    import orjson
    import xxhash

    from core.catalog.serving import ServingLoad, ServingRow
    from core.kv import open_store
    from core.ratehawk.synthetic.hotels import hid_at, hotel_record

    rows = []
    for i in range(HOTELS):
        rec = hotel_record(1, hid_at(i))
        raw = orjson.dumps(rec)
        rows.append(ServingRow(rec["hid"], xxhash.xxh3_128_digest(raw), raw, rec["region"]["id"],
                               rec["latitude"], rec["longitude"]))  # fmt: skip
    with open_store(settings) as store:
        load_ = ServingLoad.open(store, "bench", "full")
        load_.write(rows)
        load_.publish()


# -- the no-op saga: same number of activities as a happy booking, doing nothing --------------------
@activity.defn(name="bench.noop")
async def noop(step: str) -> str:
    return step


@workflow.defn(name="BenchNoopSaga", sandboxed=False)
class NoopSaga:
    @workflow.run
    async def run(self, booking_id: str) -> str:
        for step in (
            "hold",
            "prebook",
            "form",
            "authorize",
            "finish",
            "status",
            "capture",
            "confirm",
            "sweep",
        ):
            await workflow.execute_activity(noop, step, start_to_close_timeout=td(seconds=30))
        return "confirmed"


async def _noop_sagas(temporal: str, n: int, concurrency: int) -> Result:
    from temporalio.client import Client
    from temporalio.worker import Worker

    saga = NoopSaga
    client = await Client.connect(temporal)
    queue = f"bench-noop-{os.getpid()}"
    async with Worker(client, task_queue=queue, workflows=[saga], activities=[noop]):

        async def one(i: int) -> bool:
            result = await client.execute_workflow(saga.run, f"noop-{time.time_ns()}-{i}", id=f"noop-{time.time_ns()}-{i}",
                                                   task_queue=queue)  # fmt: skip
            return bool(result == "confirmed")

        return await load("no-op saga (9 acts)", n, concurrency, one)


async def _bench(args: argparse.Namespace, urls: dict[str, str], token: str, temporal: str) -> list[str]:
    out: list[str] = []
    auth = {"Authorization": f"Bearer {token}"}
    checkin0 = date.today() + timedelta(days=20)
    limits = httpx.Limits(
        max_connections=args.concurrency * 2, max_keepalive_connections=args.concurrency * 2
    )
    from core.ratehawk.synthetic.hotels import hid_at

    hids = [hid_at(i) for i in range(3, 23)]

    def search_body(i: int) -> dict[str, Any]:
        checkin = checkin0 + timedelta(days=i % 400)
        return {"checkin": checkin.isoformat(), "checkout": (checkin + timedelta(days=2)).isoformat(),
                "residency": "gb", "currency": "EUR", "guests": [{"adults": 1 + (i // 400) % 2}], "hids": hids}  # fmt: skip

    cached_body = {**search_body(0), "residency": "fr"}  # never among the uncached requests

    async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:
        # warm up every path once
        await http.post(urls["bare"] + "/bare", json={"a": 1})
        await http.post(urls["api"] + "/v1/search", json=cached_body, headers=auth)

        async def bare(i: int) -> bool:
            return (await http.post(urls["bare"] + "/bare", json=search_body(i))).status_code == 200

        async def search(i: int) -> bool:
            resp = await http.post(urls["api"] + "/v1/search", json=search_body(i), headers=auth)
            return resp.status_code == 200 and resp.json()["cached"] is False

        async def cached(i: int) -> bool:
            resp = await http.post(urls["api"] + "/v1/search", json=cached_body, headers=auth)
            return resp.status_code == 200 and resp.json()["cached"] is True

        sim_auth = httpx.BasicAuth("1000", "00000000-0000-4000-8000-000000000000")

        async def direct(i: int) -> bool:
            body = {**search_body(i), "language": "en"}
            resp = await http.post(
                urls["simulator"] + "/api/b2b/v3/search/serp/hotels/", json=body, auth=sim_auth
            )
            return resp.status_code == 200

        r_bare = await load("bare FastAPI JSON", args.requests, args.concurrency, bare)
        r_direct = await load("simulator serp direct", min(args.requests, 800), args.concurrency, direct)
        r_search = await load("search (uncached)", min(args.requests, 800), args.concurrency, search)
        r_cached = await load("search (cached page)", args.requests, args.concurrency, cached)
        out += [r_bare.line(), r_direct.line(), r_search.line(), r_cached.line()]
        stats = (await http.get(urls["simulator"] + "/admin/stats")).json()["data"]
        trouble = {k: v for k, v in stats.items() if not k.endswith((" ok", " total"))}
        out.append(f"simulator answers other than ok during the searches: {trouble or 'none'}")
        out.append(
            f"search/bare: throughput {r_bare.rps / r_search.rps:.1f}x lower, p99 {r_search.pct(0.99) / r_bare.pct(0.99):.1f}x"
        )

        # a rate to book
        stay = {"checkin": (checkin0 + timedelta(days=5)).isoformat(),
                "checkout": (checkin0 + timedelta(days=7)).isoformat(), "residency": "gb", "currency": "EUR",
                "guests": [{"adults": 2}]}  # fmt: skip
        rates = (
            await http.post(f"{urls['api']}/v1/hotels/{TEST_HOTEL}/rates", json=stay, headers=auth)
        ).json()
        rate = rates["rates"][0]
        booking = {"hid": TEST_HOTEL, "room": rate["room_name"], "book_hash": rate["book_hash"],
                   "checkin": stay["checkin"], "checkout": stay["checkout"], "residency": "gb",
                   "rooms": [{"adults": 2, "children": [], "guests": [{"first_name": "A", "last_name": "B"},
                                                                     {"first_name": "C", "last_name": "D"}]}],
                   "user": {"email": "bench@example.com"}, "price": rate["price"], "payment_token": "tok_visa"}  # fmt: skip
        run_id = time.time_ns()

        async def book(i: int) -> bool:
            resp = await http.post(urls["api"] + "/v1/bookings", json=booking,
                                   headers={**auth, "Idempotency-Key": f"bench-{run_id}-{i}"})  # fmt: skip
            if resp.status_code != 202:
                return False
            status_url = resp.json()["status_url"]
            for _ in range(600):
                state = (await http.get(status_url, headers=auth)).json()["state"]
                if state in ("confirmed", "failed"):
                    return bool(state == "confirmed")
                await asyncio.sleep(0.05)
            return False

        r_book = await load("booking saga", args.bookings, args.booking_concurrency, book)
        r_noop = await _noop_sagas(temporal, args.bookings, args.booking_concurrency)
        out += [r_book.line(), r_noop.line()]
        out.append(
            f"bookings/s: saga {r_book.rps:.1f} vs no-op saga {r_noop.rps:.1f} (ratio {r_noop.rps / r_book.rps:.1f}x)"
        )

        await http.put(urls["simulator"] + "/admin/faults", json={"error_rate": 0.01})
        run_id = time.time_ns()
        r_faults = await load("booking, 1% faults", args.bookings, args.booking_concurrency, book)
        await http.put(urls["simulator"] + "/admin/faults", json={})
        ok = r_faults.n - r_faults.errors
        out.append(
            f"booking success with 1% supplier faults: {ok}/{r_faults.n} ({100 * ok / r_faults.n:.2f}%)"
        )
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.booking")
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--bookings", type=int, default=40)
    parser.add_argument("--booking-concurrency", type=int, default=8)
    args = parser.parse_args(argv)

    from bench._platform import bench_platform
    from core.booking.apikeys import create_api_key
    from core.kv import open_store

    with bench_platform("bench-booking-", ("simulator_port", "payments_port", "api_port")) as platform:
        ports, settings = platform.ports, platform.settings
        _load_catalog(settings)
        with open_store(settings) as store:
            token, _ = create_api_key(
                store, "bench", ["admin"], "bench", rate_per_minute=10_000_000, burst=100_000
            )
        bare_port = free_port()
        platform.spawn(
            [IBE, "simulator", "--hotels", str(HOTELS), "--seed", "1", "--no-rate-limits"],
            [IBE, "payments-simulator"],
            [IBE, "api", "--task-queue", "bench"],
            [IBE, "worker", "--task-queue", "bench"],
            [sys.executable, "-m", "uvicorn", "bench.booking:bare_app", "--factory", "--port", str(bare_port),
             "--log-level", "warning", "--no-access-log"],
        )  # fmt: skip
        urls = {
            "simulator": f"http://127.0.0.1:{ports['simulator_port']}",
            "api": f"http://127.0.0.1:{ports['api_port']}",
            "bare": f"http://127.0.0.1:{bare_port}",
        }
        _wait_http(urls["simulator"] + "/admin/stats")
        _wait_http(f"http://127.0.0.1:{ports['payments_port']}/health")
        _wait_http(urls["api"] + "/healthz")
        _wait_http(urls["bare"] + "/docs")
        lines = asyncio.run(_bench(args, urls, token, settings.temporal_target))
        print(
            f"concurrency {args.concurrency} (bookings: {args.booking_concurrency}), simulators without latency"
        )
        for line in lines:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:])

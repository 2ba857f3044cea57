"""Search index: bulk build time and size for N synthetic hotels, and suggest latency in-process.

Builds a Tantivy index in a temporary folder from the synthetic catalog's hotels (names, kinds,
stars, chains, positions, cities) and its regions, then times `suggest` for queries a guest types:
prefixes of hotel and city names of 3-8 characters, a third of them with one letter changed.
Suggest is timed through the port, as the API's `/v1/suggest` calls it, and then over HTTP: `ibe api`
(one process) on the same index, driven by wrk (Debian's; `make bench-tools` installs it) at
`--connections` for `--seconds` on one misspelt prefix (`--no-http` skips it).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from core.ratehawk.synthetic import all_regions, hotel_basics
from core.ratehawk.synthetic.hotels import hid_at
from core.search import GeoPoint, HotelDoc, RegionDoc
from core.search.catalog import popularity
from core.search.tantivy_backend import TantivyIndex

SEED = 7


def _hotels(n: int):
    for i in range(n):
        b = hotel_basics(SEED, hid_at(i))
        region = {"en": b.region.name}
        yield HotelDoc(b.hid, {"en": b.name}, b.region.id, region, region, b.region.country_code,
                       b.hotel_chain, b.kind, b.star_rating, GeoPoint(b.latitude, b.longitude),
                       popularity=popularity(b.star_rating, i % 17, i % 29))  # fmt: skip


def _queries(n: int, count: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(count):
        name = hotel_basics(SEED, hid_at(rng.randrange(n))).name if rng.random() < 0.7 else rng.choice(
            all_regions()).name  # fmt: skip
        q = name[: rng.randint(3, 8)]
        if rng.random() < 0.33 and len(q) > 3:
            i = rng.randrange(1, len(q))
            q = q[:i] + rng.choice("aeiourst") + q[i + 1 :]
        out.append(q)
    return out


def _pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(p * len(sorted_ms)))]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.search")
    parser.add_argument("--hotels", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    if args.no_http:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            _in_process(Path(tmp) / "search", args)
        return
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `make bench-tools` installs it (apt-get install wrk)")
    from bench._platform import bench_platform
    from bench.booking import _wait_http
    from bench.web import wrk
    from core.booking.apikeys import create_api_key
    from core.kv import open_store

    with bench_platform("bench-search-", ("api_port",)) as platform:
        _in_process(platform.settings.search_path, args)
        with open_store(platform.settings) as store:
            token, _ = create_api_key(store, "bench", ["search"], "bench search",
                                      rate_per_minute=10_000_000, burst=100_000)  # fmt: skip
        platform.spawn([str(Path(sys.executable).parent / "ibe"), "api", "--task-queue", "bench-search"])
        api = f"http://127.0.0.1:{platform.ports['api_port']}"
        _wait_http(api + "/healthz")
        query = hotel_basics(SEED, hid_at(args.hotels // 2)).name[:6]
        query = query[:3] + "x" + query[4:]
        url = f"{api}/v1/suggest?q={quote(query)}"
        print(wrk(api + "/healthz", args.connections, 5, "baseline: /healthz of the same process"))
        print(
            wrk(url, args.connections, args.seconds, f"/v1/suggest?q={query}", token) + " (goal: p99 < 20 ms)"
        )
        print(f"machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _in_process(path: Path, args: argparse.Namespace) -> None:
    """Build the index at `path` and time suggest through the port; prints the figures."""
    index = TantivyIndex(path)
    started = time.perf_counter()
    docs = list(_hotels(args.hotels))
    made_s = time.perf_counter() - started
    started = time.perf_counter()
    index.put_regions(
        RegionDoc(r.id, {"en": r.name}, r.type, r.country_code, hotel_count=0) for r in all_regions()
    )
    index.put_hotels(docs)
    index.commit()
    build_s = time.perf_counter() - started
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index build: {args.hotels:,} hotels + {len(all_regions()):,} regions in {build_s:.1f} s "
          f"({args.hotels / build_s:,.0f} hotels/s; documents made in {made_s:.1f} s before), "
          f"{size / 1e6:.1f} MB on disk, peak RSS {rss_mb:.0f} MB")  # fmt: skip
    queries = _queries(args.hotels, args.queries, random.Random(1))
    for q in queries[:50]:
        index.suggest(q)  # warm up
    timings, found = [], 0
    for q in queries:
        t = time.perf_counter()
        answer = index.suggest(q)
        timings.append((time.perf_counter() - t) * 1000)
        found += bool(answer.hotels or answer.regions)
    timings.sort()
    print(f"suggest in-process, {len(queries):,} queries (a third misspelt): p50 {_pct(timings, 0.5):.2f} ms, "
          f"p99 {_pct(timings, 0.99):.2f} ms, max {timings[-1]:.2f} ms; {found / len(queries):.0%} answered")  # fmt: skip
    index.close()


if __name__ == "__main__":
    main(sys.argv[1:])

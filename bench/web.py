"""The guest front end: hotel pages from the page cache under load (wrk), and Lighthouse scores.

Processes (free ports, data in a temporary folder): Temporal, Kafka and Redis of the embedded stack,
the RateHawk simulator, `ibe api` and `ibe web`, over a catalog of 300 hotels in the store.

1. wrk (Debian's, one thread) at `--connections` (32) for `--seconds` on one hotel page already in
   the page cache of `ibe web --workers 2` (a worker a core): requests/s and the p50/p99 latency wrk
   reports (the target: p99 under 50 ms), after the same for `/healthz` through FastAPI as a baseline;
2. Lighthouse (npm, bench/lighthouse) with Debian's chromium, mobile preset (its default: a
   mid-range phone on a throttled 4G link, simulated), on the home page, a results page and a
   hotel page: the performance and accessibility scores (the target: each at least 90).

Run: `python -m bench web` (or `make bench`, which installs wrk, chromium and Lighthouse first).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench._platform import bench_platform
from bench.booking import _load_catalog, _wait_http

ROOT = Path(__file__).resolve().parents[1]
IBE = str(Path(sys.executable).parent / "ibe")
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("IBE_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")  # fmt: skip
HOTELS = 300


def wrk(
    url: str,
    connections: int,
    seconds: int,
    what: str = "hotel page from the page cache",
    token: str | None = None,
) -> str:
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *auth, url],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout  # fmt: skip
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return (
        f"wrk {connections} connections, {seconds} s, {what}: "
        f"{float(rps.group(1)) if rps else 0:.0f} req/s, p50 {p50.group(1) if p50 else '?'}, "
        f"p99 {p99.group(1) if p99 else '?'}"
        + (f", non-2xx {non2xx.group(1)}" if non2xx else "")
        + (f", socket errors {errors.group(1)}" if errors else "")
    )


def lighthouse(url: str, name: str, out_dir: Path) -> str:
    report = out_dir / f"lighthouse-{name}.json"
    subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={CHROME_FLAGS}"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    doc = json.loads(report.read_text())
    scores = {k: round((v.get("score") or 0) * 100) for k, v in doc["categories"].items()}
    audits = doc["audits"]
    metrics = ", ".join(
        f"{label} {audits.get(audit, {}).get('displayValue', '?')}"
        for label, audit in (("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"),
                             ("TBT", "total-blocking-time"), ("CLS", "cumulative-layout-shift"),
                             ("SI", "speed-index"))
    )  # fmt: skip
    return (
        f"lighthouse mobile {name:<8} performance {scores.get('performance')}, accessibility "
        f"{scores.get('accessibility')}, best practices {scores.get('best-practices')}, seo {scores.get('seo')}"
        f" ({metrics})"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.web")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="`ibe web --workers` (one a core)")
    parser.add_argument(
        "--only", choices=["home", "results", "hotel"], action="append", help="Lighthouse pages"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")

    from core.booking.apikeys import create_api_key
    from core.kv import open_store
    from core.ratehawk.synthetic.hotels import hid_at, hotel_record
    from web.sitemap import hotel_path

    with bench_platform("bench-web-", ("simulator_port", "api_port", "web_port")) as platform:
        ports, env = platform.ports, platform.env
        _load_catalog(platform.settings)
        with open_store(platform.settings) as store:
            token, _ = create_api_key(store, "ibe-web", ["search", "book"], "bench web",
                                      rate_per_minute=10_000_000, burst=100_000)  # fmt: skip
        env["IBE_WEB_API_KEY"] = token
        platform.spawn(
            [IBE, "simulator", "--hotels", str(HOTELS), "--seed", "1", "--no-rate-limits"],
            [IBE, "api", "--task-queue", "bench-web"],
            [IBE, "web", "--workers", str(args.workers)],
        )
        web = f"http://127.0.0.1:{ports['web_port']}"
        _wait_http(f"http://127.0.0.1:{ports['simulator_port']}/admin/stats")
        _wait_http(f"http://127.0.0.1:{ports['api_port']}/healthz")
        _wait_http(web + "/healthz")
        record = hotel_record(1, hid_at(5))
        hotel = web + hotel_path(record["hid"], record["name"])
        for _ in range(4 * args.workers):  # rendered, now in the page cache (of every worker)
            assert httpx.get(hotel, timeout=30).status_code == 200
        print(wrk(web + "/healthz", args.connections, 5, "baseline: /healthz of the same process"))
        what = f"hotel page from the page cache, {args.workers} worker(s)"
        print(wrk(hotel, args.connections, args.seconds, what) + " (target: p99 < 50 ms)", flush=True)
        print(f"machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if not args.no_lighthouse:
            checkin = date.today() + timedelta(days=30)
            stay = f"checkin={checkin}&checkout={checkin + timedelta(days=2)}&rooms=2"
            region = record["region"]
            results = f"{web}/search?dest={region['name']}&region_id={region['id']}&{stay}"
            httpx.get(results, timeout=60)  # the supplier's answer cached, as after a first guest
            reports = ROOT / "bench-output" / "web"  # the full Lighthouse reports, kept (git-ignored)
            reports.mkdir(parents=True, exist_ok=True)
            for name, url in (("home", web + "/"), ("results", results), ("hotel", f"{hotel}?{stay}")):
                if args.only and name not in args.only:
                    continue
                print(lighthouse(url, name, reports), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

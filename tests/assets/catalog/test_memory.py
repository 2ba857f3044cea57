"""Memory stays bounded: ingesting 200k hotels stays under a fixed ceiling and barely above 50k.

Each size runs the whole catalog asset graph (stage, validate, quarantine, store, ClickHouse) in a
fresh subprocess of its own, after the same warm-up ingest of a tiny dump (imports, the expectation
suite, chDB's start, allocator arenas), so the two peaks differ only by what the measured ingest
needs. Staging parses in-process for both sizes, so its batches count in the measured peak.

The test compares the two peaks with each other (other processes on the machine cannot move the
difference, only a pipeline that holds lines or rows in proportion to the dump can), and the large
one with the issue's 2 GB ceiling. Before the warehouse load was bounded, chDB alone grew by about
1 GB from 300k to 1M hotels; the earlier test, on a few thousand hotels, did not see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.ratehawk.synthetic import write_dumps
from tests.assets.catalog.conftest import TODAY

ROOT = Path(__file__).resolve().parents[3]
WARM, SMALL, LARGE = 300, 50_000, 200_000
# Every stage works in chunks of bounded size: staging batches of 5,000 lines, suite runs of
# `frame_rows`, warehouse slices of SLICE_LINES. Their defaults (100k rows, 250k lines) exceed the
# small dump, so the test lowers them: both sizes then span several chunks, and the peaks differ
# only by what grows with the dump itself.
CHUNK = 25_000
RAW_KB_PER_HOTEL = 6.8  # generated hotel lines average 6-7.5 KB
# Measured cost: about 3 minutes in all on a loaded 2-core machine (dumps, then two ingests of which
# the 200k one is most of it); the limits leave room for a machine twice as busy.
SUBPROCESS_TIMEOUT_S = 420
CEILING_MB = 2048  # the goal (in one process here; 3M hotels with two staging workers: 1.96 GB)

# Ingests the warm-up dump folder, then the measured one, into a fresh data folder, and prints
# VmHWM (the peak so far, in MB) after each. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec.
SCRIPT = """
import json, os, sys
from datetime import datetime, timedelta
from pathlib import Path
os.environ["IBE_DATA_DIR"] = sys.argv[3]
from cli.catalog_ingest import run_ingest
from core.catalog import warehouse_load

chunk = int(sys.argv[4])
warehouse_load.SLICE_LINES = chunk
ops = {"staged_hotels": {"workers": 1}, "validated_hotels": {"frame_rows": chunk}}
now = datetime.fromisoformat(sys.argv[5])
peaks = []
for days_ago, folder in ((8, sys.argv[1]), (1, sys.argv[2])):
    day = now.date() - timedelta(days=days_ago)
    outcome = run_ingest(Path(folder), "full", day, echo=False, ops=ops, now=now)
    assert outcome["success"], outcome["failure"]
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    peaks.append(int(hwm.split()[1]) / 1024)
print(json.dumps(peaks))
"""


def _peak_after_warm_up(warm: Path, measured: Path, data: Path) -> float:
    """Peak RSS (MB) of a fresh process that ingests `warm`, then `measured`."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(warm), str(measured), str(data), str(CHUNK), TODAY.isoformat()],
        cwd=ROOT, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S, env={**os.environ, "MALLOC_ARENA_MAX": "2"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    _, peak = json.loads(out.stdout.strip().splitlines()[-1])
    return peak


@pytest.mark.timeout(900)
def test_peak_rss_does_not_grow_with_the_dump(tmp_path: Path) -> None:
    for n in (WARM, SMALL, LARGE):
        write_dumps(tmp_path / str(n), n, seed=5, bad_fraction=0.01, workers=2)
    small_peak = _peak_after_warm_up(tmp_path / str(WARM), tmp_path / str(SMALL), tmp_path / "data-small")
    large_peak = _peak_after_warm_up(tmp_path / str(WARM), tmp_path / str(LARGE), tmp_path / "data-large")
    extra_raw_mb = (LARGE - SMALL) * RAW_KB_PER_HOTEL / 1024  # what holding the extra lines would cost
    # Holding two fifths of the extra lines (or their parsed rows, several times bigger) would raise
    # the peak by more. What remains is bounded: chDB's caches and part metadata warming up
    # (+220-250 MB from 50k to 200k, then +0.6 GB more up to 3M hotels, measured) and a few ints per
    # hotel (deduplication and deletion scans).
    # Measured: +220-250 MB on a quiet machine, +306 MB with the machine loaded (chDB's merges lag
    # and hold more parts): 0.22-0.31 of the extra raw lines, hence the limit of 0.4.
    assert large_peak - small_peak < 0.4 * extra_raw_mb, (small_peak, large_peak, extra_raw_mb)
    assert large_peak < CEILING_MB, (small_peak, large_peak)

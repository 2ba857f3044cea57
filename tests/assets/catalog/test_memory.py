"""Memory stays bounded: ingesting 6x the hotels does not raise peak RSS with the dump size.

Each size is ingested in a fresh subprocess of its own, after the same warm-up ingest of a tiny dump
(imports, the expectation suite, allocator arenas), so the two peaks differ only by what the
measured ingest needs. The test compares the two peaks with each other, never with an absolute
ceiling: other processes on the machine cannot move the difference, only a pipeline that holds
lines (or rows) in memory in proportion to the dump can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.ratehawk.synthetic import write_dumps

ROOT = Path(__file__).resolve().parents[3]
WARM, SMALL, LARGE = 300, 2_000, 12_000
RAW_KB_PER_HOTEL = 6.8  # generated hotel lines average 6-7.5 KB

# Ingests each dump folder in turn (stage, validate, store) in batches of 500 lines, so that even
# the small dump spans many batches, and prints VmHWM (the peak so far, in MB) after each.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent process.
SCRIPT = """
import json, sys
from pathlib import Path
from assets.catalog.serving import serving_rows
from core.catalog.serving import ServingLoad
from core.catalog.stager import stage_dump
from core.kv.sqlite_backend import SqliteStore
from quality.catalog.suite import hotel_suite
from quality.catalog.validate import validate_staged

hotel_suite()
peaks = []
for i, name in enumerate(sys.argv[1:]):
    dump, work = Path(name) / "hotels_full_en.jsonl.zst", Path(name) / f"work-{i}-{sys.argv[-1][-5:]}"
    stage_dump(dump, work / "staged", batch_lines=500, workers=1)
    validate_staged(work / "staged", dump, work / "validated", frame_rows=500)
    store = SqliteStore(work / "kv.sqlite3", b"\\x02bench\\x00")
    load = ServingLoad.open(store, "full", "full")
    load.write(serving_rows(dump, work / "validated" / "accepted.parquet"))
    load.publish()
    store.close()
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    peaks.append(int(hwm.split()[1]) / 1024)
print(json.dumps(peaks))
"""


def _peak_after_warm_up(warm: Path, measured: Path) -> float:
    """Peak RSS (MB) of a fresh process that ingests `warm`, then `measured`."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(warm), str(measured)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "MALLOC_ARENA_MAX": "2"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    _, peak = json.loads(out.stdout.strip().splitlines()[-1])
    return peak


def test_peak_rss_does_not_grow_with_the_dump(tmp_path: Path) -> None:
    for n in (WARM, SMALL, LARGE):
        write_dumps(tmp_path / str(n), n, seed=5, bad_fraction=0.01, workers=2)
    small_peak = _peak_after_warm_up(tmp_path / str(WARM), tmp_path / str(SMALL))
    large_peak = _peak_after_warm_up(tmp_path / str(WARM), tmp_path / str(LARGE))
    extra_raw_mb = (LARGE - SMALL) * RAW_KB_PER_HOTEL / 1024  # what holding the extra lines would cost
    # Holding the extra lines (or their parsed rows, several times bigger) would raise the peak by
    # more than their raw size; streaming in bounded batches keeps it flat. What remains is allocator
    # noise and a few ints per hotel (deduplication and deletion scans).
    assert large_peak - small_peak < 0.6 * extra_raw_mb, (small_peak, large_peak, extra_raw_mb)

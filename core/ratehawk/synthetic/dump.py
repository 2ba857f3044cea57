"""Writes a synthetic catalog as RateHawk dump files, streaming, on all cores.

Files written into `out_dir` (names are module constants):

- `hotels_full_en.jsonl.zst`: the full dump, one hotel per line (zstd, one frame, level 3). Line i
  (0-based) is hotel `hid_at(i)`, unless the line is bad.
- `hotels_incremental_en.jsonl.zst`: the incremental dump: about 1% of the hotels with changed content
  (revision 1), about 0.1% deleted (`deleted: true`), and about 0.2% new hotels (hids after the
  catalog's last one).
- `regions.jsonl.zst`: the region dump (countries, cities, airports, neighbourhoods); a city lists the
  hids of the good full-dump lines in it.
- `<dump>.bad.jsonl` beside each hotel dump: the sidecar listing every line that is not a live hotel,
  one JSON object per line, in line order: `{"line": 1-based, "kind": one of DEFECT_KINDS, "hid": ...,
  optional "superseded_by_line", "field"}`; a duplicated hid is listed on its older line(s), the
  ones a loader quarantines (the newest copy is kept). `deleted` lines are listed too (they must be taken off sale).
- `manifest.json`: seed, hotel count, bad fraction and, per file, lines, bytes, raw bytes, sha256 of
  the compressed file and counts of bad lines by kind.

Everything is a function of (hotels, seed, bad_fraction): the same arguments give the same bytes,
whatever the number of worker processes. Workers build and serialise chunks of records; the parent
compresses them in order into one zstd stream, keeping at most a few chunks in flight.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson
import zstandard

from core.ratehawk.synthetic.defects import DEFECT_KINDS, Defect, break_line, mark_superseded, plan_defects
from core.ratehawk.synthetic.hotels import hid_at, hotel_record
from core.ratehawk.synthetic.regions import all_regions, city_index_of, region_record

FULL_DUMP = "hotels_full_en.jsonl.zst"
INCREMENTAL_DUMP = "hotels_incremental_en.jsonl.zst"
REGION_DUMP = "regions.jsonl.zst"
MANIFEST = "manifest.json"
CHUNK_LINES = 1000
ZSTD_LEVEL = 3
DUPLICATE_REVISION = 7  # content revision used for the second copy of a duplicated hid

ProgressFn = Callable[[int, int], None]


def bad_lines_path(dump_path: Path) -> Path:
    """The sidecar listing the bad lines of a dump file."""
    return dump_path.with_name(dump_path.name.removesuffix(".jsonl.zst") + ".bad.jsonl")


@dataclass
class DumpFile:
    name: str
    lines: int
    bytes: int
    raw_bytes: int
    sha256: str
    bad_lines: int = 0
    bad_by_kind: dict[str, int] = field(default_factory=dict)
    bad_lines_file: str | None = None


@dataclass
class DumpManifest:
    seed: int
    hotels: int
    bad_fraction: float
    files: dict[str, DumpFile]

    def path(self, out_dir: Path, name: str) -> Path:
        return Path(out_dir) / self.files[name].name

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def load(cls, out_dir: Path) -> DumpManifest:
        raw = json.loads((Path(out_dir) / MANIFEST).read_text())
        files = {k: DumpFile(**v) for k, v in raw["files"].items()}
        return cls(raw["seed"], raw["hotels"], raw["bad_fraction"], files)


class _HashingWriter:
    """A file wrapper that counts and hashes what is written through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self._fh.write(data)

    def flush(self) -> None:
        self._fh.flush()


class _ZstdLineWriter:
    def __init__(self, path: Path) -> None:
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._hw = _HashingWriter(self._fh)
        self._z = zstandard.ZstdCompressor(level=ZSTD_LEVEL).stream_writer(
            self._hw,  # type: ignore[arg-type]  # only write() and flush() are used
            closefd=False,
        )
        self.raw_bytes = 0

    def write(self, data: bytes) -> None:
        self.raw_bytes += len(data)
        self._z.write(data)

    def close(self) -> tuple[int, str]:
        self._z.close()
        self._fh.close()
        return self._hw.size, self._hw.sha.hexdigest()


# --- full dump: chunks built in worker processes -------------------------------------------------


def _full_chunk(
    args: tuple[int, int, int, list[tuple[int, str, int | None]]],
) -> tuple[bytes, list[dict], array, array]:
    """Lines [start, end) of the full dump: (jsonl bytes, bad-line entries, good hids, their cities)."""
    seed, start, end, defects = args
    by_line = {d[0]: Defect(*d) for d in defects}
    parts: list[bytes] = []
    entries: list[dict] = []
    good_hids = array("q")
    good_cities = array("H")
    dumps = orjson.dumps
    for i in range(start, end):
        hid = hid_at(i)
        record = hotel_record(seed, hid)
        defect = by_line.get(i)
        if defect is None:
            parts.append(dumps(record))
            good_hids.append(hid)
            good_cities.append(city_index_of(seed, hid))
            continue
        rng = random.Random(seed * 7_919 + i)
        line, entry = break_line(
            record, defect, rng, lambda j: hotel_record(seed, hid_at(j), DUPLICATE_REVISION)
        )
        parts.append(line)
        entries.append(entry)
    parts.append(b"")
    return b"\n".join(parts), entries, good_hids, good_cities


def _pool_map_ordered(fn: Callable, tasks: list, workers: int, window: int) -> Iterator:  # type: ignore[type-arg]
    """Like Pool.imap, but with at most `window` tasks in flight, so memory stays bounded."""
    if workers <= 1:
        for task in tasks:
            yield fn(task)
        return
    ctx = multiprocessing.get_context("forkserver")  # safe when the caller runs threads
    with ctx.Pool(workers) as pool:
        pending: deque = deque()
        it = iter(tasks)
        for task in it:
            pending.append(pool.apply_async(fn, (task,)))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().get()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.apply_async(fn, (nxt,)))
            yield result


def _write_bad_lines(path: Path, entries: list[dict]) -> None:
    with open(path, "wb") as fh:
        for entry in entries:
            fh.write(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n")


def _count_kinds(entries: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(DEFECT_KINDS, 0)
    for entry in entries:
        counts[entry["kind"]] += 1
    return {k: v for k, v in counts.items() if v}


def write_full_dump(
    out_dir: Path,
    hotels: int,
    seed: int = 0,
    bad_fraction: float = 0.0,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> tuple[DumpFile, list[array]]:
    """The full dump and its sidecar; returns the file entry and, per city, the hids of good lines."""
    out_dir = Path(out_dir)
    workers = workers or os.cpu_count() or 1
    plan = plan_defects(seed, hotels, bad_fraction, salt=1)
    tasks = []
    for start in range(0, hotels, CHUNK_LINES):
        end = min(start + CHUNK_LINES, hotels)
        defects = [plan[i].as_tuple() for i in range(start, end) if i in plan] if plan else []
        tasks.append((seed, start, end, defects))
    from core.ratehawk.synthetic.vocab import cities

    city_hids = [array("q") for _ in cities()]
    entries: list[dict] = []
    path = out_dir / FULL_DUMP
    writer = _ZstdLineWriter(path)
    done = 0
    try:
        for blob, chunk_entries, hids, city_idx in _pool_map_ordered(
            _full_chunk, tasks, workers, 2 * workers
        ):
            writer.write(blob)
            entries.extend(chunk_entries)
            for hid, ci in zip(hids, city_idx, strict=True):
                city_hids[ci].append(hid)
            done += blob.count(b"\n")
            if progress is not None:
                progress(done, hotels)
    finally:
        size, sha = writer.close()
    sidecar = bad_lines_path(path)
    entries = mark_superseded(entries)
    _write_bad_lines(sidecar, entries)
    dump = DumpFile(
        FULL_DUMP, hotels, size, writer.raw_bytes, sha, len(entries), _count_kinds(entries), sidecar.name
    )
    return dump, city_hids


def incremental_plan(seed: int, hotels: int) -> list[tuple[int, int, bool]]:
    """(hid, revision, deleted) of each line of the incremental dump, in order."""
    rng = random.Random(seed * 31 + 17)
    changed_n = max(1, hotels // 100)
    deleted_n = max(1, hotels // 1000) if hotels > 1 else 0
    new_n = max(1, hotels // 500)
    picked = rng.sample(range(hotels), min(hotels, changed_n + deleted_n)) if hotels else []
    deleted = set(picked[:deleted_n])
    lines = [(hid_at(i), 1, i in deleted) for i in sorted(picked)]
    lines.extend((hid_at(hotels + k), 0, False) for k in range(new_n))
    return lines


def write_incremental_dump(out_dir: Path, hotels: int, seed: int = 0, bad_fraction: float = 0.0) -> DumpFile:
    out_dir = Path(out_dir)
    plan_lines = incremental_plan(seed, hotels)
    defects = plan_defects(seed, len(plan_lines), bad_fraction, salt=2)
    path = out_dir / INCREMENTAL_DUMP
    writer = _ZstdLineWriter(path)
    entries: list[dict] = []
    try:
        for i, (hid, revision, deleted) in enumerate(plan_lines):
            record = hotel_record(seed, hid, revision)
            defect = defects.get(i)
            if defect is None and deleted:
                defect = Defect(i, "deleted")
            if defect is None:
                writer.write(orjson.dumps(record) + b"\n")
                continue
            rng = random.Random(seed * 7_919 + 1_000_000_007 + i)
            line, entry = break_line(
                record,
                defect,
                rng,
                lambda j: hotel_record(seed, plan_lines[j][0], DUPLICATE_REVISION),
            )
            writer.write(line + b"\n")
            entries.append(entry)
    finally:
        size, sha = writer.close()
    sidecar = bad_lines_path(path)
    entries = mark_superseded(entries)
    _write_bad_lines(sidecar, entries)
    return DumpFile(
        INCREMENTAL_DUMP,
        len(plan_lines),
        size,
        writer.raw_bytes,
        sha,
        len(entries),
        _count_kinds(entries),
        sidecar.name,
    )


def write_region_dump(out_dir: Path, city_hids: list[array] | None) -> DumpFile:
    path = Path(out_dir) / REGION_DUMP
    writer = _ZstdLineWriter(path)
    count = 0
    try:
        for region in all_regions():
            hids = None
            if region.city_index is not None and city_hids is not None:
                hids = city_hids[region.city_index].tolist()
            writer.write(orjson.dumps(region_record(region, hids)) + b"\n")
            count += 1
    finally:
        size, sha = writer.close()
    return DumpFile(REGION_DUMP, count, size, writer.raw_bytes, sha)


def write_dumps(
    out_dir: Path | str,
    hotels: int,
    seed: int = 0,
    bad_fraction: float = 0.0,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> DumpManifest:
    """Write the full, incremental and region dumps plus sidecars and `manifest.json` into out_dir."""
    if hotels < 0:
        raise ValueError("hotels must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    full, city_hids = write_full_dump(out_dir, hotels, seed, bad_fraction, workers, progress)
    incremental = write_incremental_dump(out_dir, hotels, seed, bad_fraction)
    regions = write_region_dump(out_dir, city_hids)
    manifest = DumpManifest(
        seed, hotels, bad_fraction, {"full": full, "incremental": incremental, "regions": regions}
    )
    (out_dir / MANIFEST).write_text(manifest.to_json() + "\n")
    return manifest


def iter_dump_lines(path: Path | str) -> Iterator[bytes]:
    """Raw lines (without newline) of a zstd JSON-lines dump, streamed."""
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True)
        pending = b""
        while True:
            block = reader.read(1 << 20)
            if not block:
                break
            pending += block
            lines = pending.split(b"\n")
            pending = lines.pop()
            yield from lines
        if pending:
            yield pending


def read_bad_lines(path: Path | str) -> list[dict]:
    """The sidecar entries of a dump (pass the dump path or the sidecar path)."""
    path = Path(path)
    if path.name.endswith(".jsonl.zst"):
        path = bad_lines_path(path)
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]

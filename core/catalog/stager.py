"""Running staging over a whole dump: worker processes parse, the parent writes Parquet in order.

Parsing (decoding and typing every field, `staging.stage_lines`) is the CPU-heavy part, so on a big
dump it runs in `workers` processes.
Each worker reads the dump itself (decompressing is cheap next to parsing) and stages every
`workers`-th batch; the parent takes the batches back in order from small bounded queues and writes
one row group per batch. Nothing but Arrow tables crosses the process boundary, memory stays bounded
by (workers x queue size) batches, and the output is identical whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from core.catalog.dumpfile import iter_batches, iter_lines
from core.catalog.staging import REGIONS_SCHEMA, TABLES, StagedBatch, stage_lines

QUEUE_BATCHES = 2
PARALLEL_FROM_BYTES = 64 << 20  # below this, starting worker processes costs more than it saves
_DONE = "done"


class ParquetTableWriter:
    """One Parquet file per table, one row group per batch, opened lazily."""

    def __init__(self, folder: Path, schemas: dict[str, dict[str, pl.DataType]]) -> None:
        self.folder = folder
        self.schemas = schemas
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = dict.fromkeys(schemas, 0)
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    def write(self, table: str, data: pl.DataFrame | pa.Table) -> None:
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        writer = self._writers.get(table)
        if writer is None:
            writer = self._writers[table] = pq.ParquetWriter(
                self.path(table), arrow.schema, compression="zstd", compression_level=1
            )
        writer.write_table(arrow)
        self.rows[table] += arrow.num_rows

    def close(self) -> None:
        for table, schema in self.schemas.items():
            if table not in self._writers:  # an empty table still gets its file, with its schema
                self.write(table, pl.DataFrame(schema=schema))
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def iter_row_groups(path: Path, columns: list[str] | None = None) -> Iterator[pl.DataFrame]:
    """A Parquet file back as frames, one row group at a time."""
    pf = pq.ParquetFile(path)
    for i in range(pf.num_row_groups):
        yield pl.from_arrow(pf.read_row_group(i, columns=columns))  # type: ignore[misc]


@dataclass
class StagingResult:
    folder: Path
    lines: int = 0
    raw_bytes: int = 0
    problems: dict[str, int] = field(default_factory=dict)  # shape problems by kind (wrong_type grouped)
    rows: dict[str, int] = field(default_factory=dict)


def _worker(path: str, index: int, workers: int, batch_lines: int, out: Any) -> None:
    try:
        for i, batch in enumerate(iter_batches(path, batch_lines)):
            if i % workers == index:
                out.put(stage_lines(batch))
        out.put(_DONE)
    except BaseException as exc:  # the parent re-raises it
        out.put(RuntimeError(f"staging worker {index}: {type(exc).__name__}: {exc}"))


def _parallel_batches(dump: Path, batch_lines: int, workers: int) -> Iterator[StagedBatch]:
    ctx = multiprocessing.get_context("spawn")  # no fork: the caller may hold threads (Dagster)
    queues = [ctx.Queue(maxsize=QUEUE_BATCHES) for _ in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(str(dump), i, workers, batch_lines, queues[i]), daemon=True)
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    try:
        turn = 0
        while True:
            item = _take(queues[turn % workers], procs[turn % workers])
            if item == _DONE:  # batch `turn` does not exist: every batch was handed out
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            turn += 1
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=10)


def _take(q: Any, proc: Any) -> Any:
    while True:
        try:
            return q.get(timeout=1.0)
        except queue.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"staging worker exited with code {proc.exitcode}") from None


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def stage_dump(
    dump: Path,
    folder: Path,
    batch_lines: int = 5_000,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    read_progress: Callable[[int], None] | None = None,
) -> StagingResult:
    """Stage a hotel dump into `folder/<table>.parquet`; returns line and row counts.

    `progress(lines)` and `read_progress(compressed_bytes_read)` are called after each batch.

    `workers` parsing processes (default: 2 for a dump of 64 MB or more, else parse in-process).
    """
    if workers is None:
        workers = default_workers() if dump.stat().st_size >= PARALLEL_FROM_BYTES else 1
    batches = (
        _parallel_batches(dump, batch_lines, workers)
        if workers > 1
        else (stage_lines(b) for b in iter_batches(dump, batch_lines))
    )
    result = StagingResult(folder)
    writer = ParquetTableWriter(folder, TABLES)
    try:
        for staged in batches:
            for table, data in staged.tables.items():
                writer.write(table, data)
            result.lines += staged.lines
            result.raw_bytes += staged.raw_bytes
            for kind, n in staged.problems.items():
                result.problems[kind] = result.problems.get(kind, 0) + n
            if progress is not None:
                progress(result.lines)
            if read_progress is not None:
                read_progress(staged.read_bytes)
    finally:
        writer.close()
    result.rows = dict(writer.rows)
    return result


def stage_regions(dump: Path, folder: Path) -> int:
    """Stage a region dump into `folder/regions.parquet` (lines that are not regions are skipped)."""
    cols: dict[str, list[Any]] = {name: [] for name in REGIONS_SCHEMA}
    for line_no, raw in enumerate(iter_lines(dump), start=1):
        try:
            rec = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if type(rec) is not dict or type(rec.get("id")) is not int or not -(2**63) <= rec["id"] < 2**63:
            continue
        name = rec.get("name")
        if type(name) is dict:
            name = name.get("en") or next(iter(name.values()), None)
        center: dict[str, Any] = rec["center"] if type(rec.get("center")) is dict else {}
        hids: list[Any] = rec["hids"] if type(rec.get("hids")) is list else []
        slim = {k: v for k, v in rec.items() if k != "hids"}  # a big city lists 100k+ hids
        for key, value in (
            ("line_no", line_no), ("region_id", rec["id"]), ("type", _text(rec.get("type"))),
            ("name", _text(name)), ("country_code", _text(rec.get("country_code"))),
            ("latitude", _number(center.get("latitude"))), ("longitude", _number(center.get("longitude"))),
            ("iata", _text(rec.get("iata"))), ("hotel_count", len(hids)), ("record", orjson.dumps(slim).decode()),
        ):  # fmt: skip
            cols[key].append(value)
    writer = ParquetTableWriter(folder, {"regions": REGIONS_SCHEMA})
    try:
        writer.write("regions", pl.DataFrame(cols, schema=REGIONS_SCHEMA))
    finally:
        writer.close()
    return len(cols["line_no"])


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


def _number(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None

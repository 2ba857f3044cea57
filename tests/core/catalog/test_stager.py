"""Staging in worker processes writes exactly what staging in-process writes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.catalog.stager import stage_dump
from core.catalog.staging import TABLES
from core.ratehawk.synthetic import FULL_DUMP, write_dumps


def test_parallel_staging_equals_serial(tmp_path: Path) -> None:
    write_dumps(tmp_path / "d", 600, seed=3, bad_fraction=0.05, workers=1)
    dump = tmp_path / "d" / FULL_DUMP
    serial = stage_dump(dump, tmp_path / "s1", batch_lines=70, workers=1)
    parallel = stage_dump(dump, tmp_path / "s2", batch_lines=70, workers=2)
    assert serial.lines == parallel.lines == 600
    assert serial.problems == parallel.problems and serial.rows == parallel.rows
    for table in TABLES:
        assert pl.read_parquet(tmp_path / "s1" / f"{table}.parquet").equals(
            pl.read_parquet(tmp_path / "s2" / f"{table}.parquet")
        ), table

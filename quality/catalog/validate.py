"""Validate staged hotels: accepted lines to `accepted.parquet`, every rejected line to quarantine.

Two streaming passes over the staged hotels (a bounded number of rows at a time, so memory stays
bounded): the first runs the shape rules and the Great Expectations suite and keeps (hid, line_no)
of the lines that pass; duplicates are then resolved (the newest line wins); the second writes the
accepted rows. Quarantine rows carry the line number, every reason, a short detail and the raw
line text, read back from the dump by line number (rejected lines are few, so this is one pass
that stops at the last rejected line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from core.catalog.dumpfile import pick_lines
from core.catalog.stager import ParquetTableWriter, iter_row_groups
from core.catalog.staging import HOTELS_SCHEMA, UNPARSED
from quality.catalog.rules import DUPLICATE_HID, combine_reasons, superseded_lines
from quality.catalog.suite import ExpectationStat, HotelSuite, hotel_suite

_STAGING_ONLY = ("problems", "problem_detail")
ACCEPTED_SCHEMA = {k: v for k, v in HOTELS_SCHEMA.items() if k not in _STAGING_ONLY}
# Rows per run of the expectation suite: a GE run costs about half a second whatever its size (up
# to about 1M rows), so the suite runs on several staged row groups at once.
FRAME_ROWS = 100_000
QUARANTINE_ROWS = 5_000  # quarantine rows per row group (each holds its raw line)
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(),
    "hid": pl.Int64(),
    "reasons": pl.List(pl.Utf8()),
    "detail": pl.Utf8(),
    "raw": pl.Utf8(),
}


@dataclass
class ValidationResult:
    lines: int = 0
    accepted: int = 0
    deleted: int = 0  # accepted lines that take a hotel off sale
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # quarantined lines per reason
    warnings: Counter[str] = field(default_factory=Counter)
    stats: dict[str, ExpectationStat] = field(default_factory=dict)
    suite_success: bool = True

    def as_metadata(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "accepted": self.accepted,
            "deleted": self.deleted,
            "quarantined": self.quarantined,
            "reasons": dict(self.reasons),
            "warnings": dict(self.warnings),
        }


def _merge_stats(into: dict[str, ExpectationStat], new: dict[str, ExpectationStat]) -> None:
    for reason, stat in new.items():
        mine = into.setdefault(reason, ExpectationStat(stat.reason, stat.severity, stat.description))
        mine.evaluated += stat.evaluated
        mine.unexpected += stat.unexpected


def validate_staged(
    staged: Path,
    dump: Path,
    out: Path,
    suite: HotelSuite | None = None,
    progress: Callable[[int], None] | None = None,
    frame_rows: int = FRAME_ROWS,
) -> ValidationResult:
    """Validate `staged/hotels.parquet`; write `out/accepted.parquet` and `out/quarantine.parquet`.

    The suite runs on frames of about `frame_rows` rows (whole staged row groups).
    """
    suite = suite or hotel_suite()
    result = ValidationResult()
    hotels_path = staged / "hotels.parquet"
    valid_parts: list[pl.DataFrame] = []
    rejected: dict[int, tuple[int | None, list[str], str]] = {}

    for frame in _frames(hotels_path, frame_rows):
        result.lines += frame.height
        unparsed = pl.col("problems").list.eval(pl.element().is_in(UNPARSED)).list.any()
        checkable = frame.filter(~unparsed)
        outcome = suite.validate(checkable)
        result.suite_success &= outcome.success
        _merge_stats(result.stats, outcome.stats)
        bad_lines = set(outcome.reasons)
        for line_no, hid, problems, staged_detail, deleted in frame.select(
            "line_no", "hid", "problems", "problem_detail", "deleted"
        ).iter_rows():
            if not problems and line_no not in bad_lines:
                continue
            reasons = combine_reasons(problems, outcome.reasons.get(line_no, ()), bool(deleted))
            if reasons:
                notes = [staged_detail] if staged_detail else []
                detail = "; ".join([*notes, *outcome.details.get(line_no, ())])
                rejected[line_no] = (hid, reasons, detail)
        for line_no, warnings in outcome.warnings.items():
            if line_no not in rejected:
                result.warnings.update(warnings)
        valid_parts.append(
            frame.filter(~pl.col("line_no").is_in(list(rejected.keys() & set(frame["line_no"]))))
            .select("hid", "line_no")
        )  # fmt: skip
        if progress is not None:
            progress(result.lines)

    valid = (
        pl.concat(valid_parts) if valid_parts else pl.DataFrame(schema={"hid": pl.Int64, "line_no": pl.Int64})
    )
    losers = superseded_lines(valid)
    for line_no, hid, kept in losers.iter_rows():
        rejected[line_no] = (hid, [DUPLICATE_HID], f"superseded by line {kept}")
    keepers = valid.join(losers.select("line_no"), on="line_no", how="anti").sort("line_no")["line_no"]
    del valid, valid_parts

    writer = ParquetTableWriter(out, {"accepted": ACCEPTED_SCHEMA})
    try:
        for frame in iter_row_groups(hotels_path):
            lo, hi = frame["line_no"].min(), frame["line_no"].max()
            window = keepers.filter((keepers >= lo) & (keepers <= hi))
            accepted = frame.filter(pl.col("line_no").is_in(window.implode())).drop(_STAGING_ONLY)
            writer.write("accepted", accepted)
            result.accepted += accepted.height
            result.deleted += int(accepted["deleted"].fill_null(False).sum())
    finally:
        writer.close()

    _write_quarantine(out, dump, rejected, result)
    return result


def _frames(path: Path, rows: int) -> Iterator[pl.DataFrame]:
    """The staged row groups of `path`, concatenated into frames of at least `rows` rows (bar the last)."""
    parts: list[pl.DataFrame] = []
    size = 0
    for frame in iter_row_groups(path):
        parts.append(frame)
        size += frame.height
        if size >= rows:
            yield pl.concat(parts)
            parts, size = [], 0
    if parts:
        yield pl.concat(parts)


def _write_quarantine(
    out: Path, dump: Path, rejected: dict[int, tuple[int | None, list[str], str]], result: ValidationResult
) -> None:
    """Quarantine rows with their raw lines, written in bounded row groups (rejected lines can be many)."""
    writer = ParquetTableWriter(out, {"quarantine": QUARANTINE_SCHEMA})
    cols: dict[str, list[Any]] = {name: [] for name in QUARANTINE_SCHEMA}

    def flush() -> None:
        writer.write("quarantine", pl.DataFrame(cols, schema=QUARANTINE_SCHEMA))
        for values in cols.values():
            values.clear()

    try:
        for line_no, raw in pick_lines(dump, rejected):
            hid, reasons, detail = rejected[line_no]
            cols["line_no"].append(line_no)
            cols["hid"].append(hid)
            cols["reasons"].append(reasons)
            cols["detail"].append(detail)
            # invalid UTF-8 is kept as \\xNN escapes, so the exact bytes can be recovered
            cols["raw"].append(raw.decode("utf-8", errors="backslashreplace"))
            result.reasons.update(reasons)
            result.quarantined += 1
            if len(cols["line_no"]) >= QUARANTINE_ROWS:
                flush()
        if cols["line_no"]:
            flush()
    finally:
        writer.close()
    if result.quarantined != len(rejected):
        raise RuntimeError(
            f"{dump.name}: {len(rejected)} rejected lines but only {result.quarantined} found in the dump"
        )

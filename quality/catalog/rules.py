"""Catalog rules that are not per-row expectations: combining reasons, and duplicate hids.

Duplicates: a hid may appear on several lines of one dump. The newest line (the last one: a dump
is written in update order) is kept, and every earlier line with that hid goes to quarantine as
`duplicate_hid`, naming the line that superseded it. Only lines that pass every other rule take
part, so a broken newer copy never pushes out a good older one.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from quality.catalog.expectations import DELETED_RECORD_REASONS, HOTEL_EXPECTATIONS

DUPLICATE_HID = "duplicate_hid"
INVALID_JSON = "invalid_json"


# "x is missing" reasons, by the staged column they test.
_MISSING_REASON_COLUMN = {
    e.reason: e.column for e in HOTEL_EXPECTATIONS if e.kind == "ExpectColumnValuesToNotBeNull"
}
# Staged columns left empty by a shape problem: the value is there, but of the wrong JSON type.
_EMPTIED_BY = {
    "hid_not_integer": ("hid",),
    "wrong_type:region": ("region_id", "region_country_code"),
}


def _emptied_columns(problems: list[str]) -> set[str]:
    cols: set[str] = set()
    for problem in problems:
        cols.update(_EMPTIED_BY.get(problem, (problem.removeprefix("wrong_type:"),)))
    return cols


def combine_reasons(problems: Iterable[str], suite_reasons: Iterable[str], deleted: bool) -> list[str]:
    """Every reason of a line, each once, shape problems first.

    A "missing" reason is left out where a shape problem already explains the empty column (a
    latitude of the wrong type is not also reported missing). A record marked `deleted` only has
    to name its hotel, so only hid reasons count against it.
    """
    out = list(dict.fromkeys(problems))
    emptied = _emptied_columns(out) if out else set()
    for reason in suite_reasons:
        if reason in out or (deleted and reason not in DELETED_RECORD_REASONS):
            continue
        if _MISSING_REASON_COLUMN.get(reason) in emptied:
            continue
        out.append(reason)
    return out


def superseded_lines(valid: pl.DataFrame) -> pl.DataFrame:
    """From (hid, line_no) of valid lines, the lines superseded by a newer line of the same hid.

    Returns (line_no, hid, kept_line) sorted by line_no; empty if every hid appears once.
    """
    kept = valid.group_by("hid").agg(pl.col("line_no").max().alias("kept_line"))
    return (
        valid.join(kept, on="hid")
        .filter(pl.col("line_no") != pl.col("kept_line"))
        .select("line_no", "hid", "kept_line")
        .sort("line_no")
    )

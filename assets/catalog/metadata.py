"""Small, readable metadata for the Dagster UI: count tables and bar charts in markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

BAR_WIDTH = 30


def bars(counts: Mapping[str, int], title: str = "count", total: int | None = None) -> MetadataValue:
    """A markdown table with one bar per key, longest first: readable at a glance in the UI."""
    if not counts:
        return MetadataValue.md(f"_no {title}_")
    top = max(counts.values()) or 1
    lines = [f"| {title} | n | share | |", "|---|---:|---:|---|"]
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        share = f"{n / total:.2%}" if total else ""
        lines.append(f"| `{key}` | {n:,} | {share} | {'█' * max(1, round(BAR_WIDTH * n / top))} |")
    return MetadataValue.md("\n".join(lines))


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> MetadataValue:
    """A Dagster table (columns: (name, type) with type one of string/int/float/bool)."""
    schema = TableSchema(columns=[TableColumn(name, kind) for name, kind in columns])
    records = [TableRecord({name: row.get(name) for name, _ in columns}) for row in rows]
    return MetadataValue.table(records=records, schema=schema)

"""`ibe sql`: readable tables, csv/json/parquet output, read-only by default, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import build_app
from core.warehouse import Warehouse

runner = CliRunner()


@pytest.fixture
def seeded(warehouse: Warehouse) -> Warehouse:
    warehouse.command(
        f"CREATE TABLE {warehouse.database}.sales (day Date, hotel String, revenue Decimal(18, 4), "
        "at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY day"
    )
    warehouse.command(
        f"INSERT INTO {warehouse.database}.sales VALUES "
        "('2026-11-01', 'grand', 120.1050, '2026-11-01 10:00:00.250'), "
        "('2026-11-01', 'plaza', 99.9900, '2026-11-01 11:30:00'), "
        "('2026-11-02', 'grand', 300.0000, '2026-11-02 09:15:00')"
    )
    return warehouse


def ibe(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(build_app(), ["sql", *args])


def test_prints_a_readable_table_with_the_row_count(seeded: Warehouse) -> None:
    result = ibe("SELECT hotel, sum(revenue) AS revenue FROM sales GROUP BY hotel ORDER BY hotel")
    assert result.exit_code == 0, result.output
    assert "hotel" in result.output and "revenue" in result.output
    assert "420.1050" in result.output and "99.9900" in result.output
    assert "2 rows" in result.output


def test_empty_result_names_its_columns(seeded: Warehouse) -> None:
    result = ibe("SELECT hotel, revenue FROM sales WHERE hotel = 'nowhere'")
    assert result.exit_code == 0, result.output
    assert "0 rows (columns: hotel, revenue)" in result.output


def test_query_from_a_file_with_a_trailing_semicolon(seeded: Warehouse, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("-- revenue per day\nSELECT day, count() AS n FROM sales GROUP BY day ORDER BY day;\n")
    result = ibe("--file", str(query), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["day", "n"],
        ["2026-11-01", "2"],
        ["2026-11-02", "1"],
    ]


def test_csv_to_a_file_keeps_exact_decimals(seeded: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "out" / "sales.csv"
    result = ibe("SELECT hotel, revenue FROM sales ORDER BY at", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert [Decimal(r["revenue"]) for r in rows] == [Decimal("120.105"), Decimal("99.99"), Decimal("300")]


def test_json_is_an_array_of_objects_with_decimals_as_strings(seeded: Warehouse) -> None:
    result = ibe("SELECT hotel, revenue FROM sales WHERE day = '2026-11-02'", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"hotel": "grand", "revenue": "300"}]


def test_parquet_keeps_types(seeded: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "sales.parquet"
    result = ibe("SELECT * FROM sales ORDER BY at", "--format", "parquet", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 3
    assert str(table.schema.field("revenue").type) == "decimal128(18, 4)"
    assert str(table.schema.field("at").type).startswith("timestamp[ms, tz=UTC]")
    assert table.column("revenue").to_pylist()[0] == Decimal("120.1050")


def test_parquet_needs_an_output_file(seeded: Warehouse) -> None:
    result = ibe("SELECT 1", "--format", "parquet")
    assert result.exit_code == 1
    assert "--out" in result.stderr


def test_read_only_by_default_and_writes_with_the_flag(seeded: Warehouse) -> None:
    dropped = ibe("DROP TABLE sales")
    assert dropped.exit_code == 1
    assert "readonly" in dropped.stderr.lower()
    inserted = ibe("INSERT INTO sales VALUES ('2026-11-03', 'new', 1, now64(3))")
    assert inserted.exit_code == 1
    _, rows = seeded.query(f"SELECT count() FROM {seeded.database}.sales")
    assert rows[0][0] == 3

    allowed = ibe("INSERT INTO sales VALUES ('2026-11-03', 'new', 1, now64(3))", "--write")
    assert allowed.exit_code == 0, allowed.output
    _, rows = seeded.query(f"SELECT count() FROM {seeded.database}.sales")
    assert rows[0][0] == 4


def test_bad_sql_gives_the_engine_message_on_one_line_with_the_position(seeded: Warehouse) -> None:
    result = ibe("SELECT hotel FORM sales")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Syntax error" in lines[0]
    assert "position 19" in lines[0] and "(line 1, col 19)" in lines[0]
    assert "Traceback" not in result.output and "SETTINGS readonly" not in lines[0]


def test_unknown_table_is_one_clear_line(seeded: Warehouse) -> None:
    result = ibe("SELECT * FROM no_such_table")
    assert result.exit_code == 1
    assert "no_such_table" in result.stderr and "UNKNOWN_TABLE" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_query_argument_and_file_are_exclusive(seeded: Warehouse, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("SELECT 1")
    result = ibe("SELECT 2", "--file", str(query))
    assert result.exit_code == 1
    assert "not both" in result.stderr

"""`ibe sql`: run one SQL query against the warehouse, for analysts.

    ibe sql "SELECT day, sum(revenue) FROM v_hotel_revenue_daily GROUP BY day ORDER BY day"
    ibe sql --file question.sql --format parquet --out answer.parquet

Read-only unless `--write`: the query runs with ClickHouse's `readonly = 2` setting (reads and
session settings only), so a stray DROP or INSERT is refused by the engine itself. `--format table`
prints a readable table; csv, json and parquet are written by ClickHouse's own output formats
(exact Decimals, typed timestamps), to `--out` or standard output. A bad query prints the engine's
message on one line, with the position of the error.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.output import console, fail

READ_ONLY = {"readonly": 2}
ENGINE_FORMATS = {"csv": "CSVWithNames", "json": "JSONEachRow", "parquet": "Parquet"}
JSON_SETTINGS = {"output_format_json_array_of_rows": 1, "output_format_json_quote_decimals": 1}
_CLIENT_SUFFIX = re.compile(
    r"\s*SETTINGS readonly = '\d'|\s*FORMAT (Native|Arrow|Parquet|CSVWithNames|JSONEachRow)"
)
_EXPECTED = re.compile(r"Expected one of: ([^.]*)\.")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)


def engine_message(exc: BaseException, limit_expected: int = 6) -> str:
    """The engine's error on one line, without what the client appended to the query."""
    from core.warehouse.client import one_line

    text = _CLIENT_SUFFIX.sub("", one_line(exc))
    text = re.sub(r"^.*?Code: \d+\. DB::Exception: ", "", text)
    text = re.sub(r"^default: ", "", text)

    def shorten(match: re.Match[str]) -> str:
        items = [i.strip() for i in match.group(1).split(",")]
        more = f", ... ({len(items) - limit_expected} more)" if len(items) > limit_expected else ""
        return f"Expected one of: {', '.join(items[:limit_expected])}{more}."

    return _EXPECTED.sub(shorten, text)[:600]


def query_text(query: str | None, file: Path | None) -> str:
    if (query is None) == (file is None):
        fail("give the query as an argument or with --file, not both")
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror}")
    else:
        text = query or ""
    text = text.strip().rstrip(";").strip()
    if not text:
        fail("the query is empty")
    return text


def sql(
    query: Annotated[str | None, typer.Argument(help="The SQL query (or use --file).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the query from a file ('-': stdin).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv, json or parquet.")] = (
        OutputFormat.table
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the result to this file.")] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Allow statements that change data (off: read-only).")
    ] = False,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows shown by --format table.")] = 1000,
) -> None:
    """Run one SQL query against the warehouse and print or save the result (read-only by default)."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.config import get_settings
    from core.warehouse import Warehouse, WarehouseBusy, WarehouseError

    text = query_text(query, file)
    if fmt is OutputFormat.parquet and out is None:
        fail("--format parquet writes a binary file: add --out PATH")
    settings = {} if write else dict(READ_ONLY)
    warehouse = Warehouse(get_settings())
    try:
        with warehouse.session() as client:
            client.database = warehouse.database
            if fmt is OutputFormat.table:
                result = client.query(text, settings=settings)
                columns, rows = list(result.column_names), result.result_rows
                if not columns and not rows:
                    # The embedded engine sends no block (so no names) for an empty result.
                    try:
                        described = client.query(f"DESCRIBE ({text})", settings=settings)
                        columns = [str(r[0]) for r in described.result_rows]
                    except ClickHouseError:
                        columns = []
            else:
                extra = JSON_SETTINGS if fmt is OutputFormat.json else {}
                payload = client.raw_query(text, fmt=ENGINE_FORMATS[fmt], settings={**settings, **extra})
    except ClickHouseError as exc:
        fail(engine_message(exc))
    except (WarehouseError, WarehouseBusy) as exc:
        fail(str(exc))
    finally:
        warehouse.close()

    if fmt is OutputFormat.table:
        _print_table(columns, rows, max_rows, out)
        return
    if out is None:
        sys.stdout.buffer.write(payload if payload.endswith(b"\n") or not payload else payload + b"\n")
        sys.stdout.buffer.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    console.print(f"wrote {out} ({fmt.value}, {len(payload):,} bytes)", highlight=False)


def _print_table(columns: list[str], rows: Sequence[Sequence[Any]], max_rows: int, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    if not rows:
        message = f"0 rows (columns: {', '.join(columns)})"
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(message + "\n")
        console.print(message, highlight=False)
        return
    shown = rows[:max_rows] if max_rows > 0 else rows
    table = Table(show_lines=False, header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in shown:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    caption = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    if len(shown) < len(rows):
        caption += f", showing the first {len(shown):,} (use --format csv --out FILE for all)"
    table.caption = caption
    if out is None:
        console.print(table)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as handle:
        Console(file=handle, width=200, color_system=None).print(table)
    console.print(f"wrote {out} (table, {len(rows):,} rows)", highlight=False)

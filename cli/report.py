"""`ibe report`: the main dashboards' panels as PNG charts and an HTML page, for people without Grafana.

ibe report                                  # last 7 days, every dashboard, into <data>/report/
ibe report --last 24h --dashboard revenue --country FR --currency EUR --out /tmp/report
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.output import console, fail

_SPAN = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Dashboard(StrEnum):
    """The dashboards a report can show (their uids without `ibe-`; `dashboards.boards.all_boards`)."""

    REVENUE = "revenue"
    FUNNEL = "funnel"
    CATALOG_QUALITY = "catalog-quality"
    PIPELINE_HEALTH = "pipeline-health"


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def parse_span(text: str) -> timedelta:
    match = _SPAN.match(text.strip())
    if not match or int(match.group(1)) == 0:
        fail(f"--last {text!r}: use a number and a unit, like 90m, 24h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def report(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for index.html and the PNGs.")
    ] = None,
    last: Annotated[str, typer.Option("--last", help="Time range ending now: 90m, 24h, 7d, 2w.")] = "7d",
    dashboard: Annotated[
        list[Dashboard] | None,
        typer.Option("--dashboard", "-d", help="Only this dashboard (repeatable; default all)."),
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Hotel country filter (repeatable).")
    ] = None,
    currency: Annotated[
        list[str] | None, typer.Option("--currency", help="Guest currency filter (repeatable).")
    ] = None,
) -> None:
    """Render the main dashboards' panels to PNG and an HTML page from the warehouse."""
    from core.config import get_settings
    from core.warehouse import Warehouse, WarehouseBusy, WarehouseError
    from dashboards.boards import all_boards
    from dashboards.macros import MacroError, TimeRange
    from dashboards.report import build_report

    span = TimeRange.last(parse_span(last))
    boards = list(all_boards())
    if dashboard:
        known = {b.uid.removeprefix("ibe-"): b for b in boards}
        boards = [known[d.value] for d in dashboard]
    selected = {k: v for k, v in (("country", country), ("currency", currency)) if v}
    settings = get_settings()
    folder = (out or settings.data_path / "report").resolve()
    warehouse = Warehouse(settings)
    try:
        result = build_report(warehouse, folder, span, boards, selected)
    except (WarehouseError, WarehouseBusy, MacroError) as exc:
        fail(str(exc))
    finally:
        warehouse.close()
    console.print(
        f"{result.panels} panels from {len(boards)} dashboard(s), {len(result.images)} charts"
        + (f", {len(result.empty)} without data" if result.empty else ""),
        highlight=False,
    )
    console.print(f"report: {result.page}", highlight=False, soft_wrap=True)

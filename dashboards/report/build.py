"""Runs the main panels and writes `index.html` with one PNG per chart beside it."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.warehouse import Warehouse
from dashboards.boards import all_boards
from dashboards.macros import QueryContext, TimeRange, auto_interval
from dashboards.report.charts import draw, format_value
from dashboards.runner import PanelResult, resolve_variables, run_panel
from dashboards.spec import DashboardSpec, PanelSpec

MAX_POINTS = 200


@dataclass
class Report:
    folder: Path
    page: Path
    images: list[Path] = field(default_factory=list)
    panels: int = 0
    empty: list[str] = field(default_factory=list)


@dataclass
class _Rendered:
    panel: PanelSpec
    result: PanelResult
    image: Path | None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def _run(
    warehouse: Warehouse, board: DashboardSpec, span: TimeRange, selected: Mapping[str, list[str]]
) -> list[tuple[PanelSpec, PanelResult]]:
    ctx = QueryContext(span, auto_interval(span, MAX_POINTS))
    wanted = {k: v for k, v in selected.items() if any(var.name == k for var in board.variables)}
    with warehouse.session() as client:
        ctx = resolve_variables(client, warehouse.database, board, ctx, wanted)
        return [(p, run_panel(client, warehouse.database, p, ctx)) for p in board.panels if p.main]


def build_report(
    warehouse: Warehouse,
    folder: Path,
    span: TimeRange | None = None,
    boards: Sequence[DashboardSpec] | None = None,
    selected: Mapping[str, list[str]] | None = None,
) -> Report:
    """Render the main panels of `boards` (default: all) over `span` (default: the last 7 days)."""
    span = span or TimeRange.last(timedelta(days=7))
    chosen = list(boards or all_boards())
    selection = dict(selected or {})
    folder.mkdir(parents=True, exist_ok=True)
    report = Report(folder=folder, page=folder / "index.html")
    sections = []
    for board in chosen:
        rendered = []
        for panel, result in _run(warehouse, board, span, selection):  # the session is closed again here
            image = draw(panel, result, folder / f"{_slug(board.title)}--{_slug(panel.title)}.png")
            if image is not None:
                report.images.append(image)
            if not result.rows:
                report.empty.append(f"{board.title} / {panel.title}")
            report.panels += 1
            rendered.append(_Rendered(panel, result, image))
        sections.append(_section(board, rendered))
    report.page.write_text(_page(span, selection, sections))
    return report


def _table(result: PanelResult, unit: str | None, limit: int = 25) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_value(v, unit))}</td>" for v in row) + "</tr>"
        for row in result.rows[:limit]
    )
    more = f"<p class=note>{len(result.rows) - limit} more rows</p>" if len(result.rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _stat(result: PanelResult, unit: str | None) -> str:
    row = result.rows[0]
    cards = "".join(
        f"<div class=stat><div class=value>{html.escape(format_value(v, unit))}</div>"
        f"<div class=label>{html.escape(c)}</div></div>"
        for c, v in zip(result.columns, row, strict=True)
    )
    return f"<div class=stats>{cards}</div>"


def _panel(item: _Rendered) -> str:
    panel, result = item.panel, item.result
    if not result.rows:
        body = "<p class=note>No data in this time range.</p>"
    elif item.image is not None:
        body = f'<img src="{html.escape(item.image.name)}" alt="{html.escape(panel.title)}">'
    elif panel.viz == "stat":
        body = _stat(result, panel.unit)
    else:
        body = _table(result, panel.unit)
    description = f"<p class=desc>{html.escape(panel.description)}</p>" if panel.description else ""
    return (
        f"<section class=panel><h3>{html.escape(panel.title)}</h3>{description}{body}"
        f"<details><summary>SQL</summary><pre>{html.escape(result.sql)}</pre></details></section>"
    )


def _section(board: DashboardSpec, rendered: list[_Rendered]) -> str:
    panels = "".join(_panel(item) for item in rendered)
    return (
        f"<h2>{html.escape(board.title)}</h2><p class=desc>{html.escape(board.description)}</p>"
        f"<div class=grid>{panels}</div>"
    )


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2328; background: #fafafa; }
h1 { margin-bottom: 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #d0d7de; }
.meta, .note, .desc { color: #57606a; font-size: 0.9em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.panel { background: white; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px; }
.panel h3 { margin: 0 0 6px 0; font-size: 1em; } img { max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border-bottom: 1px solid #eaeef2; padding: 3px 6px; text-align: left; }
.stats { display: flex; gap: 24px; flex-wrap: wrap; }
.stat .value { font-size: 1.8em; font-weight: 600; } .stat .label { color: #57606a; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 0.8em; }
"""


def _page(span: TimeRange, selected: Mapping[str, list[str]], sections: list[str]) -> str:
    filters = (
        ", ".join(f"{k} = {', '.join(v)}" for k, v in selected.items()) or "all countries and currencies"
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>IBE report</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>IBE analytics report</h1>"
        f"<p class=meta>{span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M} UTC; {html.escape(filters)}; "
        f"generated {stamp} from the warehouse. Revenue is net, in the reporting currency.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )

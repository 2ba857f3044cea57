"""`ibe report`: the main panels as PNG charts and one HTML page, from the seeded warehouse."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import build_app
from dashboards.boards import all_boards
from dashboards.report.charts import format_value

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_draws_every_main_panel_and_links_them_from_one_page(seeded: Any, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(build_app(), ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out / "index.html"
    assert f"report: {page}" in result.output.replace("\n", "")
    text = page.read_text()
    main = [(b, p) for b in all_boards() for p in b.panels if p.main]
    for board, panel in main:
        assert f"<h3>{html.escape(panel.title)}</h3>" in text, panel.title
        assert f"<h2>{html.escape(board.title)}</h2>" in text
    images = re.findall(r'<img src="([^"]+)"', text)
    charts = [p for _, p in main if p.viz not in ("stat", "table")]
    assert len(images) == len(charts)
    for name in images:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name
    assert "No data in this time range" not in text
    assert f"{len(main)} panels from 4 dashboard(s), {len(charts)} charts" in result.output


def test_report_filters_and_shows_exact_values(seeded: Any, tmp_path: Path) -> None:
    warehouse, _ = seeded
    out = tmp_path / "fr"
    args = ["report", "--out", str(out), "--dashboard", "revenue", "--country", "FR", "--last", "7d"]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    text = (out / "index.html").read_text()
    assert "IBE / Funnel" not in text and "country = FR" in text
    top_hotels = text.split("<h3>Top hotels</h3>")[1].split("</table>")[0]
    countries = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>", top_hotels)
    assert countries and set(countries) == {"FR"}
    _, rows = warehouse.query(
        "SELECT sum(m.revenue_reporting) FROM {db}.mart_revenue_hotel_hourly AS m "
        "WHERE m.hotel_id IN (SELECT toString(hid) FROM {db}.dim_hotels WHERE country_code = 'FR')".replace(
            "{db}", warehouse.database
        )
    )
    headline = text.split("<h3>Net revenue, bookings, average booking value</h3>")[1].split("</section>")[0]
    assert f"<div class=value>{format_value(rows[0][0])}</div><div class=label>net revenue</div>" in headline


def test_report_errors_are_one_line(seeded: Any, tmp_path: Path) -> None:
    bad = runner.invoke(build_app(), ["report", "--out", str(tmp_path), "--last", "soon"])
    assert bad.exit_code == 1 and "--last 'soon'" in bad.stderr
    unknown = runner.invoke(
        build_app(), ["report", "--out", str(tmp_path), "--dashboard", "sales"], env={"COLUMNS": "200"}
    )
    assert unknown.exit_code == 2  # a usage error: the choices are in --help and in the message
    assert "'sales' is not one of 'revenue', 'funnel', 'catalog-quality', 'pipeline-health'" in unknown.stderr

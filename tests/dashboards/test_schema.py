"""The committed dashboards are what the code generates, and Grafana's own schema accepts them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dashboards.clickhouse import DATASOURCE_UID, PLUGIN_TYPE
from dashboards.generate import JSON_DIR, differences, render
from dashboards.schema_check import check, ensure_installed


@pytest.fixture(scope="module")
def schema_tools() -> Path:
    """The locked @grafana/schema + TypeScript packages (`npm ci` from package-lock.json if missing)."""
    return ensure_installed()


def test_committed_json_matches_the_generator() -> None:
    assert differences() == [], "run: python -m dashboards.generate"


def test_the_four_dashboards_exist_with_their_variables() -> None:
    models = {name: json.loads(text) for name, text in render().items()}
    titles = {m["title"] for m in models.values()}
    assert {"IBE / Revenue", "IBE / Funnel", "IBE / Catalog quality", "IBE / Pipeline health"} <= titles
    revenue = next(m for m in models.values() if m["title"] == "IBE / Revenue")
    assert {v["name"] for v in revenue["templating"]["list"]} >= {"country", "currency"}
    for model in models.values():
        assert model["time"]["to"] == "now"
        for panel in model["panels"]:
            assert panel["datasource"] == {"type": PLUGIN_TYPE, "uid": DATASOURCE_UID}
            assert [t["datasource"]["uid"] for t in panel["targets"]] == [DATASOURCE_UID]
            assert panel["targets"][0]["rawSql"].startswith(("SELECT", "WITH"))


def test_every_dashboard_passes_grafanas_schema(schema_tools: Path) -> None:
    files = sorted(JSON_DIR.glob("*.json"))
    assert len(files) >= 4
    report = check(files)
    assert report.ok, report.output
    assert f"{len(files)} dashboard(s) match @grafana/schema" in report.output


def _broken(tmp_path: Path, name: str, change) -> Path:  # type: ignore[no-untyped-def]
    model = copy.deepcopy(json.loads((JSON_DIR / "funnel.json").read_text()))
    change(model)
    path = tmp_path / name
    path.write_text(json.dumps(model))
    return path


def test_the_schema_check_rejects_what_grafana_would_not_load(schema_tools: Path, tmp_path: Path) -> None:
    def bad_grid(m):  # type: ignore[no-untyped-def]
        m["panels"][0]["gridPos"]["w"] = "half"

    def bad_legend(m):  # type: ignore[no-untyped-def]
        next(p for p in m["panels"] if p["type"] == "timeseries")["options"]["legend"]["displayMode"] = "grid"

    def no_sql(m):  # type: ignore[no-untyped-def]
        del m["panels"][1]["targets"][0]["rawSql"]

    def no_schema_version(m):  # type: ignore[no-untyped-def]
        del m["schemaVersion"]

    def unknown_stat_option(m):  # type: ignore[no-untyped-def]
        next(p for p in m["panels"] if p["type"] == "stat")["options"]["sparkles"] = True

    cases = {"grid.json": bad_grid, "legend.json": bad_legend, "nosql.json": no_sql,
             "version.json": no_schema_version, "stat.json": unknown_stat_option}  # fmt: skip
    files = [_broken(tmp_path, name, change) for name, change in cases.items()]
    report = check(files)
    assert not report.ok
    by_file = {name: [e for e in report.errors if e.startswith(name + ":")] for name in cases}
    assert all(by_file.values()), report.output
    assert 'at "w": Type ' in " ".join(by_file["grid.json"])
    assert '"grid"' in " ".join(by_file["legend.json"])
    assert "rawSql" in " ".join(by_file["nosql.json"])
    assert "schemaVersion" in " ".join(by_file["version.json"])
    assert "sparkles" in " ".join(by_file["stat.json"]) and "(stat:" in " ".join(by_file["stat.json"])

"""`ibe --version` and the choices `--help` lists, kept equal to what the commands accept."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from cli.apikey import Scope
from cli.main import build_app
from cli.report import Dashboard

REPO = Path(__file__).resolve().parents[2]


def test_version_is_the_projects() -> None:
    result = CliRunner().invoke(build_app(), ["--version"])
    expected = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert result.exit_code == 0
    assert result.output.strip() == f"ibe {expected}"


def test_the_enums_name_what_the_commands_accept() -> None:
    from core.booking.apikeys import SCOPES
    from dashboards.boards import all_boards

    assert [s.value for s in Scope] == list(SCOPES)
    assert {d.value for d in Dashboard} == {b.uid.removeprefix("ibe-") for b in all_boards()}


def test_help_lists_the_choices() -> None:
    runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that rich wraps no choice list
    ingest = runner.invoke(build_app(), ["catalog", "ingest", "--help"])
    report = runner.invoke(build_app(), ["report", "--help"])
    apikey = runner.invoke(build_app(), ["apikey", "create", "--help"])
    assert "full|incremental|all" in ingest.output
    assert "revenue|funnel|catalog-quality|pipeline-health" in report.output
    assert "search|book|inventory|admin" in apikey.output

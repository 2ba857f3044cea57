"""`ibe catalog ingest`: clear one-line errors for a wrong folder, dump or date."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import build_app


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["nowhere-at-all"], 1, "is not a folder"),
        (["{tmp}", "--dump", "weekly"], 2, "'weekly' is not one of 'full', 'incremental', 'all'"),
        (["{tmp}", "--date", "23/11/2026"], 1, "is not a date"),
    ],
)
def test_ingest_refuses_bad_arguments_in_one_line(
    settings, tmp_path: Path, args: list[str], exit_code: int, message: str
) -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        build_app(), ["catalog", "ingest", *(a.format(tmp=tmp_path) for a in args)]
    )
    assert result.exit_code == exit_code
    assert message in result.output
    assert "Traceback" not in result.output


def test_ingest_of_a_folder_without_dump_fails_cleanly(settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["catalog", "ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "no full dump in" in result.output and "Traceback" not in result.output


def _outcome(checks: dict[str, tuple[bool, str]]) -> dict:
    return {
        "success": True,
        "step_seconds": {},
        "metadata": {},
        "checks": checks,
        "failure": None,
        "reasons": {},
    }


@pytest.mark.parametrize(
    ("checks", "exit_code"),
    [
        (
            {
                "hotels_serving:store_reconciles": (True, "ERROR"),
                "dim_hotels:warehouse_reconciles": (True, "ERROR"),
            },
            0,
        ),
        (
            {
                "hotels_serving:store_reconciles": (True, "ERROR"),
                "catalog:catalog_freshness": (False, "WARN"),
            },
            0,
        ),
        (
            {
                "hotels_serving:store_reconciles": (False, "ERROR"),
                "dim_hotels:warehouse_reconciles": (True, "ERROR"),
            },
            3,
        ),
    ],
)
def test_ingest_exit_code_follows_the_error_checks(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks: dict, exit_code: int
) -> None:
    """The exit code a scheduler sees: a failed ERROR check fails the command and is named; a failed
    WARN check is only printed. (The run itself is stood in for; its outcome has run_ingest's shape.)"""
    import cli.catalog_ingest as ingest_module

    monkeypatch.setattr(ingest_module, "run_ingest", lambda *args, **kwargs: _outcome(checks))
    result = CliRunner().invoke(build_app(), ["catalog", "ingest", str(tmp_path)])
    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert "ERROR checks failed: hotels_serving:store_reconciles" in result.output
    assert "Traceback" not in result.output


def test_ingest_help_documents_the_exit_codes(settings) -> None:
    result = CliRunner().invoke(build_app(), ["catalog", "ingest", "--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output and "ERROR-severity check failed" in result.output

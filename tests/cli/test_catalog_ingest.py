"""`ibe catalog ingest`: clear one-line errors for a wrong folder, dump or date."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import build_app


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere-at-all"], "is not a folder"),
        (["{tmp}", "--dump", "weekly"], "--dump must be one of"),
        (["{tmp}", "--date", "23/11/2026"], "is not a date"),
    ],
)
def test_ingest_refuses_bad_arguments_in_one_line(
    settings, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(build_app(), ["catalog", "ingest", *(a.format(tmp=tmp_path) for a in args)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_ingest_of_a_folder_without_dump_fails_cleanly(settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["catalog", "ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "no full dump in" in result.output and "Traceback" not in result.output

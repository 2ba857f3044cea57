"""`ibe catalog generate`: writes the dumps and the manifest; bad arguments get one clear line."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import build_app
from core.ratehawk.synthetic import DumpManifest, read_bad_lines


def test_catalog_generate_writes_dumps_and_manifest(tmp_path):
    out = tmp_path / "catalog"
    result = CliRunner().invoke(
        build_app(),
        [
            "catalog",
            "generate",
            "--hotels",
            "400",
            "--out",
            str(out),
            "--seed",
            "5",
            "--bad-fraction",
            "0.05",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = DumpManifest.load(out)
    assert (manifest.hotels, manifest.seed, manifest.files["full"].bad_lines) == (400, 5, 20)
    assert len(read_bad_lines(out / manifest.files["full"].name)) == 20
    assert "400 hotels" in result.output


def test_catalog_generate_refuses_a_bad_fraction_above_one(tmp_path):
    result = CliRunner().invoke(
        build_app(),
        ["catalog", "generate", "--hotels", "10", "--out", str(tmp_path), "--bad-fraction", "1.5"],
    )
    assert result.exit_code != 0
    assert not (tmp_path / "manifest.json").exists()

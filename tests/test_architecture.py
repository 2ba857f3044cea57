"""The import layers of ARCHITECTURE.md hold: core is framework-free, features don't import each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_importing_core_does_no_work_and_pulls_no_framework() -> None:
    code = (
        "import sys, importlib, pkgutil, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    if '.simulator' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in ('dagster', 'fastapi', 'temporalio') if n in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "IBE_DATA_DIR": "/nonexistent/never-created"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
    assert not Path("/nonexistent/never-created").exists()

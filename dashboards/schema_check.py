"""Runs the @grafana/schema type check (`schema-check/check.mjs`) from Python.

The npm packages come from `schema-check/package-lock.json`: `make install` runs `npm ci` there,
and `ensure_installed()` does the same when they are missing or do not match the lock (a fresh
clone running the tests directly). Nothing is installed at import.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

SCHEMA_CHECK_DIR = Path(__file__).resolve().parent / "schema-check"
NPM_CI = ("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline")


class SchemaCheckUnavailable(RuntimeError):
    """Node or npm is missing, or the npm install failed."""


@dataclass(frozen=True)
class SchemaReport:
    ok: bool
    output: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.output.splitlines() if ": " in line and "match @grafana" not in line]


def _locked_versions() -> dict[str, str]:
    lock = json.loads((SCHEMA_CHECK_DIR / "package-lock.json").read_text())
    packages = lock.get("packages", {})
    return {
        path.removeprefix("node_modules/"): meta["version"]
        for path, meta in packages.items()
        if path.startswith("node_modules/") and "version" in meta
    }


def _installed_matches() -> bool:
    for name, version in _locked_versions().items():
        manifest = SCHEMA_CHECK_DIR / "node_modules" / name / "package.json"
        try:
            if json.loads(manifest.read_text()).get("version") != version:
                return False
        except (OSError, ValueError):
            return False
    return True


def ensure_installed(timeout_s: float = 300) -> Path:
    """The schema-check folder with its locked npm packages installed (`npm ci` if needed)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SchemaCheckUnavailable("node and npm are needed for the dashboard schema check")
    with FileLock(str(Path(tempfile.gettempdir()) / "ibe-dashboards-schema-check.lock")):
        if not _installed_matches():
            done = subprocess.run(
                NPM_CI, cwd=SCHEMA_CHECK_DIR, capture_output=True, text=True, timeout=timeout_s, check=False
            )
            if done.returncode != 0 or not _installed_matches():
                raise SchemaCheckUnavailable(f"npm ci failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return SCHEMA_CHECK_DIR


def check(paths: list[Path], timeout_s: float = 120) -> SchemaReport:
    """Type-check dashboard JSON files against Grafana's schema."""
    folder = ensure_installed()
    done = subprocess.run(
        ("node", "check.mjs", *(str(p.resolve()) for p in paths)),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return SchemaReport(ok=done.returncode == 0, output=(done.stdout + done.stderr).strip())

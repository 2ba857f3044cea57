"""Writes the dashboards' JSON models into dashboards/json/, where Grafana's provisioning reads them.

    python -m dashboards.generate           # (re)write every dashboard
    python -m dashboards.generate --check   # exit 1 if a committed file differs from the code

The JSON files are committed, so a Grafana started with deploy/ mounts needs no Python; the tests
fail when the code and the files drift apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboards.boards import all_boards
from dashboards.spec import build

JSON_DIR = Path(__file__).resolve().parent / "json"


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard, as written to disk."""
    return {
        board.json_name: json.dumps(build(board), indent=2, sort_keys=True) + "\n" for board in all_boards()
    }


def write(folder: Path = JSON_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    rendered = render()
    for name, text in rendered.items():
        path = folder / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    for stale in folder.glob("*.json"):
        if stale.name not in rendered:
            stale.unlink()
    return written


def differences(folder: Path = JSON_DIR) -> list[str]:
    """Names of dashboards whose file is missing, different, or no longer generated."""
    rendered = render()
    found = {p.name for p in folder.glob("*.json")} if folder.exists() else set()
    changed = [n for n, text in rendered.items() if n not in found or (folder / n).read_text() != text]
    return sorted(changed + [n for n in found if n not in rendered])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences()
        for name in stale:
            print(f"dashboards/json/{name} is out of date: run python -m dashboards.generate")
        return 1 if stale else 0
    for path in write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Schema-driven fuzzing with schemathesis: the API over HTTP, with a key of each scope.

Every generated request (valid and invalid) must answer without a 5xx, with a documented status and
content type, and with a body that matches the OpenAPI schema of that status. `make fuzz` runs the
same check with many more examples (`IBE_FUZZ_EXAMPLES`).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.booking_api.conftest import SimEnv
from tests.web.conftest import serve_here

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = int(os.environ.get("IBE_FUZZ_EXAMPLES", "4"))
SCOPES = ("admin", "search", "book", "inventory")


async def fuzz(url: str, key: str, report: Path) -> tuple[int, str]:
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st), "run", f"{url}/openapi.json", "--checks", CHECKS, "--max-examples", str(EXAMPLES),
        "--seed", "20261205", "--workers", "1", "--no-color", "--header", f"Authorization: Bearer {key}",
        "--report", "ndjson", "--report-ndjson-path", str(report), "--suppress-health-check", "all",
        "--request-timeout", "20",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode(errors="replace")


def statuses(report: Path) -> dict[int, int]:
    """How many responses of each status the run saw (from schemathesis' NDJSON event log)."""
    seen: dict[int, int] = {}
    for line in report.read_text().splitlines():
        for status in _statuses_in(json.loads(line)):
            seen[status] = seen.get(status, 0) + 1
    return seen


def _statuses_in(node: object) -> list[int]:
    if isinstance(node, dict):
        found = (
            [node["status_code"]] if isinstance(node.get("status_code"), int) and "headers" in node else []
        )
        return found + [s for v in node.values() for s in _statuses_in(v)]
    if isinstance(node, list):
        return [s for v in node for s in _statuses_in(v)]
    return []


@pytest.mark.timeout(600)
async def test_no_5xx_and_every_answer_matches_the_schema(sim_env: SimEnv, tmp_path: Path) -> None:
    async with serve_here(sim_env.api.app) as served:
        for scope in SCOPES:
            report = tmp_path / f"{scope}.ndjson"
            code, out = await fuzz(served.url, sim_env.api.keys[scope], report)
            seen = statuses(report)
            print(
                f"fuzz with a `{scope}` key: {sum(seen.values())} responses, statuses {dict(sorted(seen.items()))}"
            )
            assert code == 0, f"schemathesis found failures with a `{scope}` key:\n{out[-6000:]}"
            assert seen, f"schemathesis sent no request with a `{scope}` key:\n{out[-2000:]}"
            assert not [s for s in seen if s >= 500], out[-6000:]

"""Record the history of every saga path into `histories/` (run after a deliberate workflow change).

    .venv/bin/python -m tests.booking_api.replay.record

Runs each path of `paths.PATHS` on the time-skipping test server (the supplier cut-off's 15
minutes pass at once) and writes its history as JSON. Commit the files: `test_replay.py` replays
them against the workflow code on every run, so a change that would break sagas already running
fails CI. A deliberate change keeps the old histories replaying behind `workflow.patched(...)`;
record the new path next to the old ones instead of overwriting them.
"""

from __future__ import annotations

import asyncio
import sys

from temporalio.testing import WorkflowEnvironment

from core.stack.binaries import temporal_test_server
from tests.booking_api.replay.paths import HISTORIES, PATHS, run_path


async def record(names: list[str]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server())
    ) as env:
        for path in PATHS:
            if names and path.name not in names:
                continue
            result, history, _ = await run_path(env.client, path)
            if result != path.result:
                raise SystemExit(f"{path.name}: the saga ended {result!r}, not {path.result!r}")
            (HISTORIES / f"{path.name}.json").write_text(history.to_json())
            print(f"{path.name}: {result}, {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1:]))

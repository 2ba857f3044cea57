"""Workflow replay: the recorded history of every saga path replays on today's workflow code.

A change to `booking_api/temporal/workflows.py` that would take a different decision on a history
already written (a step added, removed or reordered without `workflow.patched`) makes a running
saga fail on its next task; here it fails CI instead. The paths also run live on the time-skipping
test server, so the time-based ones (supplier cut-off after 15 minutes of `processing`, form retry
back-offs, status polling) take seconds, and each must end as its script says.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from core.stack.binaries import temporal_test_server
from tests.booking_api.replay.paths import HISTORIES, PATHS, WORKFLOWS, run_path

COMPENSATIONS = [
    "booking.void_or_refund_payment",
    "booking.cancel_supplier_orders",
    "booking.release_inventory",
]


def recorded() -> list[str]:
    return sorted(p.stem for p in HISTORIES.glob("*.json"))


def test_every_path_has_a_recorded_history() -> None:
    assert recorded() == sorted(p.name for p in PATHS)


@pytest.mark.parametrize("name", recorded())
async def test_recorded_history_replays(name: str) -> None:
    text = (HISTORIES / f"{name}.json").read_text()
    path = next(p for p in PATHS if p.name == name)
    history = WorkflowHistory.from_json(f"{path.saga}-{name}", text)
    started = json.loads(text)["events"][0]["workflowExecutionStartedEventAttributes"]
    assert (
        started["workflowType"]["name"]
        == {"booking": "BookingSaga", "cancellation": "CancellationSaga"}[path.saga]
    )
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{name}: {result.replay_failure}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(temporal_test_server()))
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
async def test_path_runs_to_its_outcome_and_its_history_replays(time_skipping, path) -> None:
    result, history, called = await run_path(time_skipping.client, path)
    assert result == path.result
    replayed = await Replayer(workflows=WORKFLOWS).replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None
    if path.saga == "booking" and result == "failed":
        # the compensations registered so far, in reverse order, between the two marks
        undo = called[called.index("booking.mark_compensating") + 1 : called.index("booking.mark_failed")]
        assert undo == [c for c in COMPENSATIONS if c in undo] and "booking.release_inventory" in undo
        assert "booking.capture_payment" not in called
    if path.name == "supplier_cutoff":  # 15 minutes of `processing`, polled every 30 s, then given up
        assert called.count("booking.check_status") == 31
        assert undo == COMPENSATIONS
    if path.name == "happy":
        assert called[-3:] == ["booking.capture_payment", "booking.confirm", "booking.cancel_other_orders"]
